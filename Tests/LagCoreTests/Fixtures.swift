import LagCore

/// Shared sample data for the LagCore tests.
enum Fixtures {
    /// The only member of "orders-app": it owns orders-1.
    static let ordersMember = GroupMember(
        consumerId: "consumer-1-abc", clientId: "consumer-1", host: "/10.0.0.5",
        assignment: [TopicPartition("orders", 1)]
    )

    /// Cluster "prod" with two groups, handed over out of order:
    ///
    /// - "orders-app" (Stable, one member owning orders-1): commits orders-0 at
    ///   40 (log end 40, lag 0) and orders-1 at 75 (log end 90, lag 15).
    /// - "billing" (Empty, no members): commits payments-0 at 100 (log end 150,
    ///   lag 50); payments-1 has no commit (log 10..20, lag unknown).
    static func twoGroupSnapshot() -> ClusterSnapshot {
        let topicPartitions: [String: [Int32]] = ["orders": [0, 1], "payments": [0, 1], "unrelated": [0]]
        let ordersApp = ConsumerGroupSnapshot(
            id: "orders-app", state: .stable, members: [ordersMember],
            committedOffsets: [TopicPartition("orders", 0): 40, TopicPartition("orders", 1): 75],
            topicPartitions: topicPartitions
        )
        let billing = ConsumerGroupSnapshot(
            id: "billing", state: .empty, members: [],
            committedOffsets: [TopicPartition("payments", 0): 100],
            topicPartitions: topicPartitions
        )
        return ClusterSnapshot(
            cluster: "prod",
            groups: [ordersApp, billing],
            partitionOffsets: [
                TopicPartition("orders", 0): PartitionOffsets(logStart: 5, logEnd: 40),
                TopicPartition("orders", 1): PartitionOffsets(logStart: 5, logEnd: 90),
                TopicPartition("payments", 0): PartitionOffsets(logStart: 0, logEnd: 150),
                TopicPartition("payments", 1): PartitionOffsets(logStart: 10, logEnd: 20),
            ]
        )
    }

    static func twoGroupReport() -> LagReport {
        LagReport(snapshot: twoGroupSnapshot())
    }

    /// A report of one group with one committed partition (committed 3, log
    /// 0..10, lag 7) owned by one member, with the given names.
    static func singleRowReport(
        group: String, topic: String = "t",
        consumerId: String = "c", host: String = "h", clientId: String = "client"
    ) -> LagReport {
        let partition = TopicPartition(topic, 0)
        let member = GroupMember(consumerId: consumerId, clientId: clientId, host: host, assignment: [partition])
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [
                ConsumerGroupSnapshot(
                    id: group, state: .stable, members: [member],
                    committedOffsets: [partition: 3], topicPartitions: [:]
                ),
            ],
            partitionOffsets: [partition: PartitionOffsets(logStart: 0, logEnd: 10)]
        )
        return LagReport(snapshot: snapshot)
    }

    /// A report over no rows: `totalGroupCount` groups on cluster "prod", none reported.
    static func emptyReport(totalGroupCount: Int) -> LagReport {
        LagReport(snapshot: ClusterSnapshot(
            cluster: "prod", groups: [], partitionOffsets: [:], totalGroupCount: totalGroupCount
        ))
    }
}
