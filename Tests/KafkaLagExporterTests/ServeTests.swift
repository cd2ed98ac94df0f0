import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing
@testable import KafkaLagExporter

/// `kafka-lag-exporter serve` as a process against a real broker (Tansu).
@Suite(.timeLimit(.minutes(3)))
struct ServeTests {
    /// The exporter daemon on a free loopback port, polling every 500 ms.
    struct Exporter {
        let process: DaemonProcess
        let port: UInt16

        init(bootstrapServers: String, extraArguments: [String] = [], environment: [String: String]? = nil) throws {
            port = try TestBroker.freeLoopbackPort()
            process = try DaemonProcess(
                try builtProduct("kafka-lag-exporter"),
                ["serve", "--host", "127.0.0.1", "--port", String(port), "--poll-interval", "500ms",
                 "--kafka-client-timeout", "2s", "--bootstrap-servers", bootstrapServers, "--cluster-name", "local"]
                    + extraArguments,
                name: "exporter", environment: environment)
        }

        func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPResponse {
            try await httpGet(port: port, path: path, headers: headers)
        }

        /// The offset-lag families of kafka-lag-exporter (time lag, status and rates are tested elsewhere).
        static let offsetFamilies: Set = [
            "kafka_consumergroup_group_offset", "kafka_consumergroup_group_lag", "kafka_consumergroup_group_max_lag",
            "kafka_consumergroup_group_sum_lag", "kafka_consumergroup_group_topic_sum_lag",
            "kafka_partition_latest_offset", "kafka_partition_earliest_offset",
        ]

        /// Series lines of the offset-lag families in the current scrape that mention `needle`.
        func seriesLines(containing needle: String) async throws -> [String] {
            try await get("/metrics").text.split(separator: "\n").map(String.init).filter { line in
                guard !line.hasPrefix("#"), line.contains(needle), let brace = line.firstIndex(of: "{") else { return false }
                return Self.offsetFamilies.contains(String(line[..<brace]))
            }
        }

        func waitUntilServing() async throws {
            try await eventually("/healthz answers") { (try? await get("/healthz"))?.status == 200 }
        }
    }

    static func memberless(_ metric: String, _ group: String, _ topic: String, _ partition: Int, _ value: Int64) -> String {
        "\(metric){cluster_name=\"local\",group=\"\(group)\",topic=\"\(topic)\",partition=\"\(partition)\","
            + "member_host=\"unknown\",consumer_id=\"unknown\",client_id=\"unknown\"} \(value)"
    }

    @Test func exportsExactLagSeriesAndFollowsChanges() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let orders = uniqueName("orders")
        let billing = uniqueName("billing")
        let retired = uniqueName("retired")
        try await admin.createTopics([orders: 2])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        try await producer.produce(topic: orders, partition: 0, count: 5)
        try await producer.produce(topic: orders, partition: 1, count: 3)
        try await admin.alterCommittedOffsets(group: billing, offsets: [TopicPartition(orders, 0): 2])
        try await admin.alterCommittedOffsets(group: retired, offsets: [TopicPartition(orders, 1): 1])

        let exporter = try Exporter(bootstrapServers: broker.bootstrapServers)
        try await exporter.waitUntilServing()
        try await eventually("first poll") { try await exporter.get("/readyz").status == 200 }

