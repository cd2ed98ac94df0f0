/// Renders a report as an aligned table like `kafka-consumer-groups --describe`,
/// with one totals line after each group's rows. Unknown values print as `-`;
/// control and invisible characters in names print escaped so they cannot
/// break the layout, so does a leading mark that would merge into the padding
/// before it, and columns are padded by terminal width (``TerminalText``).
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
        // Group ids are bytes, as in Kafka: canonically equivalent ids (`é` and
        // `e` + U+0301), equal under String's `==`, are different groups.
        let summaries = Dictionary(report.summaries.map { (Array($0.group.utf8), $0) }, uniquingKeysWith: { first, _ in first })
        for (index, row) in report.rows.enumerated() {
            output += format(cells[index], widths: widths)
            let isLastOfGroup = index == report.rows.count - 1 || !report.rows[index + 1].group.utf8.elementsEqual(row.group.utf8)
            if isLastOfGroup, let summary = summaries[Array(row.group.utf8)] {
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

    /// A name with the characters that could break or disguise a row escaped;
    /// see ``TerminalText/printable(_:)``.
    static func printable(_ text: String) -> String { TerminalText.printable(text) }

    /// Terminal columns a string takes: East Asian wide and fullwidth
    /// characters and emoji take two, combining marks none, spacing marks one;
    /// see ``TerminalText``.
    static func displayWidth(_ text: String) -> Int { TerminalText.width(text) }
}
