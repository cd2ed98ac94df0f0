/// Renders a report as an aligned table like `kafka-consumer-groups --describe`,
/// with one totals line after each group's rows. Unknown values print as `-`;
/// control characters in names print escaped so they cannot break the layout.
enum TableRenderer {
    static let headers = [
        "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID",
    ]

    static let headersWithInsights = [
        "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "STATUS", "LAG-SECONDS",
        "CONSUMER-ID", "HOST", "CLIENT-ID",
    ]

    static func render(_ report: LagReport) -> String {
        guard !report.rows.isEmpty else {
            return "No consumer group matches (\(report.totalGroupCount) group(s) on cluster \(report.cluster)).\n"
        }
        let headers = report.hasInsights ? Self.headersWithInsights : Self.headers
        let cells = report.rows.map { row in
            var line = [
                printable(row.group), printable(row.topic), String(row.partition),
                text(row.committedOffset), text(row.logEndOffset), text(row.lag),
            ]
            if report.hasInsights { line += [row.status?.description ?? "-", seconds(row.lagSeconds)] }
            return line + [text(row.consumerId), text(row.host), text(row.clientId)]
        }
        var widths = headers.map(displayWidth)
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], displayWidth(cell)) }
        }

        var output = format(headers, widths: widths)
        let summaries = Dictionary(report.summaries.map { ($0.group, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, row) in report.rows.enumerated() {
            output += format(cells[index], widths: widths)
            let isLastOfGroup = index == report.rows.count - 1 || report.rows[index + 1].group != row.group
            if isLastOfGroup, let summary = summaries[row.group] {
                output += summaryLine(summary) + "\n"
                if index != report.rows.count - 1 { output += "\n" }
            }
        }
        return output
    }

    static func summaryLine(_ summary: GroupLagSummary) -> String {
        var line = "\(printable(summary.group)): total lag \(summary.totalLag), max lag \(summary.maxLag)"
        if let partition = summary.maxLagPartition, summary.maxLag > 0 {
            line += " (\(printable(partition.topic)) \(partition.partition))"
        }
        line += ", \(summary.partitionCount) partition(s)"
        if summary.uncommittedPartitionCount > 0 { line += ", \(summary.uncommittedPartitionCount) without commit" }
        line += ", state \(summary.state)"
        if let insight = summary.insight {
            line += ", status \(insight.status)"
            if let maxSeconds = insight.maxLagSeconds { line += ", max lag \(seconds(maxSeconds))s" }
            if let drain = insight.drainSeconds { line += ", drained in \(seconds(drain))s" }
        }
        return line
    }

    private static func format(_ cells: [String], widths: [Int]) -> String {
        var line = ""
        for (column, cell) in cells.enumerated() {
            if column == cells.count - 1 {
                line += cell
            } else {
                line += cell + String(repeating: " ", count: widths[column] - displayWidth(cell) + 2)
            }
        }
        return line + "\n"
    }

    private static func text(_ value: Int64?) -> String { value.map(String.init) ?? "-" }

    /// Seconds with one decimal, `-` when unknown.
    static func seconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        let tenths = (value * 10).rounded()
        let whole = Int64(tenths / 10)
        return "\(whole).\(Int64(abs(tenths)) % 10)"
    }
    private static func text(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "-" }
        return printable(value)
    }

    /// Escapes control characters (newlines, tabs, escape sequences) as `\n`, `\t`, `\u{1b}`.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var output = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                output += scalar.escaped(asASCII: true)
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Terminal columns a string takes: East Asian wide and fullwidth characters
    /// take two, combining marks none.
    static func displayWidth(_ text: String) -> Int {
        text.reduce(0) { width, character in
            guard let first = character.unicodeScalars.first else { return width }
            return width + (isWide(first) ? 2 : 1)
        }
    }

    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }
}
