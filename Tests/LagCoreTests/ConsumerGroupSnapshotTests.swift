import LagCore
import Testing

@Suite struct ConsumerGroupSnapshotTests {
    @Test func partitionsAreCommittedAssignedAndAllPartitionsOfThoseTopicsSorted() {
        let member = GroupMember(
            consumerId: "c-1", clientId: "app", host: "/10.0.0.1",
            assignment: [TopicPartition("payments", 2)]
        )
        let group = ConsumerGroupSnapshot(
            id: "g", state: .stable, members: [member],
            committedOffsets: [TopicPartition("orders", 1): 7],
            topicPartitions: ["orders": [2, 0, 1], "payments": [3, 0, 1, 2], "unrelated": [0, 1]]
        )
        #expect(group.partitions == [
            TopicPartition("orders", 0), TopicPartition("orders", 1), TopicPartition("orders", 2),
            TopicPartition("payments", 0), TopicPartition("payments", 1),
            TopicPartition("payments", 2), TopicPartition("payments", 3),
        ])
        #expect(group.committedOffsets == [TopicPartition("orders", 1): 7])
        #expect(group.id == "g")
        #expect(group.state == .stable)
        #expect(group.members == [member])
    }

    @Test func topicMissingFromMetadataContributesOnlyTheNamedPartitions() {
        let group = ConsumerGroupSnapshot(
            id: "g", state: .empty, members: [],
            committedOffsets: [TopicPartition("deleted", 5): 1, TopicPartition("orders", 0): 2],
            topicPartitions: ["orders": [0, 1]]
        )
        #expect(group.partitions == [TopicPartition("deleted", 5), TopicPartition("orders", 0), TopicPartition("orders", 1)])
    }

    @Test func partitionsSortByTopicThenNumericPartition() {
        let group = ConsumerGroupSnapshot(
            id: "g", state: .empty, members: [],
            committedOffsets: [TopicPartition("b", 10): 1, TopicPartition("a", 2): 1],
            topicPartitions: ["b": [10, 2, 1], "a": [2]]
        )
        #expect(group.partitions == [
            TopicPartition("a", 2), TopicPartition("b", 1), TopicPartition("b", 2), TopicPartition("b", 10),
        ])
    }

    @Test func groupWithoutCommitsOrMembersHasNoPartitions() {
        let group = ConsumerGroupSnapshot(
            id: "g", state: .dead, members: [], committedOffsets: [:], topicPartitions: ["orders": [0, 1]]
        )
        #expect(group.partitions == [])
    }

    @Test func topicFilterDropsPartitionsAndCommitsOfFilteredTopics() throws {
        let member = GroupMember(
            consumerId: "c-1", clientId: "app", host: "/10.0.0.1",
            assignment: [TopicPartition("orders-dlq", 0)]
        )
        let group = ConsumerGroupSnapshot(
            id: "g", state: .stable, members: [member],
            committedOffsets: [TopicPartition("orders", 0): 3, TopicPartition("orders-dlq", 0): 4],
            topicPartitions: ["orders": [0, 1], "orders-dlq": [0, 1]],
            topicFilter: try NameFilter(allow: ["orders.*"], deny: [".*-dlq"])
        )
        #expect(group.partitions == [TopicPartition("orders", 0), TopicPartition("orders", 1)])
        #expect(group.committedOffsets == [TopicPartition("orders", 0): 3])
        // The member is kept as it is: only partitions and commits are filtered.
        #expect(group.members == [member])
    }

    @Test func ownerIsTheMemberAssignedThePartition() {
        let first = GroupMember(
            consumerId: "c-1", clientId: "app", host: "/10.0.0.1",
            assignment: [TopicPartition("orders", 0), TopicPartition("payments", 0)]
        )
        let second = GroupMember(
            consumerId: "c-2", clientId: "app", host: "/10.0.0.2",
            assignment: [TopicPartition("orders", 1)]
        )
        let group = ConsumerGroupSnapshot(
            id: "g", state: .stable, members: [first, second], committedOffsets: [:],
            topicPartitions: ["orders": [0, 1, 2], "payments": [0]]
        )
        #expect(group.owner(of: TopicPartition("orders", 0)) == first)
        #expect(group.owner(of: TopicPartition("payments", 0)) == first)
        #expect(group.owner(of: TopicPartition("orders", 1)) == second)
        #expect(group.owner(of: TopicPartition("orders", 2)) == nil)
        #expect(group.owner(of: TopicPartition("other", 0)) == nil)
    }
}

@Suite struct ClusterSnapshotTests {
    @Test func groupsAreSortedByIdAndTotalDefaultsToTheirCount() {
        let snapshot = Fixtures.twoGroupSnapshot()
        #expect(snapshot.cluster == "prod")
        #expect(snapshot.groups.map(\.id) == ["billing", "orders-app"])
        #expect(snapshot.totalGroupCount == 2)
    }

    @Test func explicitTotalGroupCountIsKept() {
        let snapshot = ClusterSnapshot(cluster: "prod", groups: [], partitionOffsets: [:], totalGroupCount: 12)
        #expect(snapshot.totalGroupCount == 12)
        #expect(snapshot.groups == [])
    }

    @Test func partitionsOfInterestIsTheUnionOfAllGroupsPartitions() {
        let groups = Fixtures.twoGroupSnapshot().groups
        #expect(ClusterSnapshot.partitionsOfInterest(groups) == [
            TopicPartition("orders", 0), TopicPartition("orders", 1),
            TopicPartition("payments", 0), TopicPartition("payments", 1),
        ])
        #expect(ClusterSnapshot.partitionsOfInterest([]) == [])
    }
}

@Suite struct TopicPartitionTests {
    @Test func descriptionAndOrdering() {
        #expect(TopicPartition("orders", 3).description == "orders-3")
        #expect(TopicPartition(topic: "orders", partition: 3) == TopicPartition("orders", 3))
        #expect(TopicPartition("a", 9) < TopicPartition("b", 0))
        #expect(TopicPartition("a", 2) < TopicPartition("a", 10))
        #expect(!(TopicPartition("a", 2) < TopicPartition("a", 2)))
    }
}
