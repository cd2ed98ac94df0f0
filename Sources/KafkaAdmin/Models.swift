public import LagCore

/// A consumer group as ListConsumerGroups reports it.
public struct ConsumerGroupListing: Sendable, Hashable {
    public var groupId: String
    public var state: ConsumerGroupState
    /// Classic or consumer protocol; unknown from brokers before Kafka 4 (ListGroups before v5).
    public var type: ConsumerGroupType
    /// A "simple" group commits offsets without group membership (protocol type "").
    public var isSimple: Bool

    public init(groupId: String, state: ConsumerGroupState, type: ConsumerGroupType = .unknown, isSimple: Bool) {
        self.groupId = groupId
        self.state = state
        self.type = type
        self.isSimple = isSimple
    }
}

/// A consumer group as DescribeConsumerGroups reports it.
public struct ConsumerGroupDescription: Sendable, Hashable {
    public var groupId: String
    public var state: ConsumerGroupState
    public var type: ConsumerGroupType
    public var isSimple: Bool
    public var partitionAssignor: String
    public var coordinator: BrokerInfo?
    public var members: [MemberDescription]
    /// Set when the broker could not describe this group; the others are unaffected.
    public var error: KafkaAdminError?

    public init(
        groupId: String, state: ConsumerGroupState, type: ConsumerGroupType = .unknown, isSimple: Bool = false,
        partitionAssignor: String = "", coordinator: BrokerInfo? = nil, members: [MemberDescription] = [],
        error: KafkaAdminError? = nil
    ) {
        self.groupId = groupId
        self.state = state
        self.type = type
        self.isSimple = isSimple
        self.partitionAssignor = partitionAssignor
        self.coordinator = coordinator
        self.members = members
        self.error = error
    }
}

/// A member of a consumer group and the partitions assigned to it.
public struct MemberDescription: Sendable, Hashable {
    public var consumerId: String
    public var clientId: String
    public var host: String
    public var groupInstanceId: String?
    public var assignment: [TopicPartition]

    public init(consumerId: String, clientId: String, host: String, groupInstanceId: String? = nil, assignment: [TopicPartition]) {
        self.consumerId = consumerId
        self.clientId = clientId
        self.host = host
        self.groupInstanceId = groupInstanceId
        self.assignment = assignment
    }
}

/// A broker of the cluster.
public struct BrokerInfo: Sendable, Hashable, CustomStringConvertible {
    public var id: Int32
    public var host: String
    public var port: Int32

    public init(id: Int32, host: String, port: Int32) {
        self.id = id
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port) (id \(id))" }
}

/// Brokers, topics and partitions of a cluster.
public struct ClusterMetadata: Sendable, Hashable {
    public var brokers: [BrokerInfo]
    public var topics: [TopicMetadata]
    /// The broker that answered the request.
    public var originatingBrokerId: Int32

    public init(brokers: [BrokerInfo], topics: [TopicMetadata], originatingBrokerId: Int32) {
        self.brokers = brokers
        self.topics = topics
        self.originatingBrokerId = originatingBrokerId
    }

    /// Partition ids per topic name, for topics without errors.
    public var partitionsByTopic: [String: [Int32]] {
        Dictionary(uniqueKeysWithValues: topics.filter { $0.error == nil }.map { ($0.name, $0.partitions.map(\.id)) })
    }
}

public struct TopicMetadata: Sendable, Hashable {
    public var name: String
    public var partitions: [PartitionMetadata]
    public var error: KafkaAdminError.Code?

    public init(name: String, partitions: [PartitionMetadata], error: KafkaAdminError.Code? = nil) {
        self.name = name
        self.partitions = partitions
        self.error = error
    }
}

public struct PartitionMetadata: Sendable, Hashable {
    public var id: Int32
    public var leader: Int32
    public var replicas: [Int32]
    public var inSyncReplicas: [Int32]

    public init(id: Int32, leader: Int32, replicas: [Int32], inSyncReplicas: [Int32]) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.inSyncReplicas = inSyncReplicas
    }
}

/// Which offset ListOffsets returns for a partition.
public enum OffsetSpec: Sendable, Hashable {
    /// The log-start offset (the oldest offset still in the log).
    case earliest
    /// The log-end offset (the offset the next record will get; "high watermark").
    case latest
}

/// Offsets per partition from one call (ListOffsets, or a group's committed
/// offsets), and an error for each partition the broker answered with one.
public struct PartitionOffsetsResult: Sendable, Hashable {
    public var offsets: [TopicPartition: Int64]
    public var failures: [TopicPartition: KafkaAdminError]

    public init(offsets: [TopicPartition: Int64] = [:], failures: [TopicPartition: KafkaAdminError] = [:]) {
        self.offsets = offsets
        self.failures = failures
    }
}
