import ArgumentParser
import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Logging

/// `kafka-lag-demo`: fills a broker with a small, known workload so that the
/// exporter has lag to show: three topics, records produced one per batch, and
/// consumer groups committed at chosen positions.
@main
struct DemoWorkload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-lag-demo",
        abstract: "Create demo topics, records and lagging consumer groups on a broker."
    )

    @Option(help: ArgumentHelp("Broker to fill.", valueName: "host:port"))
    var bootstrapServers = "127.0.0.1:9092"

    @Option(help: "Records produced per partition.")
    var records = 20

    @Option(help: ArgumentHelp("After the set-up, keep producing one record per partition every SECONDS (0: exit).",
                               valueName: "SECONDS"))
    var follow: Double = 0

    static let topics: [String: Int32] = ["orders": 3, "payments": 2, "audit": 1]

    func run() async throws {
        let admin = try KafkaAdminClient(configuration: KafkaClientConfiguration(bootstrapServers: bootstrapServers))
        try await admin.createTopics(Self.topics)
        let producer = try TestProducer(bootstrapServers: bootstrapServers)
        for (topic, partitions) in Self.topics.sorted(by: { $0.key < $1.key }) {
            for partition in 0..<partitions {
                try await producer.produce(topic: topic, partition: partition, count: records)
            }
        }
        // Groups at known positions: caught up, a little behind, far behind, and
        // one that never committed on a partition.
        let positions: [String: [TopicPartition: Int64]] = [
            "billing": [TopicPartition("orders", 0): Int64(records), TopicPartition("orders", 1): Int64(records - 3),
                        TopicPartition("orders", 2): Int64(records - 7)],
            "shipping": [TopicPartition("orders", 0): Int64(records / 2), TopicPartition("payments", 0): Int64(records),
                         TopicPartition("payments", 1): Int64(records - 1)],
            "audit-archiver": [TopicPartition("audit", 0): 1],
            "payments-reconciler": [TopicPartition("payments", 0): Int64(records - 5)],
        ]
        for (group, offsets) in positions.sorted(by: { $0.key < $1.key }) {
            try await admin.alterCommittedOffsets(group: group, offsets: offsets)
        }
        // Unbuffered: the demo script waits for this line while we keep running.
        FileHandle.standardOutput.write(Data(("demo workload ready on \(bootstrapServers): topics \(Self.topics.keys.sorted().joined(separator: ", ")); "
            + "groups \(positions.keys.sorted().joined(separator: ", "))\n").utf8))

        guard follow > 0 else { return }
        // Live traffic: every tick one record per partition (one record per
        // batch). "billing" is healthy (commits up to the log end), "shipping"
        // is slow (advances one record every other tick), "audit-archiver" and
        // "payments-reconciler" are stalled (never commit again).
        var tick: Int64 = 0
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(Int64(follow * 1000)))
            for (topic, partitions) in Self.topics.sorted(by: { $0.key < $1.key }) {
                for partition in 0..<partitions {
                    try await producer.produce(topic: topic, partition: partition, count: 1, payload: "live")
                }
            }
            tick += 1
            let logEnd = Int64(records) + tick
            try await admin.alterCommittedOffsets(
                group: "billing",
                offsets: Dictionary(uniqueKeysWithValues: (0..<3).map { (TopicPartition("orders", Int32($0)), logEnd) }))
            try await admin.alterCommittedOffsets(group: "shipping", offsets: [
                TopicPartition("orders", 0): Int64(records / 2) + tick / 2,
                TopicPartition("payments", 0): Int64(records) + tick / 2,
                TopicPartition("payments", 1): Int64(records - 1) + tick / 2,
            ])
        }
    }
}
