/// The group overview of `lag --watch`: one line per group, most lag first,
/// with status, lag in seconds, rates and drain estimate.
public enum WatchRenderer {
    static let headers = ["GROUP", "STATUS", "PARTITIONS", "LAG", "LAG-SECONDS", "CONSUME/S", "PRODUCE/S", "DRAIN-SECONDS"]

    /// - Parameter title: the first line (cluster, time, refresh interval).
    public static func render(_ report: LagReport, title: String) -> String {
        var output = title + "\n\n"
        guard !report.summaries.isEmpty else {
            return output + "No consumer group matches (\(report.totalGroupCount) group(s) on cluster \(report.cluster)).\n"
        }
        let summaries = report.summaries.sorted { ($0.totalLag, $1.group) > ($1.totalLag, $0.group) }
        let cells = summaries.map { summary in
            [
                TableRenderer.printable(summary.group),
                summary.insight?.status.description ?? "-",
                String(summary.partitionCount),
                summary.measuredPartitionCount > 0 ? String(summary.totalLag) : "-",
                TableRenderer.seconds(summary.insight?.maxLagSeconds),
                TableRenderer.seconds(summary.insight?.consumptionRate),
                TableRenderer.seconds(summary.insight?.productionRate),
                TableRenderer.seconds(summary.insight?.drainSeconds),
            ]
        }
        var widths = headers.map(TableRenderer.displayWidth)
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], TableRenderer.displayWidth(cell)) }
        }
        for line in [headers] + cells {
            for (column, cell) in line.enumerated() {
                output += column == line.count - 1
                    ? cell : cell + String(repeating: " ", count: widths[column] - TableRenderer.displayWidth(cell) + 2)
            }
            output += "\n"
        }
        return output
    }
}
