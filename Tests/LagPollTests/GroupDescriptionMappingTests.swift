import KafkaAdmin
import LagCore
import LagPoll
import Testing

/// How one poll's listing and describe of a group become its snapshot: the
/// seam where Kafka 4 (KIP-848) consumer groups, which the test broker cannot
/// form, are read. librdkafka names Kafka 4's Assigning and Reconciling
/// states "Unknown" (it knows only the classic names).
@Suite struct GroupDescriptionMappingTests {
    static let orders = "orders"
    static let topicPartitions = [orders: [Int32(0), 1, 2]]
    static let committed = PartitionMap([TopicPartition(orders, 0): Int64(5), TopicPartition(orders, 1): 7])

    static func member(_ name: String, _ partitions: [Int32]) -> MemberDescription {
        MemberDescription(
            consumerId: "\(name)-id", clientId: "\(name)-client", host: "/10.0.0.\(partitions.first ?? 9)",
            assignment: partitions.map { TopicPartition(orders, $0) })
    }

    static func snapshot(
        listed: ConsumerGroupState, listedType: ConsumerGroupType = .unknown, _ description: ConsumerGroupDescription?
    ) -> ConsumerGroupSnapshot {
        ConsumerGroupSnapshot(
            listing: ConsumerGroupListing(groupId: "g", state: listed, type: listedType, isSimple: false),
            description: description, committedOffsets: committed, topicPartitions: topicPartitions)
    }

    @Test func aConsumerProtocolGroupReconcilingWithMembersIsConsumed() {
        // librdkafka 2.14 reads ConsumerGroupDescribe's "Reconciling" as Unknown.
        let description = ConsumerGroupDescription(
            groupId: "g", state: ConsumerGroupState(name: "Unknown"), type: ConsumerGroupType(name: "Consumer"),
            members: [Self.member("a", [0, 1]), Self.member("b", [2])])
        let group = Self.snapshot(listed: .unknown, description)
        #expect(group.state == .unknown)
        #expect(group.type == .consumer)
        #expect(group.members.map(\.consumerId) == ["a-id", "b-id"])
        #expect(group.owner(of: TopicPartition(Self.orders, 2))?.clientId == "b-client")
        #expect(group.isConsumed)
        #expect(group.partitions == [TopicPartition(Self.orders, 0), TopicPartition(Self.orders, 1), TopicPartition(Self.orders, 2)])
    }

    @Test func aGroupWithMembersIsConsumedWhateverItsStateIsCalled() {
        for state in ConsumerGroupState.allCases {
            let description = ConsumerGroupDescription(
                groupId: "g", state: state, type: .consumer, members: [Self.member("a", [0])])
            #expect(Self.snapshot(listed: state, description).isConsumed, "\(state)")
        }
    }

    @Test func aStableClassicGroupKeepsItsMembers() {
        let description = ConsumerGroupDescription(
            groupId: "g", state: .stable, type: ConsumerGroupType(name: "Classic"), members: [Self.member("a", [0, 1, 2])])
        let group = Self.snapshot(listed: .stable, description)
        #expect(group.state == .stable)
        #expect(group.type == .classic)
        #expect(group.members.count == 1)
        #expect(group.isConsumed)
    }

    @Test func anEmptyGroupIsNotDescribedAndNotConsumed() {
        let group = Self.snapshot(listed: .empty, listedType: .classic, nil)
        #expect(group.state == .empty)
        #expect(group.type == .classic)
        #expect(group.members.isEmpty)
        #expect(!group.isConsumed)
        #expect(group.committedOffsets[TopicPartition(Self.orders, 1)] == 7)
    }

    @Test func aDeadGroupWithoutMembersIsNotConsumed() {
        let description = ConsumerGroupDescription(groupId: "g", state: .dead, type: .consumer)
        let group = Self.snapshot(listed: .unknown, description)
        #expect(group.state == .dead)
        #expect(group.type == .consumer)
        #expect(!group.isConsumed)
    }

    @Test func anUnknownTypeFromTheDescribeKeepsTheListedType() {
        let description = ConsumerGroupDescription(groupId: "g", state: .stable, type: .unknown, members: [Self.member("a", [0])])
        #expect(Self.snapshot(listed: .stable, listedType: .consumer, description).type == .consumer)
        #expect(Self.snapshot(listed: .stable, listedType: .unknown, description).type == .unknown)
    }

    @Test func aFailedDescribeKeepsTheListedStateAndNoMembers() {
        let failure = KafkaAdminError(
            code: .init(rawValue: 30), message: "Group authorization failed", operation: "DescribeConsumerGroups(g)", brokers: "b:9092")
        let description = ConsumerGroupDescription(
            groupId: "g", state: .stable, type: .classic, members: [Self.member("a", [0])], error: failure)
        let group = Self.snapshot(listed: .preparingRebalance, listedType: .classic, description)
        #expect(group.state == .preparingRebalance)
        #expect(group.members.isEmpty)
        // Its members are unknown, not absent: a rebalancing group is still consumed.
        #expect(group.isConsumed)
    }

    @Test func stateAndTypeNamesAsLibrdkafkaSpellsThem() {
        #expect(ConsumerGroupState(name: "Stable") == .stable)
        #expect(ConsumerGroupState(name: "completingrebalance") == .completingRebalance)
        #expect(ConsumerGroupState(name: "Reconciling") == .reconciling)
        #expect(ConsumerGroupState(name: "Assigning") == .assigning)
        #expect(ConsumerGroupState(name: "NotAState") == .unknown)
        #expect(ConsumerGroupState.reconciling.description == "Reconciling")
        #expect(ConsumerGroupType(name: "Consumer") == .consumer)
        #expect(ConsumerGroupType(name: "Classic") == .classic)
        #expect(ConsumerGroupType(name: "Unknown") == .unknown)
        #expect(ConsumerGroupType(name: "share") == .unknown)
    }
}
