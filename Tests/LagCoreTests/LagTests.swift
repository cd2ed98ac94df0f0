import LagCore
import Testing

@Suite struct OffsetLagTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var committed: Int64?
        var logEnd: Int64?
        var expected: Int64?
        var testDescription: String {
            "committed \(committed.map(String.init) ?? "nil"), log end \(logEnd.map(String.init) ?? "nil")"
        }
    }

    @Test(arguments: [
        Case(committed: 100, logEnd: 150, expected: 50),
        Case(committed: 0, logEnd: 1, expected: 1),
        Case(committed: 0, logEnd: Int64.max, expected: Int64.max),
        Case(committed: 150, logEnd: 150, expected: 0),
        Case(committed: 0, logEnd: 0, expected: 0),
        // A commit read after the log end overtakes it: clamped, never negative.
        Case(committed: 160, logEnd: 150, expected: 0),
        Case(committed: 1, logEnd: 0, expected: 0),
        Case(committed: nil, logEnd: 150, expected: nil),
        Case(committed: 100, logEnd: nil, expected: nil),
        Case(committed: nil, logEnd: nil, expected: nil),
    ])
    func offsetLag(_ testCase: Case) {
        #expect(Lag.offsetLag(committed: testCase.committed, logEnd: testCase.logEnd) == testCase.expected)
    }
}