        let group = "group=\"\(billing)\""
        #expect(try await exporter.seriesLines(containing: group) == [
            Self.memberless("kafka_consumergroup_group_offset", billing, orders, 0, 2),
            Self.memberless("kafka_consumergroup_group_lag", billing, orders, 0, 3),
            "kafka_consumergroup_group_max_lag{cluster_name=\"local\",\(group)} 3",
            "kafka_consumergroup_group_sum_lag{cluster_name=\"local\",\(group)} 3",
            "kafka_consumergroup_group_topic_sum_lag{cluster_name=\"local\",\(group),topic=\"\(orders)\"} 3",
        ])
        #expect(try await exporter.seriesLines(containing: "topic=\"\(orders)\",partition").filter { $0.hasPrefix("kafka_partition") } == [
            "kafka_partition_latest_offset{cluster_name=\"local\",topic=\"\(orders)\",partition=\"0\"} 5",
            "kafka_partition_latest_offset{cluster_name=\"local\",topic=\"\(orders)\",partition=\"1\"} 3",
            "kafka_partition_earliest_offset{cluster_name=\"local\",topic=\"\(orders)\",partition=\"0\"} 0",
            "kafka_partition_earliest_offset{cluster_name=\"local\",topic=\"\(orders)\",partition=\"1\"} 0",
        ])
        #expect(try await exporter.seriesLines(containing: "group=\"\(retired)\"").contains(
            Self.memberless("kafka_consumergroup_group_lag", retired, orders, 1, 2)))

        // New records and a new commit: the next poll shows them.
        try await producer.produce(topic: orders, partition: 0, count: 4)
        try await admin.alterCommittedOffsets(group: billing, offsets: [TopicPartition(orders, 0): 6, TopicPartition(orders, 1): 3])
        let moved = [
            Self.memberless("kafka_consumergroup_group_lag", billing, orders, 0, 3),
            Self.memberless("kafka_consumergroup_group_lag", billing, orders, 1, 0),
        ]
        try await eventually("lag after new records and commits") {
            try await exporter.seriesLines(containing: "kafka_consumergroup_group_lag{cluster_name=\"local\",\(group)") == moved
        }

        // A deleted group's series vanish after the next poll.
        try await admin.deleteGroups([retired])
        try await eventually("series of the deleted group vanish") {
            try await exporter.seriesLines(containing: "group=\"\(retired)\"").isEmpty
        }
        #expect(try await exporter.seriesLines(containing: group).count == 7)

        // Self metrics.
        let scrape = try await exporter.get("/metrics").text
        #expect(scrape.contains("kafka_lag_exporter_build_info{version=\"0.1.0\",librdkafka_version=\"\(KafkaAdminClient.librdkafkaVersion)\"} 1"))
        #expect(scrape.contains("kafka_lag_exporter_poll_errors_total{cluster_name=\"local\"} 0"))
        #expect(scrape.contains("# TYPE kafka_consumergroup_poll_time_ms gauge"))
        #expect(!scrape.contains("NaN"))

        #expect(try await exporter.process.stop() == 0)
    }

    @Test func readinessWaitsForTheBrokerAndShutdownIsClean() async throws {
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try Exporter(bootstrapServers: "127.0.0.1:\(port)")
        try await exporter.waitUntilServing()

        let notReady = try await exporter.get("/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.text == "no successful poll yet: local\n")
        #expect(try await exporter.get("/healthz").status == 200)
        try await eventually("a failed poll is counted") {
            let prefix = "kafka_lag_exporter_poll_errors_total{cluster_name=\"local\"} "
            let line = try await exporter.get("/metrics").text.split(separator: "\n").first { $0.hasPrefix(prefix) }
            return (line.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0) >= 1
        }

        // The broker appears: the exporter becomes ready by itself.
        let broker = try await TestBroker.start(port: port)
        defer { broker.stop() }
        try await eventually("ready once the broker is up") { try await exporter.get("/readyz").status == 200 }

        let clock = ContinuousClock()
        let started = clock.now
        #expect(try await exporter.process.stop() == 0)
        #expect(clock.now - started < .seconds(5))
        let logs = exporter.process.standardError
        #expect(logs.contains("level=info logger=kafka-lag-exporter msg=\"kafka-lag-exporter started\" clusters=local librdkafka="))
        #expect(logs.contains("level=error logger=kafka-lag-exporter msg=\"poll failed\" cluster=local error="))
        #expect(logs.contains("msg=\"kafka-lag-exporter stopped\""))
    }

    @Test func scrapeIsGzippedOnRequestAndValidForPromtool() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("events")
        // A group name with characters that need escaping in label values.
        let group = "odd group.\(uniqueName("x"))"
        try await admin.createTopics([topic: 1])
        try await TestProducer(bootstrapServers: broker.bootstrapServers).produce(topic: topic, partition: 0, count: 2)
        try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 1])

        let exporter = try Exporter(bootstrapServers: broker.bootstrapServers, extraArguments: ["--log-format", "json"])
        try await exporter.waitUntilServing()
        try await eventually("first poll") { try await exporter.get("/readyz").status == 200 }

        let plain = try await exporter.get("/metrics")
        #expect(plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(plain.headers["content-encoding"] == nil)
        let zipped = try await exporter.get("/metrics", headers: ["Accept-Encoding": "gzip, deflate"])
        #expect(zipped.headers["content-encoding"] == "gzip")
        let file = exporter.process.workDirectory.appendingPathComponent("scrape.gz")
        try zipped.body.write(to: file)
        let unzipped = try await runCommand("/bin/sh", ["-c", "gzip -dc < '\(file.path)'"])
        #expect(unzipped.status == 0)
        // Same series.
        // (Offset families only: lag in seconds and rates change with every poll.)
        let lagLines = { (text: String) in
            text.split(separator: "\n").filter { line in
                line.firstIndex(of: "{").map { Exporter.offsetFamilies.contains(String(line[..<$0])) } ?? false
            }
        }
        #expect(lagLines(unzipped.standardOutput) == lagLines(plain.text))
        #expect(lagLines(plain.text).contains("kafka_consumergroup_group_lag{cluster_name=\"local\",group=\"\(group)\",topic=\"\(topic)\",partition=\"0\",member_host=\"unknown\",consumer_id=\"unknown\",client_id=\"unknown\"} 1"))

        // promtool parses the scrape; its only lint complaint is the original's
        // metric name kafka_consumergroup_poll_time_ms, kept for compatibility.
        let scrape = exporter.process.workDirectory.appendingPathComponent("scrape.txt")
        try plain.body.write(to: scrape)
        let promtool = try await runCommand("/bin/sh", ["-c", "promtool check metrics < '\(scrape.path)'"])
        let complaints = (promtool.standardOutput + promtool.standardError).split(separator: "\n")
        #expect(promtool.status == 0 || promtool.status == 3, "\(complaints)")
        #expect(complaints.allSatisfy { $0.hasPrefix("kafka_consumergroup_poll_time_ms metric names should not contain abbreviated units") })

        // JSON log lines.
        #expect(try await exporter.process.stop() == 0)
        let firstLine = try #require(exporter.process.standardError.split(separator: "\n").first)
        let object = try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any]
        #expect(object?["msg"] as? String == "kafka-lag-exporter started")
        #expect(object?["level"] as? String == "info")
    }

    @Test func unknownPathIs404() async throws {
        let exporter = try Exporter(bootstrapServers: "127.0.0.1:\(try TestBroker.freeLoopbackPort())")
        try await exporter.waitUntilServing()
        #expect(try await exporter.get("/nope").status == 404)
        let index = try await exporter.get("/")
        #expect(index.status == 200)
        #expect(index.text.contains("<a href=\"metrics\">/metrics</a>"))
        #expect(try await exporter.process.stop() == 0)
    }
}

