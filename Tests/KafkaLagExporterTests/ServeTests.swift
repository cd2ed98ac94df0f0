import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing
@testable import KafkaLagExporter

/// `kafka-lag-exporter serve` as a process against a real broker (Tansu).
@Suite(.timeLimit(.minutes(5)))
struct ServeTests {
    /// The exporter daemon on a free loopback port, polling every 500 ms.
    struct Exporter {
        let process: DaemonProcess
        let port: UInt16

        /// - Parameter clientTimeout: `--kafka-client-timeout`. The default (the
        ///   product's) is far above what a poll of a test cluster takes on a
        ///   loaded machine, so tests that count failed polls see none of their
        ///   own making; a test that waits for a poll to fail may pass less.
        init(
            bootstrapServers: String, clientTimeout: String = "10s", extraArguments: [String] = [],
            environment: [String: String]? = nil
        ) throws {
            port = try TestBroker.freeLoopbackPort()
            process = try DaemonProcess(
                try builtProduct("kafka-lag-exporter"),
                ["serve", "--host", "127.0.0.1", "--port", String(port), "--poll-interval", "500ms",
                 "--kafka-client-timeout", clientTimeout, "--bootstrap-servers", bootstrapServers, "--cluster-name", "local"]
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
        // Nothing listens there, and nothing else can until the test starts the broker.
        let refusing = try RefusingPort()
        let port = refusing.port
        // A short client timeout: the first polls fail at it (nothing listens yet).
        let exporter = try Exporter(bootstrapServers: refusing.address, clientTimeout: "2s")
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
        refusing.release()
        let broker = try await TestBroker.start(port: port)
        defer { broker.stop() }
        try await eventually("ready once the broker is up") { try await exporter.get("/readyz").status == 200 }

        // A clean shutdown: SIGTERM ends the process with status 0 (a hang
        // would end in the suite's time limit).
        #expect(try await exporter.process.stop() == 0)
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
        // Every exported group has its state, protocol type and member count (Tansu
        // answers ConsumerGroupDescribe: an empty group of the consumer protocol).
        #expect(plain.text.contains(
            "\nkafka_consumergroup_group_info{cluster_name=\"local\",group=\"\(group)\",state=\"Empty\",type=\"consumer\"} 1\n"))
        #expect(plain.text.contains("\nkafka_consumergroup_group_members{cluster_name=\"local\",group=\"\(group)\"} 0\n"))

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
        let exporter = try Exporter(bootstrapServers: try RefusingPort.sharedAddress())
        try await exporter.waitUntilServing()
        #expect(try await exporter.get("/nope").status == 404)
        let index = try await exporter.get("/")
        #expect(index.status == 200)
        #expect(index.text.contains("<a href=\"metrics\">/metrics</a>"))
        #expect(try await exporter.process.stop() == 0)
    }
}

/// A real Prometheus server scrapes the exporter and answers a PromQL query.
@Suite(.timeLimit(.minutes(5)))
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
        try await eventually(timeout: .seconds(120), "Prometheus has scraped the lag") {
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
@Suite(.timeLimit(.minutes(5)))
struct ServeFaultTests {
    /// The failed polls are the proxy's doing, not a timer's: it answers
    /// ListGroups with CLUSTER_AUTHORIZATION_FAILED (31), so a poll fails as
    /// soon as it asks, and it holds each ListGroups until the test lets it
    /// through, so the state "exactly one failed poll" lasts until the test has
    /// seen it, however slow the machine. (The 10-minute client timeout only
    /// bounds a held request should the test itself get stuck.)
    @Test func seriesSurviveOneFailedPollAndAreWithdrawnAfterTheLimit() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let bootstrap = "127.0.0.1:\(proxy.port)"
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrap))
        let topic = uniqueName("orders")
        let group = uniqueName("billing")
        try await admin.createTopics([topic: 1])
        try await TestProducer(bootstrapServers: bootstrap).produce(topic: topic, partition: 0, count: 3)
        try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 1])

        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("faults")).yaml")
        try """
            poll-interval: 500ms
            kafka-client-timeout: 10m
            max-failed-polls: 2
            clusters:
              - name: local
                bootstrap-brokers: \(bootstrap)
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", config.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")
        let lagLine = ServeTests.memberless("kafka_consumergroup_group_lag", group, topic, 0, 2)
        func scrape() async -> String { (try? await httpGet(port: port, path: "/metrics").text) ?? "" }
        func failedPolls(_ text: String) -> Int? {
            let prefix = "kafka_lag_exporter_poll_errors_total{cluster_name=\"local\"} "
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
        }
        try await eventually("lag exported") { await scrape().contains(lagLine) }

        // From now on every ListGroups waits in the proxy and then fails.
        let listGroups = TCPProxy.APIKey.listGroups
        proxy.hold(apiKey: listGroups)
        proxy.failListGroups(errorCode: 31)
        try await eventually("a poll waits for its ListGroups") { proxy.heldRequests(apiKey: listGroups) == 1 }
        #expect(failedPolls(await scrape()) == 0)
        proxy.release(apiKey: listGroups)
        var afterOneFailure = ""
        try await eventually("one failed poll") {
            afterOneFailure = await scrape()
            return failedPolls(afterOneFailure) == 1
        }
        #expect(afterOneFailure.contains(lagLine))

        // The next poll waits in the proxy, so nothing can change the state;
        // a scrape meanwhile answers at once from the snapshot (it never waits
        // for a poll: this one cannot end before the test releases it).
        try await eventually("the next poll waits for its ListGroups") { proxy.heldRequests(apiKey: listGroups) == 1 }
        let duringPoll = await scrape()
        #expect(failedPolls(duringPoll) == 1)
        #expect(duringPoll.contains(lagLine))

        // The second failure reaches the limit: the series are withdrawn (and stay so).
        proxy.stopHolding(apiKey: listGroups)
        try await eventually("series withdrawn after two failed polls") {
            let text = await scrape()
            return (failedPolls(text) ?? 0) >= 2 && !text.contains("kafka_consumergroup_group_lag{")
        }
        #expect(exporter.standardError.contains("msg=\"cluster series withdrawn after consecutive failed polls\" cluster=local failed_polls=2"))
        #expect(exporter.standardError.contains("CLUSTER_AUTHORIZATION_FAILED"), "\(exporter.standardError)")
        #expect(proxy.injectedListGroupsResponses >= 2)
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
