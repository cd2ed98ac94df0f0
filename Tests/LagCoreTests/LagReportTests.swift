import LagCore
import Testing

@Suite struct LagReportTests {
    @Test func rowsAreSortedByGroupTopicAndPartitionWithLagAndOwner() {
        let report = Fixtures.twoGroupReport()
        #expect(report.cluster == "prod")
        #expect(report.totalGroupCount == 2)
        #expect(report.rows == [
            PartitionLag(
                group: "billing", topic: "payments", partition: 0,
                committedOffset: 100, logStartOffset: 0, logEndOffset: 150, lag: 50
            ),
            // No commit: the lag is unknown, the offsets are still reported.
            PartitionLag(
                group: "billing", topic: "payments", partition: 1,
                committedOffset: nil, logStartOffset: 10, logEndOffset: 20, lag: nil
            ),
            PartitionLag(
                group: "orders-app", topic: "orders", partition: 0,
                committedOffset: 40, logStartOffset: 5, logEndOffset: 40, lag: 0
            ),
            PartitionLag(
                group: "orders-app", topic: "orders", partition: 1,
                committedOffset: 75, logStartOffset: 5, logEndOffset: 90, lag: 15,
                consumerId: "consumer-1-abc", host: "/10.0.0.5", clientId: "consumer-1"
            ),
        ])
    }

    @Test func summariesTotalEachGroup() throws {
        let summaries = Fixtures.twoGroupReport().summaries
        try #require(summaries.count == 2)

        let billing = summaries[0]
        #expect(billing.group == "billing")
        #expect(billing.state == .empty)
        #expect(billing.partitionCount == 2)
        #expect(billing.measuredPartitionCount == 1)
        #expect(billing.totalLag == 50)
        #expect(billing.maxLag == 50)
        #expect(billing.maxLagPartition == TopicPartition("payments", 0))

        let ordersApp = summaries[1]
        #expect(ordersApp.group == "orders-app")
        #expect(ordersApp.state == .stable)
        #expect(ordersApp.partitionCount == 2)
        #expect(ordersApp.measuredPartitionCount == 2)
        #expect(ordersApp.totalLag == 15)
        #expect(ordersApp.maxLag == 15)
        #expect(ordersApp.maxLagPartition == TopicPartition("orders", 1))
    }

    @Test func unknownLogEndLeavesLagUnknownAndUnmeasured() throws {
        let partition = TopicPartition("orders", 0)
        let missing = TopicPartition("orders", 1)
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [
                ConsumerGroupSnapshot(
                    id: "g", state: .stable, members: [],
                    committedOffsets: [partition: 4, missing: 9], topicPartitions: [:]
                ),
            ],
            // orders-0 answered without a log end; orders-1 did not answer at all.
            partitionOffsets: [partition: PartitionOffsets(logStart: 1, logEnd: nil)]
        )
        let report = LagReport(snapshot: snapshot)
        #expect(report.rows == [
            PartitionLag(group: "g", topic: "orders", partition: 0, committedOffset: 4, logStartOffset: 1, logEndOffset: nil, lag: nil),
            PartitionLag(group: "g", topic: "orders", partition: 1, committedOffset: 9, logStartOffset: nil, logEndOffset: nil, lag: nil),
        ])
        let summary = try #require(report.summaries.first)
        #expect(summary.partitionCount == 2)
        #expect(summary.measuredPartitionCount == 0)
        #expect(summary.totalLag == 0)
        #expect(summary.maxLag == 0)
        #expect(summary.maxLagPartition == nil)
    }

    @Test func maxLagPartitionIsTheFirstOnTies() throws {
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [
                ConsumerGroupSnapshot(
                    id: "g", state: .stable, members: [],
                    committedOffsets: [TopicPartition("a", 0): 3, TopicPartition("a", 1): 0, TopicPartition("b", 0): 3],
                    topicPartitions: [:]
                ),
            ],
            partitionOffsets: [
                TopicPartition("a", 0): PartitionOffsets(logStart: 0, logEnd: 10),
                TopicPartition("a", 1): PartitionOffsets(logStart: 0, logEnd: 2),
                TopicPartition("b", 0): PartitionOffsets(logStart: 0, logEnd: 10),
            ]
        )
        let summary = try #require(LagReport(snapshot: snapshot).summaries.first)
        #expect(summary.totalLag == 16)
        #expect(summary.maxLag == 7)
        #expect(summary.maxLagPartition == TopicPartition("a", 0))
        #expect(summary.measuredPartitionCount == 3)
    }

    @Test func allZeroLagStillNamesTheFirstMeasuredPartition() throws {
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [
                ConsumerGroupSnapshot(
                    id: "g", state: .stable, members: [],
                    committedOffsets: [TopicPartition("a", 0): 10, TopicPartition("a", 1): 10],
                    topicPartitions: [:]
                ),
            ],
            partitionOffsets: [
                TopicPartition("a", 0): PartitionOffsets(logStart: 0, logEnd: 10),
                TopicPartition("a", 1): PartitionOffsets(logStart: 0, logEnd: 10),
            ]
        )
        let summary = try #require(LagReport(snapshot: snapshot).summaries.first)
        #expect(summary.totalLag == 0)
        #expect(summary.maxLag == 0)
        #expect(summary.maxLagPartition == TopicPartition("a", 0))
        #expect(summary.measuredPartitionCount == 2)
    }

    @Test func groupWithoutPartitionsHasNoRowsButASummary() {
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [ConsumerGroupSnapshot(id: "idle", state: .empty, members: [], committedOffsets: [:], topicPartitions: [:])],
            partitionOffsets: [:],
            totalGroupCount: 5
        )
        let report = LagReport(snapshot: snapshot)
        #expect(report.rows == [])
        #expect(report.totalGroupCount == 5)
        #expect(report.summaries.map(\.group) == ["idle"])
        #expect(report.summaries.map(\.partitionCount) == [0])
        #expect(report.summaries.map(\.maxLagPartition) == [nil])
    }
}
