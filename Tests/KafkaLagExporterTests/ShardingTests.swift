import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing

/// `serve --shard i/N`: N exporters split one cluster between them.
@Suite(.timeLimit(.minutes(5)))
struct ShardingTests {
    typealias Exporter = ServeTests.Exporter

    /// Topics and partition counts; nobody consumes "idle".
    static let topics: [String: Int32] = ["orders": 4, "payments": 4, "clicks": 4, "idle": 2]
    /// Records per partition: 5 + partition in "orders", 3 + partition in the others.
    static func records(_ topic: String, _ partition: Int32) -> Int { (topic == "orders" ? 5 : 3) + Int(partition) }
    /// Twelve groups; the hash gives each of three shards four of them (pinned in LagCoreTests.ShardTests).
    static let groups = (0..<12).map { String(format: "group-%02d", $0) }

    /// The process environment without settings that would change the shard.
    static var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KAFKA_LAG_EXPORTER_") && $0.key != "POD_NAME" }
    }

    /// The series of a scrape without the exporter's own metrics (which
    /// legitimately differ between processes): poll counters and times,
    /// process_*, build and shard info.
    static func series(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            !line.hasPrefix("#") && !line.hasPrefix("kafka_lag_exporter_") && !line.hasPrefix("process_")
                && !line.hasPrefix("kafka_consumergroup_poll_time_ms")
        }
    }

    /// Name and labels of a series line, without its value.
    static func identity(_ line: String) -> String {
        String(line[..<(line.lastIndex(of: " ") ?? line.endIndex)])
    }

    /// The family name of a series line.
    static func family(_ line: String) -> String {
        String(line[..<(line.firstIndex(of: "{") ?? line.firstIndex(of: " ") ?? line.endIndex)])
    }

    /// The `group` label of a series line, if any.
    static func group(_ line: String) -> String? {
        guard let start = line.range(of: "group=\"")?.upperBound, let end = line[start...].firstIndex(of: "\"") else { return nil }
        return String(line[start..<end])
    }

    /// The value of `kafka_lag_exporter_polls_total` in a scrape.
    static func polls(_ text: String) -> Int {
        text.split(separator: "\n").first { $0.hasPrefix("kafka_lag_exporter_polls_total{") }
            .flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0
    }

    @Test func threeShardsTogetherReportExactlyWhatOneUnshardedExporterReports() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        try await admin.createTopics(Self.topics)
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        for (topic, count) in Self.topics.sorted(by: { $0.key < $1.key }) {
            for partition in 0..<count {
                try await producer.produce(topic: topic, partition: partition, count: Self.records(topic, partition))
            }
        }
        // Group i commits every partition of one topic, i % 3 + partition records
        // behind the end (at least 0); even groups also commit payments-1 at 1.
        let consumed = ["orders", "payments", "clicks"]
        for (index, group) in Self.groups.enumerated() {
            let topic = consumed[index % 3]
            var offsets: [TopicPartition: Int64] = [:]
            for partition in 0..<Self.topics[topic]! {
                offsets[TopicPartition(topic, partition)] = Int64(max(0, Self.records(topic, partition) - index % 3 - Int(partition)))
            }
            if index % 2 == 0 { offsets[TopicPartition("payments", 1)] = 1 }
            try await admin.alterCommittedOffsets(group: group, offsets: offsets)
        }

        let unsharded = try Exporter(bootstrapServers: broker.bootstrapServers, environment: Self.environment)
        let shards = try (0..<3).map { index in
            try Exporter(
                bootstrapServers: broker.bootstrapServers, extraArguments: ["--shard", "\(index)/3"], environment: Self.environment)
        }
        let all = [unsharded] + shards
        // Every exporter has polled a few times since the data was complete (so
        // status windows and rates have the same shape everywhere).
        for exporter in all { try await exporter.waitUntilServing() }
        try await eventually(timeout: .seconds(60), "three polls by every exporter") {
            for exporter in all where Self.polls(try await exporter.get("/metrics").text) < 3 { return false }
            return true
        }
        let whole = Self.series(try await unsharded.get("/metrics").text)
        var parts: [[String]] = []
        for shard in shards { parts.append(Self.series(try await shard.get("/metrics").text)) }

        // The unsharded exporter sees all twelve groups, and gauges for every
        // partition, consumed or not.
        #expect(Set(whole.compactMap(Self.group)) == Set(Self.groups))
        #expect(whole.contains(#"kafka_partition_latest_offset{cluster_name="local",topic="idle",partition="1"} 4"#))
        #expect(whole.count { $0.hasPrefix("kafka_partition_latest_offset{") } == 14)

        // Offsets, lag and partition gauges: the same lines, each in exactly one shard.
        let exact = Exporter.offsetFamilies
        let wholeExact = whole.filter { exact.contains(Self.family($0)) }
        let partsExact = parts.map { $0.filter { exact.contains(Self.family($0)) } }
        #expect(Set(partsExact.joined()) == Set(wholeExact))
        #expect(partsExact.map(\.count).reduce(0, +) == wholeExact.count)
        #expect(Set(wholeExact).count == wholeExact.count)
        #expect(wholeExact.count { $0.hasPrefix("kafka_consumergroup_group_lag{") } == 12 * 4 + 4)

        // Every other series (time lag, statuses, rates): the same series, each in
        // exactly one shard (values depend on each process's poll times).
        let identities = parts.map { Set($0.map(Self.identity)) }
        #expect(identities.reduce(into: Set()) { $0.formUnion($1) } == Set(whole.map(Self.identity)))
        #expect(identities.map(\.count).reduce(0, +) == Set(whole.map(Self.identity)).count)

        // Each group in exactly the shard that owns it by hash; four per shard.
        for (index, part) in parts.enumerated() {
            let shard = try Shard(index: index, count: 3)
            let reported = Set(part.compactMap(Self.group))
            #expect(reported == Set(Self.groups.filter(shard.owns(group:))), "shard \(shard)")
            #expect(reported.count == 4, "shard \(shard)")
            #expect(part.contains { $0.hasPrefix("kafka_partition_latest_offset{") }, "shard \(shard)")
        }

        let scrape = try await shards[1].get("/metrics").text
        #expect(scrape.contains(#"kafka_lag_exporter_shard_info{shard="1",shards="3"} 1"#))
        #expect(!(try await unsharded.get("/metrics").text.contains("kafka_lag_exporter_shard_info")))
        for exporter in all { #expect(try await exporter.process.stop() == 0) }
    }

    @Test(arguments: [
        ("3/3", "error: --shard: must have a shard index below the shard count (0 to 2), got '3/3'"),
        ("1/0", "error: --shard: must have at least 1 shard, got '1/0'"),
        ("x", #"error: --shard: must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got 'x'"#),
        ("auto/0", #"error: --shard: must be "auto/N" with N >= 1 shards, got 'auto/0'"#),
    ])
    func badShardFlagExits64NamingTheFlag(value: String, message: String) async throws {
        let result = try await runCommand(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--bootstrap-servers", "127.0.0.1:1", "--shard", value], environment: Self.environment)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test func badShardFromEnvironmentOrFileOrOrdinalExits64NamingTheSource() async throws {
        let binary = try builtProduct("kafka-lag-exporter")
        let serve = ["serve", "--bootstrap-servers", "127.0.0.1:1"]

        var environment = Self.environment
        environment["KAFKA_LAG_EXPORTER_SHARD"] = "2/2"
        let fromVariable = try await runCommand(binary, serve, environment: environment)
        #expect(fromVariable.status == 64)
        #expect(fromVariable.standardError.contains(
            "KAFKA_LAG_EXPORTER_SHARD: must have a shard index below the shard count (0 to 1), got '2/2'"), "\(fromVariable.standardError)")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kle-shard-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "shard: half\n".write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try await runCommand(binary, serve + ["--config", file.path], environment: Self.environment)
        #expect(fromFile.status == 64)
        #expect(fromFile.standardError.contains(#"shard: must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got 'half'"#),
                "\(fromFile.standardError)")

        environment = Self.environment
        environment["POD_NAME"] = "kafka-lag-exporter-3"
        let ordinal = try await runCommand(binary, serve + ["--shard", "auto/3"], environment: environment)
        #expect(ordinal.status == 64)
        #expect(ordinal.standardError.contains(
            "--shard: ordinal 3 of POD_NAME 'kafka-lag-exporter-3' is not below the shard count 3 of 'auto/3': "
                + "the StatefulSet has more replicas than shards"), "\(ordinal.standardError)")

        environment["POD_NAME"] = "laptop"
        let noOrdinal = try await runCommand(binary, serve + ["--shard", "auto/3"], environment: environment)
        #expect(noOrdinal.status == 64)
        #expect(noOrdinal.standardError.contains("POD_NAME 'laptop' does not end in -<ordinal>"), "\(noOrdinal.standardError)")
    }

    /// `auto/3` in pod `kafka-lag-exporter-2` of a StatefulSet is shard 2 of 3,
    /// from the file as from the flag.
    @Test func autoTakesTheShardFromThePodOrdinal() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kle-shard-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "shard: auto/3\n".write(to: file, atomically: true, encoding: .utf8)
        var environment = Self.environment
        environment["POD_NAME"] = "kafka-lag-exporter-2"
        let exporter = try Exporter(
            bootstrapServers: try RefusingPort.sharedAddress(), extraArguments: ["--config", file.path],
            environment: environment)
        try await exporter.waitUntilServing()
        let scrape = try await exporter.get("/metrics").text
        #expect(scrape.contains(#"kafka_lag_exporter_shard_info{shard="2",shards="3"} 1"#))
        #expect(try await exporter.process.stop() == 0)
        #expect(exporter.process.standardError.contains("shard=2/3"))
    }
}
