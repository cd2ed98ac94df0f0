import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing
@testable import KafkaLagExporter

/// `kafka-lag-exporter lag` run as a process against a real broker (Tansu).
@Suite(.timeLimit(.minutes(5)))
struct LagCommandTests {
    /// A broker holding the tests' ``TwoGroupCluster`` (billing on orders, audit on payments).
    struct Fixture {
        let broker: TestBroker
        let cluster: TwoGroupCluster
        var orders: String { cluster.orders }
        var payments: String { cluster.payments }
        var billing: String { cluster.billing }
        var audit: String { cluster.audit }

        init() async throws {
            broker = try await TestBroker.start()
            cluster = try await TwoGroupCluster(bootstrapServers: broker.bootstrapServers)
        }

        func lag(_ arguments: String...) async throws -> CommandResult {
            try await runCommand(try builtProduct("kafka-lag-exporter"), ["lag", "--bootstrap-servers", broker.bootstrapServers] + arguments)
        }
    }

    @Test func jsonReportsExactOffsetsAndLags() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        let result = try await fixture.lag("--output", "json", "--group", "\(fixture.billing)|\(fixture.audit)")
        #expect(result.status == 0, "\(result.standardError)")

        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let expectedKeys: Set = ["group", "topic", "partition", "committed_offset", "log_start_offset", "log_end_offset",
                                 "lag", "consumer_id", "host", "client_id"]
        #expect(rows.allSatisfy { Set($0.keys) == expectedKeys })
        let summary = rows.map { row in
            [row["group"], row["topic"], row["partition"], row["committed_offset"], row["log_start_offset"],
             row["log_end_offset"], row["lag"], row["consumer_id"], row["host"], row["client_id"]]
                .map { value in value.map { $0 is NSNull ? "null" : "\($0)" } ?? "absent" }
                .joined(separator: " ")
        }
        let (billing, audit, orders, payments) = (fixture.billing, fixture.audit, fixture.orders, fixture.payments)
        let expected = [
            "\(audit) \(payments) 0 1 0 4 3 null null null",
            "\(billing) \(orders) 0 2 0 5 3 null null null",
            "\(billing) \(orders) 1 7 0 7 0 null null null",
            "\(billing) \(orders) 2 null 0 0 null null null null",
        ].sorted()
        #expect(summary == expected)
    }

    @Test func csvAndTableShowTheSameLags() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        let (billing, orders) = (fixture.billing, fixture.orders)

        let csv = try await fixture.lag("--output", "csv", "--group", billing)
        #expect(csv.status == 0, "\(csv.standardError)")
        #expect(csv.standardOutput == """
            group,topic,partition,committed_offset,log_start_offset,log_end_offset,lag,consumer_id,host,client_id
            \(billing),\(orders),0,2,0,5,3,,,
            \(billing),\(orders),1,7,0,7,0,,,
            \(billing),\(orders),2,,0,0,,,,

            """)

        let table = try await fixture.lag("--group", billing)
        #expect(table.status == 0, "\(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines == [
            "GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID",
            "\(billing) \(orders) 0 2 5 3 - - -",
            "\(billing) \(orders) 1 7 7 0 - - -",
            "\(billing) \(orders) 2 - 0 - - - -",
            "\(billing): total lag 3, max lag 3 (\(orders) 0), 3 partition(s), 1 without commit, state Empty",
        ])
        // Columns are aligned: every row starts its TOPIC column where the header does.
        let rows = table.standardOutput.split(separator: "\n").prefix(4)
        let topicColumn = rows.map { $0.distance(from: $0.startIndex, to: $0.range(of: $0.hasPrefix("GROUP") ? "TOPIC" : orders)!.lowerBound) }
        #expect(Set(topicColumn).count == 1)
    }

    @Test func topicAndGroupFiltersSelectRows() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        let (billing, audit, orders, payments) = (fixture.billing, fixture.audit, fixture.orders, fixture.payments)
        let suffix = String(billing.split(separator: "-").last!)

        // Exclude billing by regex; keep only the payments topic.
        let result = try await fixture.lag("--output", "csv", "--group", ".*-\(suffix)|\(audit)", "--exclude-group", "billing-.*",
                                           "--topic", "payments-.*")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n").dropFirst() == ["\(audit),\(payments),0,1,0,4,3,,,"])

        let excludedTopic = try await fixture.lag("--output", "csv", "--group", billing, "--exclude-topic", orders)
        #expect(excludedTopic.standardOutput.split(separator: "\n").count == 1)  // header only

        // Full-name matching: a prefix alone matches nothing.
        let none = try await fixture.lag("--group", "billing")
        #expect(none.status == 0)
        #expect(none.standardOutput.hasPrefix("No consumer group matches ("))
        _ = orders
    }

    @Test func readsTheClusterFromAConfigFile() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("exporter")).yaml")
        try """
            poll-interval: 30s
            clusters:
              - name: staging
                bootstrap-brokers: 127.0.0.1:1
              - name: local
                bootstrap-brokers: \(fixture.broker.bootstrapServers)
                group-whitelist: ["\(fixture.audit)"]
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let result = try await runCommand(try builtProduct("kafka-lag-exporter"),
                                          ["lag", "--config", file.path, "--cluster", "local", "--output", "csv"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n").dropFirst() == ["\(fixture.audit),\(fixture.payments),0,1,0,4,3,,,"])

        let unknown = try await runCommand(try builtProduct("kafka-lag-exporter"), ["lag", "--config", file.path, "--cluster", "prod"])
        #expect(unknown.status == 64)
        #expect(unknown.standardError == "error: clusters: no cluster named 'prod' (configured: staging, local)\n")

        let ambiguous = try await runCommand(try builtProduct("kafka-lag-exporter"), ["lag", "--config", file.path])
        #expect(ambiguous.status == 64)
        #expect(ambiguous.standardError.contains("choose one with --cluster"))
    }

    /// Every read goes through librdkafka: a configuration that still chooses
    /// how with `reads:` is refused (exit 64) with the key named, and without
    /// it the same file prints what the broker holds.
    @Test func readsIsANamedErrorAndTheRowsComeFromLibrdkafka() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        var outputs: [CommandResult] = []
        for reads in ["    reads: batched\n", ""] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("exporter")).yaml")
            try """
                clusters:
                  - name: local
                    bootstrap-brokers: \(fixture.broker.bootstrapServers)
                    group-allowlist: ["\(fixture.billing)|\(fixture.audit)"]

                """.appending(reads).write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            outputs.append(try await runCommand(try builtProduct("kafka-lag-exporter"), ["lag", "--config", file.path, "--output", "csv"]))
        }
        #expect(outputs[0].status == 64)
        #expect(outputs[0].standardError == """
            error: clusters[0].reads: is no longer a setting: every read goes through librdkafka; remove the key

            """)
        #expect(outputs[1].status == 0, "\(outputs[1].standardError)")
        let rows = outputs[1].standardOutput.split(separator: "\n").dropFirst()
        #expect(rows.count == 4)
        #expect(rows.contains("\(fixture.audit),\(fixture.payments),0,1,0,4,3,,,"))
        #expect(rows.contains("\(fixture.billing),\(fixture.orders),0,2,0,5,3,,,"))
        #expect(rows.contains("\(fixture.billing),\(fixture.orders),1,7,0,7,0,,,"))
    }

    @Test func realConsumerGroupLagIsReported() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("clicks")
        let group = uniqueName("clickstream")
        try await admin.createTopics([topic: 1])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        try await producer.produce(topic: topic, partition: 0, count: 6)
        let consumer = try TestConsumer(bootstrapServers: broker.bootstrapServers, group: group, topics: [topic])
        try await consumer.consumeAndCommit(count: 6)
        try await producer.produce(topic: topic, partition: 0, count: 4)

        let result = try await runCommand(try builtProduct("kafka-lag-exporter"),
                                          ["lag", "--bootstrap-servers", broker.bootstrapServers, "--group", group, "--output", "csv"])
        #expect(result.status == 0, "\(result.standardError)")
        // The member list is empty on this broker (a Tansu quirk), so member columns are unknown.
        #expect(result.standardOutput.split(separator: "\n").dropFirst() == ["\(group),\(topic),0,6,0,10,4,,,"])
    }
}

/// Bad input: one clear line, a documented non-zero exit, no hang.
@Suite(.timeLimit(.minutes(5)))
struct LagCommandErrorTests {
    func exporter(_ arguments: String...) async throws -> CommandResult {
        try await runCommand(try builtProduct("kafka-lag-exporter"), arguments)
    }

    @Test func versionNamesTheLoadedLibrdkafka() async throws {
        let result = try await exporter("--version")
        #expect(result.status == 0)
        #expect(result.standardOutput == "kafka-lag-exporter \(Version.exporter) (librdkafka \(KafkaAdminClient.librdkafkaVersion))\n")
    }

    @Test func unknownFlagIsAUsageError() async throws {
        let result = try await exporter("lag", "--bootstrap-servers", "127.0.0.1:9092", "--frobnicate")
        #expect(result.status == 64)
        #expect(result.standardError == "error: Unknown option '--frobnicate' (see 'kafka-lag-exporter lag --help')\n")
    }

    @Test(arguments: [("--group", "("), ("--exclude-group", "[a-"), ("--topic", "*x"), ("--exclude-topic", "(?<")])
    func badRegexNamesTheFlagAndPattern(flag: String, pattern: String) async throws {
        let result = try await exporter("lag", "--bootstrap-servers", "127.0.0.1:9092", flag, pattern)
        #expect(result.status == 64)
        #expect(result.standardError.hasPrefix("error: \(flag): invalid regular expression '\(pattern)'"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test func missingBootstrapServersIsAUsageError() async throws {
        let result = try await exporter("lag")
        #expect(result.status == 64)
        #expect(result.standardError == "error: --bootstrap-servers is required (or --config FILE naming a cluster) (see 'kafka-lag-exporter lag --help')\n")
    }

    @Test(arguments: ["localhost", "host:port", "a:1,b", ":9092", "h:70000"])
    func malformedBootstrapServersAreNamed(value: String) async throws {
        let result = try await exporter("lag", "--bootstrap-servers", value)
        #expect(result.status == 64)
        #expect(result.standardError.hasPrefix("error: --bootstrap-servers: '\(value.split(separator: ",").last.map(String.init) ?? value)' is not host:port") || result.standardError.hasPrefix("error: --bootstrap-servers: '"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test func missingConfigFileIsNamed() async throws {
        let path = "/nonexistent/\(uniqueName("exporter")).yaml"
        let result = try await exporter("lag", "--config", path)
        #expect(result.status == 64)
        #expect(result.standardError == "error: \(path): configuration file does not exist\n")
    }

    @Test func invalidClientPropertyIsAUsageErrorWithoutSecrets() async throws {
        let result = try await exporter("lag", "--bootstrap-servers", "127.0.0.1:9092",
                                        "-X", "sasl.password=hunter2-secret", "-X", "security.protocol=carrier-pigeon")
        #expect(result.status == 64)
        #expect(result.standardError.contains("invalid client property 'security.protocol'"))
        #expect(!result.standardError.contains("hunter2-secret"))
        #expect(!result.standardOutput.contains("hunter2-secret"))
    }

    /// The command ends by itself (a hang would end in the suite's time limit),
    /// with the documented status and the address; how soon after `--timeout`
    /// is not checked.
    @Test func unreachableBrokerEndsAtTheTimeoutNamingTheAddress() async throws {
        let refusing = try RefusingPort()  // nothing listens there, and nothing else can
        defer { refusing.release() }
        let port = refusing.port
        let result = try await exporter("lag", "--bootstrap-servers", "127.0.0.1:\(port)", "--timeout", "2")
        #expect(result.status == 69)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.hasPrefix("error: Metadata failed (broker 127.0.0.1:\(port)):"))
        #expect(result.standardOutput.isEmpty)
    }

    @Test func silentBrokerEndsAtTheTimeout() async throws {
        // A listener that accepts connections and never answers: a hung broker.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(bound)
        let port = UInt16(bigEndian: address.sin_port)

        let result = try await exporter("lag", "--bootstrap-servers", "127.0.0.1:\(port)", "--timeout", "2")
        #expect(result.status == 69)
        #expect(result.standardError.contains("127.0.0.1:\(port)"))
    }
}
