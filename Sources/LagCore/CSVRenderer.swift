/// Renders rows as RFC 4180 CSV with a header line; unknown values are empty.
enum CSVRenderer {
    static func render(_ rows: [PartitionLag], columns: [ReportColumn]) -> String {
        var output = columns.map(\.rawValue).joined(separator: ",") + "\n"
        for row in rows {
            output += columns.map { column in
                switch column.value(of: row) {
                case .string(let text): field(text)
                case .number(let number): String(number)
                case .decimal(let number): number.isFinite ? String(number) : ""
                case nil: ""
                }
            }.joined(separator: ",")
            output += "\n"
        }
        return output
    }

    /// Quotes a field when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
}
