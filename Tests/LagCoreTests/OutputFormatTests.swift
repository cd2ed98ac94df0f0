import LagCore
import Testing

@Suite struct OutputFormatTests {
    @Test func formatsAndTheirNames() {
        #expect(OutputFormat.allCases == [.table, .json, .csv])
        #expect(OutputFormat.allCases.map(\.rawValue) == ["table", "json", "csv"])
        #expect(OutputFormat(rawValue: "json") == .json)
        #expect(OutputFormat(rawValue: "JSON") == nil)
    }
}
