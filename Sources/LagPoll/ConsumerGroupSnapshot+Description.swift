public import KafkaAdmin
public import LagCore

extension ConsumerGroupSnapshot {
    /// A group as one poll saw it: what ListConsumerGroups listed, what its
    /// describe answered (nil when it was not described or the describe
    /// failed) and its committed offsets.
    ///
    /// The describe wins where it answered: state, type (unless it did not
    /// say) and members with their assignments, for both group protocols. A
    /// group described with members is consumed whatever its state is called
    /// (librdkafka names Kafka 4's Assigning and Reconciling "Unknown"); one
    /// not described keeps its listed state and type and has no member labels.
    public init(
        listing: ConsumerGroupListing,
        description: ConsumerGroupDescription?,
        committedOffsets: PartitionMap<Int64>,
        topicPartitions: [String: [Int32]],
        topicFilter: NameFilter = .all
    ) {
        let described = description.flatMap { $0.error == nil ? $0 : nil }
        let members = (described?.members ?? []).map { member in
            GroupMember(consumerId: member.consumerId, clientId: member.clientId, host: member.host, assignment: member.assignment)
        }
        let type = described.map(\.type).flatMap { $0 == .unknown ? nil : $0 } ?? listing.type
        self.init(
            id: listing.groupId, state: described?.state ?? listing.state, type: type, members: members,
            committedOffsets: committedOffsets, topicPartitions: topicPartitions, topicFilter: topicFilter)
    }
}