/// A real Prometheus server scrapes the exporter and answers a PromQL query.
@Suite(.timeLimit(.minutes(3)))
struct PrometheusScrapeTests {
    @Test func prometheusScrapesTheLag() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("orders")
        let group = uniqueName("billing")
        try await admin.createTopics([topic: 1])
        try await TestProducer(bootstrapServers: broker.bootstrapServers).produce(topic: topic, partition: 0, count: 9)
        try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 2])

        let exporter = try ServeTests.Exporter(bootstrapServers: broker.bootstrapServers)
        try await exporter.waitUntilServing()

        let prometheusPort = try TestBroker.freeLoopbackPort()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("prometheus"))
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = scratch.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: kafka-lag-exporter
                static_configs:
                  - targets: ["127.0.0.1:\(exporter.port)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        let prometheus = try DaemonProcess(
            "/usr/bin/prometheus",
            ["--config.file=\(config.path)", "--storage.tsdb.path=\(scratch.appendingPathComponent("data").path)",
             "--web.listen-address=127.0.0.1:\(prometheusPort)"],
            name: "prometheus")

        let query = "kafka_consumergroup_group_lag%7Bgroup%3D%22\(group)%22%7D"
        var answer = ""
        try await eventually(timeout: .seconds(60), "Prometheus has scraped the lag") {
            guard let response = try? await httpGet(port: prometheusPort, path: "/api/v1/query?query=\(query)"),
                  response.status == 200 else { return false }
            answer = response.text
            return answer.contains("\"value\":[")
        }
        let result = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        let series = try #require(((result["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first)
        let labels = try #require(series["metric"] as? [String: String])
        #expect(labels["cluster_name"] == "local")
        #expect(labels["topic"] == topic)
        #expect(labels["partition"] == "0")
        #expect(labels["job"] == "kafka-lag-exporter")
        #expect((series["value"] as? [Any])?.last as? String == "7")

        try await prometheus.stop()
        #expect(try await exporter.process.stop() == 0)
    }
}

