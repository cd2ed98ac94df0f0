/// Renders rows as one JSON array of objects with a fixed key order; unknown
/// values are `null`. One object per line, so the output also greps well.
enum JSONRenderer {
    static func render(_ rows: [PartitionLag], columns: [ReportColumn]) -> String {
        guard !rows.isEmpty else { return "[]\n" }
        var output = "[\n"
        for (index, row) in rows.enumerated() {
            output += "  {"
            for (columnIndex, column) in columns.enumerated() {
                if columnIndex > 0 { output += ", " }
                output += quoted(column.rawValue) + ": "
                switch column.value(of: row) {
                case .string(let text): output += quoted(text)
                case .number(let number): output += String(number)
                case .decimal(let number): output += number.isFinite ? String(number) : "null"
                case nil: output += "null"
                }
            }
            output += index == rows.count - 1 ? "}\n" : "},\n"
        }
        return output + "]\n"
    }

    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}

/// JSON text helpers shared by the renderers and the JSON log format.
public enum JSONText {
    /// A JSON string literal (RFC 8259 escaping).
    public static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
