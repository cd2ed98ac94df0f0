/// A member of a consumer group, as far as lag reporting needs it.
public struct GroupMember: Sendable, Hashable {
    public var consumerId: String
    public var clientId: String
    public var host: String
    public var assignment: [TopicPartition]

    public init(consumerId: String, clientId: String, host: String, assignment: [TopicPartition]) {
        self.consumerId = consumerId
        self.clientId = clientId
        self.host = host
        self.assignment = assignment
    }
}

/// Log-start and log-end offsets of one partition; nil where the broker did not answer.
public struct PartitionOffsets: Sendable, Hashable {
    /// The oldest offset still in the log ("earliest").
    public var logStart: Int64?
    /// The offset the next record will get ("latest", high watermark).
    public var logEnd: Int64?

    public init(logStart: Int64?, logEnd: Int64?) {
        self.logStart = logStart
        self.logEnd = logEnd
    }
}

/// One consumer group at poll time: its members and committed offsets, and the
/// partitions reported for it.
public struct ConsumerGroupSnapshot: Sendable, Hashable {
    public var id: String
    public var state: ConsumerGroupState
    /// Classic or consumer protocol (KIP-848); unknown when the broker did not say.
    public var type: ConsumerGroupType
    public var members: [GroupMember]
    /// Committed offsets; a partition without a commit is absent. Sorted by
    /// partition; the keys share `partitions`' storage when every reported
    /// partition has a commit (the usual case).
    public var committedOffsets: PartitionMap<Int64>
    /// The partitions reported for this group, sorted: every partition of each
    /// topic the group has committed on or is assigned, minus filtered topics.
    public var partitions: [TopicPartition]
    /// Timestamps (unix seconds) of the oldest unconsumed record of lagging
    /// partitions, when exact time lag is on and the record could be read.
    public var oldestUnconsumedTimestamps: [TopicPartition: Double] = [:]

    /// - Parameters:
    ///   - topicPartitions: partition ids per topic, from cluster metadata; a
    ///     topic missing here contributes only the partitions the group names.
    ///   - topicFilter: which topics to report.
    public init(
        id: String,
        state: ConsumerGroupState,
        type: ConsumerGroupType = .unknown,
        members: [GroupMember],
        committedOffsets: PartitionMap<Int64>,
        topicPartitions: [String: [Int32]],
        topicFilter: NameFilter = .all
    ) {
        var partitions = Set(committedOffsets.keys)
        for member in members { partitions.formUnion(member.assignment) }
        for topic in Set(partitions.map(\.topic)) {
            for partition in topicPartitions[topic] ?? [] {
                partitions.insert(TopicPartition(topic, partition))
            }
        }
        self.id = id
        self.state = state
        self.type = type
        self.members = members
        self.partitions = partitions.filter { topicFilter.includes($0.topic) }.sorted()
        self.committedOffsets = committedOffsets.filter { topicFilter.includes($0.key.topic) }
        self.committedOffsets.shareKeys(with: self.partitions)
    }

    /// The same from a dictionary of committed offsets.
    public init(
        id: String,
        state: ConsumerGroupState,
        type: ConsumerGroupType = .unknown,
        members: [GroupMember],
        committedOffsets: [TopicPartition: Int64],
        topicPartitions: [String: [Int32]],
        topicFilter: NameFilter = .all
    ) {
        self.init(
            id: id, state: state, type: type, members: members, committedOffsets: PartitionMap(committedOffsets),
            topicPartitions: topicPartitions, topicFilter: topicFilter)
    }

    /// Whether the group is consumed: it has members, or its state does not
    /// rule them out (a describe that failed leaves the members unknown).
    /// Lag status rules for consumed groups apply whatever the protocol.
    public var isConsumed: Bool { !members.isEmpty || state.canHaveMembers }

    /// The member a partition is assigned to, if any.
    public func owner(of partition: TopicPartition) -> GroupMember? {
        members.first { $0.assignment.contains(partition) }
    }
}

/// Everything one poll of a cluster learned, immutable once built.
public struct ClusterSnapshot: Sendable, Hashable {
    public var cluster: String
    /// Groups sorted by id.
    public var groups: [ConsumerGroupSnapshot]
    public var partitionOffsets: [TopicPartition: PartitionOffsets]
    /// How many groups the cluster has before filtering.
    public var totalGroupCount: Int
    /// The partitions whose offsets are reported as `kafka_partition_*_offset`
    /// gauges; nil: all of `partitionOffsets`. A shard reads the offsets of
    /// every partition its groups report (their lag needs them) but reports
    /// gauges only for the partitions it owns (see ``partitionGauges(of:topicFilter:shard:)``).
    public var gaugePartitions: Set<TopicPartition>?

    public init(
        cluster: String,
        groups: [ConsumerGroupSnapshot],
        partitionOffsets: [TopicPartition: PartitionOffsets],
        totalGroupCount: Int? = nil,
        gaugePartitions: Set<TopicPartition>? = nil
    ) {
        self.cluster = cluster
        self.groups = groups.sorted { $0.id < $1.id }
        self.partitionOffsets = partitionOffsets
        self.totalGroupCount = totalGroupCount ?? groups.count
        self.gaugePartitions = gaugePartitions
    }

    /// Every partition any group reports: the ones whose offsets a poll must read.
    public static func partitionsOfInterest(_ groups: [ConsumerGroupSnapshot]) -> Set<TopicPartition> {
        groups.reduce(into: Set()) { $0.formUnion($1.partitions) }
    }

    /// The partitions `shard` reports offset gauges for: every partition in the
    /// cluster metadata of a topic that `topicFilter` includes and whose name
    /// does not start with `__` (internal topics), that the shard owns. The set
    /// does not depend on the groups a shard sees, so N shards report each
    /// partition exactly once, and their union is what ``Shard/whole`` reports.
    /// - Parameter topicPartitions: partition ids per topic, from cluster metadata.
    public static func partitionGauges(
        of topicPartitions: [String: [Int32]], topicFilter: NameFilter, shard: Shard
    ) -> Set<TopicPartition> {
        var result = Set<TopicPartition>()
        for (topic, partitions) in topicPartitions where !topic.hasPrefix("__") && topicFilter.includes(topic) {
            for id in partitions {
                let partition = TopicPartition(topic, id)
                if shard.owns(partition: partition) { result.insert(partition) }
            }
        }
        return result
    }
}
