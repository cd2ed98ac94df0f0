/// How a lag report is printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, csv

    public func render(_ report: LagReport) -> String {
        switch self {
        case .table: TableRenderer.render(report)
        case .json: JSONRenderer.render(report.rows, columns: ReportColumn.columns(for: report))
        case .csv: CSVRenderer.render(report.rows, columns: ReportColumn.columns(for: report))
        }
    }
}

/// The columns of the machine-readable formats, in order.
enum ReportColumn: String, CaseIterable {
    case group, topic, partition
    case committedOffset = "committed_offset"
    case logStartOffset = "log_start_offset"
    case logEndOffset = "log_end_offset"
    case lag
    case lagSeconds = "lag_seconds"
    case status
    case consumerId = "consumer_id"
    case host
    case clientId = "client_id"

    /// The columns of a report: `lag_seconds` and `status` only when it has insights.
    static func columns(for report: LagReport) -> [ReportColumn] {
        report.hasInsights ? allCases : allCases.filter { $0 != .lagSeconds && $0 != .status }
    }

    /// A column's value: a string, a number, or nil for unknown.
    enum Value {
        case string(String)
        case number(Int64)
        case decimal(Double)
    }

    func value(of row: PartitionLag) -> Value? {
        switch self {
        case .group: .string(row.group)
        case .topic: .string(row.topic)
        case .partition: .number(Int64(row.partition))
        case .committedOffset: row.committedOffset.map(Value.number)
        case .logStartOffset: row.logStartOffset.map(Value.number)
        case .logEndOffset: row.logEndOffset.map(Value.number)
        case .lag: row.lag.map(Value.number)
        case .lagSeconds: row.lagSeconds.map { Value.decimal(roundedSeconds($0)) }
        case .status: row.status.map { Value.string($0.description) }
        case .consumerId: row.consumerId.map(Value.string)
        case .host: row.host.map(Value.string)
        case .clientId: row.clientId.map(Value.string)
        }
    }
}

/// Seconds rounded to milliseconds, for printing.
func roundedSeconds(_ seconds: Double) -> Double {
    (seconds * 1000).rounded() / 1000
}