/// Broker faults: the last good snapshot survives a failed poll; after
/// `max-failed-polls` the cluster's lag series are withdrawn.
@Suite(.timeLimit(.minutes(2)))
struct ServeFaultTests {
    @Test func seriesSurviveOneFailedPollAndAreWithdrawnAfterTheLimit() async throws {
        let broker = try await TestBroker.start()
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("orders")
        let group = uniqueName("billing")
        try await admin.createTopics([topic: 1])
        try await TestProducer(bootstrapServers: broker.bootstrapServers).produce(topic: topic, partition: 0, count: 3)
        try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 1])

        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("faults")).yaml")
        // A 2 s interval keeps the state "exactly one failed poll" visible for about
        // 3 s (the next attempt comes one interval later, then times out after 1 s),
        // long enough for a scrape on a busy machine to see it.
        try """
            poll-interval: 2s
            kafka-client-timeout: 1s
            max-failed-polls: 2
            clusters:
              - name: local
                bootstrap-brokers: \(broker.bootstrapServers)
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", config.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")
        let lagLine = ServeTests.memberless("kafka_consumergroup_group_lag", group, topic, 0, 2)
        func scrape() async -> String { (try? await httpGet(port: port, path: "/metrics").text) ?? "" }
        try await eventually("lag exported") { await scrape().contains(lagLine) }

        broker.stop()
        var afterOneFailure = ""
        try await eventually("one failed poll") {
            afterOneFailure = await scrape()
            return afterOneFailure.contains("kafka_lag_exporter_poll_errors_total{cluster_name=\"local\"} 1")
        }
        #expect(afterOneFailure.contains(lagLine))
        try await eventually("series withdrawn after two failed polls") {
            let text = await scrape()
            return text.contains("kafka_lag_exporter_poll_errors_total{cluster_name=\"local\"} 2") && !text.contains("kafka_consumergroup_group_lag{")
        }
        #expect(exporter.standardError.contains("msg=\"cluster series withdrawn after consecutive failed polls\" cluster=local failed_polls=2"))
        #expect(try await exporter.stop() == 0)
    }

    @Test func failedPollsBackOffUpToEightIntervals() {
        let interval = Duration.seconds(30)
        #expect((0...6).map { ClusterPoller.delay(afterFailures: $0, interval: interval) } == [
            .seconds(30), .seconds(30), .seconds(60), .seconds(120), .seconds(240), .seconds(240), .seconds(240),
        ])
        #expect(ClusterPoller.delay(afterFailures: 9, interval: .seconds(60)) == .seconds(300))
        #expect(ClusterPoller.delay(afterFailures: 9, interval: .seconds(600)) == .seconds(600))
    }
}
