/// Lag arithmetic: how many records a group still has to consume.
public enum Lag {
    /// `max(0, logEnd - committed)`, or nil when either side is unknown.
    ///
    /// Clamped at 0: offsets are read in separate requests, so a commit can
    /// overtake a log-end offset read a moment earlier.
    public static func offsetLag(committed: Int64?, logEnd: Int64?) -> Int64? {
        guard let committed, let logEnd else { return nil }
        return max(0, logEnd - committed)
    }
}

/// One row of the lag report: a group on one partition.
public struct PartitionLag: Sendable, Hashable {
    public var group: String
    public var topic: String
    public var partition: Int32
    /// nil when the group has no commit on this partition.
    public var committedOffset: Int64?
    public var logStartOffset: Int64?
    public var logEndOffset: Int64?
    /// nil when the committed or the log-end offset is unknown.
    public var lag: Int64?
    /// Member data; nil when no member owns the partition.
    public var consumerId: String?
    public var host: String?
    public var clientId: String?
    /// Estimated age of the oldest unconsumed record; nil without history.
    public var lagSeconds: Double?
    /// The partition's lag status; nil without history.
    public var status: LagStatus?

    public init(
        group: String, topic: String, partition: Int32,
        committedOffset: Int64?, logStartOffset: Int64?, logEndOffset: Int64?, lag: Int64?,
        consumerId: String? = nil, host: String? = nil, clientId: String? = nil
    ) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.committedOffset = committedOffset
        self.logStartOffset = logStartOffset
        self.logEndOffset = logEndOffset
        self.lag = lag
        self.consumerId = consumerId
        self.host = host
        self.clientId = clientId
    }
}

/// Per-group totals of a lag report.
public struct GroupLagSummary: Sendable, Hashable {
    public var group: String
    public var state: ConsumerGroupState
    public var partitionCount: Int
    /// Partitions whose lag is known (the group has a commit and the log end is known).
    public var measuredPartitionCount: Int
    /// Partitions the group has no commit for.
    public var uncommittedPartitionCount: Int
    public var totalLag: Int64
    public var maxLag: Int64
    /// The partition with the largest lag (the first one on ties); nil when none is measured.
    public var maxLagPartition: TopicPartition?
    /// Status, time lag, rates and drain estimate; nil without history.
    public var insight: GroupInsight?
}

extension ConsumerGroupSnapshot {
    /// The group's rows, sorted by topic and partition.
    public func partitionLags(offsets: [TopicPartition: PartitionOffsets]) -> [PartitionLag] {
        // One pass over the assignments instead of a scan per partition; the
        // first member listing a partition owns it, as in `owner(of:)`.
        var owners: [TopicPartition: Int] = [:]
        for (index, member) in members.enumerated() {
            for partition in member.assignment where owners[partition] == nil { owners[partition] = index }
        }
        return partitions.map { partition in
            let committed = committedOffsets[partition]
            let logOffsets = offsets[partition]
            let owner = owners[partition].map { members[$0] }
            return PartitionLag(
                group: id, topic: partition.topic, partition: partition.partition,
                committedOffset: committed,
                logStartOffset: logOffsets?.logStart,
                logEndOffset: logOffsets?.logEnd,
                lag: Lag.offsetLag(committed: committed, logEnd: logOffsets?.logEnd),
                consumerId: owner?.consumerId, host: owner?.host, clientId: owner?.clientId
            )
        }
    }
}

extension GroupLagSummary {
    /// Totals over one group's rows.
    public init(group: ConsumerGroupSnapshot, rows: [PartitionLag]) {
        var total: Int64 = 0
        var maximum: Int64 = 0
        var maxPartition: TopicPartition?
        var measured = 0
        var uncommitted = 0
        for row in rows {
            if row.committedOffset == nil { uncommitted += 1 }
            guard let lag = row.lag else { continue }
            measured += 1
            total &+= lag
            if maxPartition == nil || lag > maximum {
                maximum = lag
                maxPartition = TopicPartition(row.topic, row.partition)
            }
        }
        self.init(
            group: group.id, state: group.state, partitionCount: rows.count, measuredPartitionCount: measured,
            uncommittedPartitionCount: uncommitted,
            totalLag: total, maxLag: maximum, maxLagPartition: maxPartition
        )
    }
}

/// The lag of every reported partition of every group in a snapshot, sorted by
/// group, topic and partition, with per-group totals.
public struct LagReport: Sendable, Hashable {
    public var cluster: String
    public var rows: [PartitionLag]
    public var summaries: [GroupLagSummary]
    /// Groups on the cluster before filtering.
    public var totalGroupCount: Int
    /// Whether rows and summaries carry lag in seconds, statuses and rates
    /// (the report was built with a history of at least one poll).
    public var hasInsights: Bool

    /// - Parameter insights: what a ``LagHistory`` made of this snapshot; adds
    ///   lag in seconds, statuses and rates to the report.
    public init(snapshot: ClusterSnapshot, insights: LagInsights? = nil) {
        var rows: [PartitionLag] = []
        var summaries: [GroupLagSummary] = []
        for group in snapshot.groups {
            var groupRows = group.partitionLags(offsets: snapshot.partitionOffsets)
            if let insights {
                for index in groupRows.indices {
                    let key = GroupPartition(group.id, TopicPartition(groupRows[index].topic, groupRows[index].partition))
                    groupRows[index].lagSeconds = insights.lagSeconds[key]
                    groupRows[index].status = insights.partitionStatus[key]
                }
            }
            rows += groupRows
            var summary = GroupLagSummary(group: group, rows: groupRows)
            summary.insight = insights?.groups[group.id]
            summaries.append(summary)
        }
        self.cluster = snapshot.cluster
        self.rows = rows
        self.summaries = summaries
        self.totalGroupCount = snapshot.totalGroupCount
        self.hasInsights = insights != nil
    }
}
