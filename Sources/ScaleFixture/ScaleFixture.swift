import ArgumentParser
import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore

/// `kafka-lag-fixture`: fills a broker with a cluster of a chosen size for
/// benchmarks: T topics x P partitions, R records per partition (one record
/// per batch, so that the test broker's ListOffsets is exact), and G consumer
/// groups with committed offsets (AlterConsumerGroupOffsets, no members).
///
/// Naming is deterministic, so runs can be repeated and extended:
/// topics `<topic-prefix>-0000 ...`, groups `<group-prefix>-00000 ...`. Group g
/// commits on `--topics-per-group` consecutive topics starting at topic
/// `g mod T`, on every partition, at `R - ((g + p) mod (R + 1))`, so the lag of
/// a partition is between 0 and R. `--delete-groups A..<B` removes groups
/// (group churn for the memory benchmark). Prints one `key=value` line per
/// phase with its duration.
@main
struct ScaleFixture: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-lag-fixture",
        abstract: "Populate a broker with T topics x P partitions, records and G committed consumer groups."
    )

    @Option(help: ArgumentHelp("Broker to fill.", valueName: "host:port"))
    var bootstrapServers = "127.0.0.1:9092"

    @Option(help: "Number of topics (T).")
    var topics = 10

    @Option(help: "Partitions per topic (P).")
    var partitions: Int32 = 10

    @Option(help: "Records produced per partition, one record per batch (R; 0: produce nothing).")
    var records = 2

    @Option(help: "Number of consumer groups to commit (G; 0: none).")
    var groups = 10

    @Option(help: "Index of the first group to commit (groups first..<first+G).")
    var firstGroup = 0

    @Option(help: "Topics each group commits on (all their partitions).")
    var topicsPerGroup = 1

    @Option(help: "Concurrent producers (each its own librdkafka client).")
    var producers = 8

    @Option(help: "Concurrent AlterConsumerGroupOffsets requests.")
    var commitConcurrency = 16

    @Option(help: "Topic name prefix.")
    var topicPrefix = "bench"

    @Option(help: "Group name prefix.")
    var groupPrefix = "bench-group"

    @Option(help: ArgumentHelp("Delete groups with these indexes first, e.g. 0..<100.", valueName: "A..<B"))
    var deleteGroups: String?

    @Flag(help: "Skip topic creation (the topics exist).")
    var noCreate = false

    func validate() throws {
        guard topics > 0, partitions > 0, records >= 0, groups >= 0, firstGroup >= 0,
              producers > 0, commitConcurrency > 0, topicsPerGroup > 0 else {
            throw ValidationError("counts must be positive (records and groups may be 0)")
        }
        if let deleteGroups, Self.parseRange(deleteGroups) == nil {
            throw ValidationError("--delete-groups takes A..<B, got '\(deleteGroups)'")
        }
    }

    static func parseRange(_ text: String) -> Range<Int>? {
        let parts = text.components(separatedBy: "..<")
        guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low <= high else { return nil }
        return low..<high
    }

    func topicName(_ index: Int) -> String { "\(topicPrefix)-\(String(format: "%04d", index))" }
    func groupName(_ index: Int) -> String { "\(groupPrefix)-\(String(format: "%05d", index))" }

    func run() async throws {
        let admin = try KafkaAdminClient(configuration: KafkaClientConfiguration(
            bootstrapServers: bootstrapServers,
            // Its own client id, so the benchmark's request counts can tell its requests from the exporter's.
            properties: ["client.id": "kafka-lag-fixture"], requestTimeout: .seconds(60)))
        let clock = ContinuousClock()
        let total = clock.now

        if let deleteGroups, let range = Self.parseRange(deleteGroups), !range.isEmpty {
            let started = clock.now
            let names = range.map(groupName)
            for start in stride(from: 0, to: names.count, by: 100) {
                try await admin.deleteGroups(Array(names[start..<min(start + 100, names.count)]))
            }
            report("delete_groups", range.count, since: started)
        }

        if !noCreate {
            let started = clock.now
            let all = Dictionary(uniqueKeysWithValues: (0..<topics).map { (topicName($0), partitions) })
            // CreateTopics in chunks: one huge request is slower on the test broker than several.
            let names = all.keys.sorted()
            for start in stride(from: 0, to: names.count, by: 50) {
                let chunk = names[start..<min(start + 50, names.count)]
                try await admin.createTopics(Dictionary(uniqueKeysWithValues: chunk.map { ($0, partitions) }))
            }
            report("create_topics", topics * Int(partitions), since: started, unit: "partitions")
        }

        if records > 0 {
            let started = clock.now
            let work = (0..<topics).flatMap { topic in (0..<partitions).map { (topicName(topic), $0) } }
            let shards = min(producers, work.count)
            let records = self.records
            let servers = bootstrapServers
            try await withThrowingTaskGroup(of: Void.self) { group in
                for shard in 0..<shards {
                    let mine = stride(from: shard, to: work.count, by: shards).map { work[$0] }
                    group.addTask {
                        let producer = try TestProducer(bootstrapServers: servers)
                        for (topic, partition) in mine {
                            try await producer.produce(topic: topic, partition: partition, count: records, payload: "bench")
                        }
                    }
                }
                try await group.waitForAll()
            }
            report("produce", work.count * records, since: started, unit: "records")
        }

        if groups > 0 {
            let started = clock.now
            let indexes = Array(firstGroup..<(firstGroup + groups))
            let plan: @Sendable (Int) -> [TopicPartition: Int64] = { [topics, partitions, topicsPerGroup, records, topicPrefix] g in
                var offsets: [TopicPartition: Int64] = [:]
                for j in 0..<min(topicsPerGroup, topics) {
                    let topic = "\(topicPrefix)-\(String(format: "%04d", (g + j) % topics))"
                    for p in 0..<partitions {
                        offsets[TopicPartition(topic, p)] = Int64(records - ((g + Int(p)) % (records + 1)))
                    }
                }
                return offsets
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                var pending = indexes.makeIterator()
                func startNext() -> Bool {
                    guard let g = pending.next() else { return false }
                    let name = groupName(g)
                    group.addTask { try await admin.alterCommittedOffsets(group: name, offsets: plan(g)) }
                    return true
                }
                for _ in 0..<commitConcurrency where !startNext() { break }
                while try await group.next() != nil { _ = startNext() }
            }
            report("commit_groups", groups, since: started, unit: "groups")
        }
        report("total", 1, since: total, unit: "run")
    }

    func report(_ phase: String, _ count: Int, since start: ContinuousClock.Instant, unit: String = "items") {
        let elapsed = ContinuousClock.now - start
        let seconds = elapsed.seconds
        print("fixture phase=\(phase) count=\(count) unit=\(unit) seconds=\(String(format: "%.3f", seconds))")
    }
}
