/// A consumer group's state, as librdkafka names it in ListConsumerGroups and
/// DescribeConsumerGroups results.
///
/// Groups of the consumer protocol (KIP-848) have the states Empty,
/// Assigning, Reconciling, Stable and Dead on the broker. librdkafka (up to
/// 2.14 at least) knows only the classic names and reports Assigning and
/// Reconciling as Unknown; the cases are here so that a librdkafka that names
/// them is read right. Whether a group is consumed is decided by its members,
/// never by its state alone (``canHaveMembers``).
public enum ConsumerGroupState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case unknown = "Unknown"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"
    case empty = "Empty"
    case assigning = "Assigning"
    case reconciling = "Reconciling"

    /// The state named `name` (compared without case, as librdkafka does); Unknown for any other name.
    public init(name: String) {
        self = Self.allCases.first { $0.rawValue.lowercased() == name.lowercased() } ?? .unknown
    }

    /// The name as librdkafka spells it (the `state` label of `kafka_consumergroup_group_info`).
    public var description: String { rawValue }

    /// False for Empty and Dead, states that have no members by definition: a
    /// group listed in one of them needs no describe. Every other state may
    /// have members (Unknown included: a new-protocol group in Reconciling).
    public var canHaveMembers: Bool { self != .empty && self != .dead }
}

/// Which group protocol a consumer group uses: the classic one (JoinGroup and
/// SyncGroup) or the consumer protocol of Kafka 4 (KIP-848).
public enum ConsumerGroupType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case classic
    case consumer
    /// The broker did not say (brokers before Kafka 4 do not).
    case unknown

    /// The type named `name` (librdkafka's "Classic", "Consumer", "Unknown"; compared without case).
    public init(name: String) {
        self = Self.allCases.first { $0.rawValue == name.lowercased() } ?? .unknown
    }

    /// The `type` label of `kafka_consumergroup_group_info`.
    public var description: String { rawValue }
}
