import Foundation
import KafkaTestSupport
import LagCore
import Testing
@testable import KafkaLagExporter

/// `promtool check metrics` (Prometheus' own parser and linter) on
/// expositions built from hostile names: every name of the committed corpus
/// (Tests/LagCoreTests/Corpus/exposition) as group, topic, member, cluster
/// name and label value; and thousands of labels and groups. The only
/// complaint allowed is the lint warning about the `_ms` unit of
/// kafka_consumergroup_poll_time_ms, kept for compatibility with the original.
@Suite(.timeLimit(.minutes(5)))
struct HostileExpositionPromtoolTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../LagCoreTests/Corpus/exposition").standardized

    static func corpusNames() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".txt") }.sorted()
        return try files.map { String(decoding: try Data(contentsOf: corpus.appendingPathComponent($0)), as: UTF8.self) }
    }

    /// Every group commits partition 0 of every topic; each group's one
    /// member (named `member`) owns its first topic.
    static func snapshot(cluster: String, groups: [String], topics: [String], member: String) -> ClusterSnapshot {
        var offsets: [TopicPartition: PartitionOffsets] = [:]
        for (index, topic) in topics.enumerated() {
            offsets[TopicPartition(topic, 0)] = PartitionOffsets(logStart: 0, logEnd: 100 + Int64(index))
        }
        let groupSnapshots = groups.enumerated().map { index, group in
            ConsumerGroupSnapshot(
                id: group, state: .stable,
                members: [GroupMember(consumerId: member, clientId: member, host: member, assignment: [TopicPartition(topics[0], 0)])],
                committedOffsets: Dictionary(uniqueKeysWithValues: topics.map { (TopicPartition($0, 0), Int64(index % 100)) }),
                topicPartitions: [:])
        }
        return ClusterSnapshot(cluster: cluster, groups: groupSnapshots, partitionOffsets: offsets)
    }

    @Test func corpusExpositionPassesPromtool() async throws {
        let names = try Self.corpusNames()
        #expect(names.count >= 20)
        // Built off the cooperative pool: a debug build takes a while.
        let text = try await offCooperativePool {
            // Topics equal under Swift's `==` would share a dictionary slot.
            var topics: [String] = []
            for name in names where !topics.contains(name) { topics.append(name) }
            var clusters: [ClusterMetricsState] = []
            for (index, name) in names.enumerated() {
                clusters.append(ClusterMetricsState(
                    cluster: "\(index)-" + name, labels: [("env", name)],
                    snapshot: Self.snapshot(cluster: name, groups: [name, "plain"], topics: [topics[index % topics.count], "orders"], member: name),
                    lastPollDuration: .milliseconds(5), lastSuccessTimestamp: 1_700_000_000, pollsTotal: 1))
            }
            clusters.append(ClusterMetricsState(
                cluster: "all", snapshot: Self.snapshot(cluster: "all", groups: names, topics: topics, member: "m"), pollsTotal: 1))
            return MetricsExposition.render(
                clusters: clusters, process: ProcessMetrics(version: "0.0.0\n\"\\", librdkafkaVersion: "2.8.0"))
        }
        try await Self.expectPromtoolAccepts(text, name: "corpus")
    }

    /// 2,000 constant labels on every series of a cluster (3 groups), set
    /// through the configuration and the metrics store as `serve` does, and
    /// 5,000 groups on a second cluster.
    @Test func thousandsOfLabelsAndGroupsPassPromtool() async throws {
        // Built off the cooperative pool: a debug build takes many seconds.
        let text = try await offCooperativePool {
            var wide = ClusterConfiguration(name: "wide \"cluster\"\n", bootstrapBrokers: "localhost:9092")
            for index in 0..<2000 { wide.labels["label_\(index)"] = "value \"\(index)\"\n\\ 注文" }
            let many = ClusterConfiguration(name: "many", bootstrapBrokers: "localhost:9092")
            let store = MetricsStore(clusters: [wide, many], pollInterval: .seconds(30))
            store.recordSuccess(
                cluster: wide.name, snapshot: Self.snapshot(cluster: wide.name, groups: ["a\"", "b\\", "c\n"], topics: ["t1", "t2"], member: "m"),
                insights: nil, duration: .milliseconds(12), at: 1_700_000_000)
            store.recordSuccess(
                cluster: many.name, snapshot: Self.snapshot(cluster: many.name, groups: (0..<5000).map { "group-\($0)-\"\\\n" }, topics: ["t1", "t2"], member: "m"),
                insights: nil, duration: .milliseconds(12), at: 1_700_000_000)
            return MetricsExposition.render(clusters: store.clusters, process: ProcessMetrics(version: "0.0.0", librdkafkaVersion: "2.8.0"))
        }
        let lagLines = text.split(separator: "\n").filter { $0.hasPrefix("kafka_consumergroup_group_lag{") }
        #expect(lagLines.count == 6 + 10_000)
        #expect(lagLines.first?.hasSuffix(",label_999=\"value \\\"999\\\"\\n\\\\ 注文\"} 100") == true, "\(lagLines.first?.suffix(80) ?? "")")
        try await Self.expectPromtoolAccepts(text, name: "thousands")
    }

    static func expectPromtoolAccepts(_ text: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kle-hostile-\(name)-\(UUID().uuidString).prom")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let promtool = try await runCommand("/bin/sh", ["-c", "timeout 300 promtool check metrics < '\(file.path)'"])
        let complaints = (promtool.standardOutput + promtool.standardError).split(separator: "\n")
        #expect(promtool.status == 0 || promtool.status == 3, "\(complaints.prefix(5))", sourceLocation: sourceLocation)
        #expect(complaints.allSatisfy { $0.hasPrefix("kafka_consumergroup_poll_time_ms metric names should not contain abbreviated units") },
                "\(complaints.prefix(5))", sourceLocation: sourceLocation)
    }
}
