/// How a lag report is printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, csv

    public func render(_ report: LagReport) -> String {
        switch self {
        case .table: TableRenderer.render(report)
        case .json: JSONRenderer.render(report.rows)
        case .csv: CSVRenderer.render(report.rows)
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
    case consumerId = "consumer_id"
    case host
    case clientId = "client_id"

    /// A column's value: a string, a number, or nil for unknown.
    enum Value {
        case string(String)
        case number(Int64)
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
        case .consumerId: row.consumerId.map(Value.string)
        case .host: row.host.map(Value.string)
        case .clientId: row.clientId.map(Value.string)
        }
    }
}
