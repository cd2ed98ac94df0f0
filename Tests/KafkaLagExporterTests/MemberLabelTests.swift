import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing

/// Member labels (`member_host`, `consumer_id`, `client_id`) end to end: the
/// test broker (Tansu) describes every group without members, so the test
/// proxy answers the group's describe with two made-up members, and the
/// exporter reads it through librdkafka like any other answer.
@Suite(.timeLimit(.minutes(5)))
struct MemberLabelTests {
    /// | partition | records | committed | lag | owner |
    /// |-----------|---------|-----------|-----|-------|
    /// | 0         | 10      | 3         | 7   | A     |
    /// | 1         | 8       | 8         | 0   | A     |
    /// | 2         | 6       | 1         | 5   | B     |
    /// | 3         | 4       | 2         | 2   | none  |
    static let records: [Int32: Int] = [0: 10, 1: 8, 2: 6, 3: 4]
    static let committed: [Int32: Int64] = [0: 3, 1: 8, 2: 1, 3: 2]

    struct Owner {
        var host: String
        var consumerId: String
        var clientId: String
    }

    static let memberA = Owner(host: "/10.0.0.1", consumerId: "consumer-a-1", clientId: "client-a")
    static let memberB = Owner(host: "/10.0.0.2", consumerId: "consumer-b-1", clientId: "client-b")
    static let owners: [Int32: Owner] = [0: memberA, 1: memberA, 2: memberB]

    @Test func lagSeriesAndLagReportCarryTheDescribedMembers() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let bootstrap = "127.0.0.1:\(proxy.port)"
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrap))
        let topic = uniqueName("orders")
        let group = uniqueName("billing")
        try await admin.createTopics([topic: 4])
        let producer = try TestProducer(bootstrapServers: bootstrap)
        for (partition, count) in Self.records { try await producer.produce(topic: topic, partition: partition, count: count) }
        try await admin.alterCommittedOffsets(
            group: group, offsets: Dictionary(uniqueKeysWithValues: Self.committed.map { (TopicPartition(topic, $0.key), $0.value) }))

        proxy.answerDescribe(group: group, with: [
            TCPProxy.Member(memberId: Self.memberA.consumerId, clientId: Self.memberA.clientId, clientHost: Self.memberA.host,
                            assignment: [(topic, [0, 1])]),
            TCPProxy.Member(memberId: Self.memberB.consumerId, clientId: Self.memberB.clientId, clientHost: Self.memberB.host,
                            assignment: [(topic, [2])]),
        ])

        // The exporter skips the describe of a group listed as Empty or Dead;
        // Tansu lists every group as Unknown.
        let listed = try await admin.listConsumerGroups().first { $0.groupId == group }?.state
        #expect(listed?.canHaveMembers == true, "listed as \(listed.map(String.init(describing:)) ?? "nothing")")

        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("members")).yaml")
        try """
            poll-interval: 500ms
            kafka-client-timeout: 10m
            clusters:
              - name: local
                bootstrap-brokers: \(bootstrap)
                group-allowlist: ["\(group)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }

        // The daemon.
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", config.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")
        var text = ""
        let groupLabels = "cluster_name=\"local\",group=\"\(group)\""
        try await eventually("a poll with the group's lag") {
            text = (try? await httpGet(port: port, path: "/metrics").text) ?? ""
            return text.contains("kafka_consumergroup_group_lag{\(groupLabels)")
        }
        // librdkafka 2.14.2 first sends ConsumerGroupDescribe v0, which the
        // proxy answers GROUP_ID_NOT_FOUND as Kafka does for a classic group
        // (Tansu answers it without error, state Empty, no members, and
        // librdkafka then never asks DescribeGroups); librdkafka falls back to
        // DescribeGroups v5, whose answer carries the members.
        #expect(proxy.injectedDescribes(group: group) >= 1, "the group's DescribeGroups answer came from the proxy")

        func series(_ metric: String, _ partition: Int32, _ value: Int64) -> String {
            let owner = Self.owners[partition] ?? Owner(host: "unknown", consumerId: "unknown", clientId: "unknown")
            return "\(metric){\(groupLabels),topic=\"\(topic)\",partition=\"\(partition)\","
                + "member_host=\"\(owner.host)\",consumer_id=\"\(owner.consumerId)\",client_id=\"\(owner.clientId)\"} \(value)"
        }
        let expected = (0..<4).flatMap { (partition: Int32) in
            [series("kafka_consumergroup_group_lag", partition, Int64(Self.records[partition]!) - Self.committed[partition]!),
             series("kafka_consumergroup_group_offset", partition, Self.committed[partition]!)]
        }
        let exported = text.split(separator: "\n").map(String.init).filter {
            ($0.hasPrefix("kafka_consumergroup_group_lag{") || $0.hasPrefix("kafka_consumergroup_group_offset{")) && $0.contains(groupLabels)
        }
        #expect(exported.sorted() == expected.sorted())
        // The group's state, protocol type and member count, as the describe
        // (librdkafka's DescribeGroups fallback: a classic group) gave them.
        let described = text.split(separator: "\n").filter {
            ($0.hasPrefix("kafka_consumergroup_group_info{") || $0.hasPrefix("kafka_consumergroup_group_members{")) && $0.contains(groupLabels)
        }
        #expect(described == [
            "kafka_consumergroup_group_info{\(groupLabels),state=\"Stable\",type=\"classic\"} 1",
            "kafka_consumergroup_group_members{\(groupLabels)} 2",
        ])
        #expect(try await exporter.stop() == 0)

        // The one-shot report.
        let result = try await runCommand(
            try builtProduct("kafka-lag-exporter"), ["lag", "--config", config.path, "--group", group, "--output", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let summary = rows.map { row in
            ["partition", "committed_offset", "log_end_offset", "lag", "consumer_id", "host", "client_id"]
                .map { key in row[key].map { $0 is NSNull ? "null" : "\($0)" } ?? "absent" }
                .joined(separator: " ")
        }
        let expectedRows = (0..<4).map { (partition: Int32) in
            let owner = Self.owners[partition]
            let committed = Self.committed[partition]!
            let logEnd = Int64(Self.records[partition]!)
            return "\(partition) \(committed) \(logEnd) \(logEnd - committed) "
                + "\(owner?.consumerId ?? "null") \(owner?.host ?? "null") \(owner?.clientId ?? "null")"
        }
        #expect(summary.sorted() == expectedRows.sorted())
        #expect(rows.allSatisfy { $0["group"] as? String == group && $0["topic"] as? String == topic })
    }
}
