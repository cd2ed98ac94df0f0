import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Synchronization
import Testing
@testable import KafkaLagExporter

/// Broker faults against the real exporter binary: a broker that restarts
/// with empty data, a transient outage, a slow and a stalled broker (through
/// ``TCPProxy``), and one group whose OffsetFetch the broker refuses.
/// (`ServeFaultTests` covers a broker down at start-up and the withdrawal
/// after `max-failed-polls`.)
@Suite(.serialized, .timeLimit(.minutes(5)))
struct BrokerFaultTests {
    // MARK: - Broker restart

    /// The broker restarts with empty data and another topic and group appear.
    @Test func brokerRestartWithEmptyDataRecoversAndForgetsTheOldCluster() async throws {
        try await restartScenario(recreateTheSameTopic: false)
    }

    /// The broker restarts with empty data and the same topic is recreated
    /// smaller: besides recovery, lag in seconds of the recreated partition
    /// restarts from the new log. (librdkafka 2.4 to 2.9 crash here, in the
    /// metadata cache, when the topic comes back with a new topic id:
    /// librdkafka #4778/#4964, fixed in 2.10; setup.sh installs a fixed one.)
    @Test func brokerRestartWithTheSameTopicRecreatedRestartsLagSeconds() async throws {
        try await restartScenario(recreateTheSameTopic: true)
    }

    private func restartScenario(recreateTheSameTopic: Bool) async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let topic = uniqueName("orders")
        let newTopic = recreateTheSameTopic ? topic : uniqueName("invoices")
        let oldGroup = uniqueName("billing")
        let newGroup = uniqueName("shipping")
        do {
            let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
            try await admin.createTopics([topic: 3])
            let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
            try await producer.produce(topic: topic, partition: 0, count: 5)
            try await producer.produce(topic: topic, partition: 1, count: 4)
            try await producer.produce(topic: topic, partition: 2, count: 3)
            try await admin.alterCommittedOffsets(group: oldGroup, offsets: [
                TopicPartition(topic, 0): 2, TopicPartition(topic, 1): 1, TopicPartition(topic, 2): 3,
            ])
        }

        let exporter = try FaultExporter(bootstrapServers: broker.bootstrapServers, maxFailedPolls: 50)
        let oldLag = [
            memberless("kafka_consumergroup_group_lag", oldGroup, topic, 0, 3),
            memberless("kafka_consumergroup_group_lag", oldGroup, topic, 1, 3),
            memberless("kafka_consumergroup_group_lag", oldGroup, topic, 2, 0),
        ]
        try await eventually("lag of the first broker's group") {
            await exporter.lagLines(group: oldGroup) == oldLag
        }
        // Let the lookup table of partition 0 grow at least 3 s old (its log end is flat,
        // so lag in seconds is the age of its oldest point).
        let oldLagSeconds = "kafka_consumergroup_group_lag_seconds" + labels(oldGroup, topic, 0)
        try await eventually("a lookup table at least 3 s old") {
            await exporter.value(oldLagSeconds, in: exporter.scrape()).map { $0 >= 3 } ?? false
        }
        let beforeStop = await exporter.scrape()
        let lastSuccessBefore = try #require(exporter.selfMetric("kafka_lag_exporter_last_successful_poll_timestamp_seconds", in: beforeStop))
        let pollsBefore = try #require(exporter.selfMetric("kafka_lag_exporter_polls_total", in: beforeStop))

        // The broker goes away: a failed poll keeps the old series.
        broker.stop()
        try await eventually("a failed poll") {
            (exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: await exporter.scrape()) ?? 0) >= 1
        }
        #expect(await exporter.lagLines(group: oldGroup) == oldLag)

        // The broker comes back on the same port with no data; a topic with one
        // partition and fewer records appears, and another group commits. The
        // exporter is paused meanwhile (SIGSTOP), so its first successful poll
        // sees the new cluster as a whole (a recreated partition 0 then has a
        // lower log end than its lookup table).
        let exporterPid = try #require(exporter.process.pid)
        #expect(kill(exporterPid, SIGSTOP) == 0)
        defer { kill(exporterPid, SIGCONT) }
        let restarted = try await TestBroker.start(port: broker.port)
        defer { restarted.stop() }
        do {
            let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: restarted.bootstrapServers))
            try await admin.createTopics([newTopic: 1])
            try await TestProducer(bootstrapServers: restarted.bootstrapServers).produce(topic: newTopic, partition: 0, count: 2)
            try await admin.alterCommittedOffsets(group: newGroup, offsets: [TopicPartition(newTopic, 0): 0])
        }
        let resumedAt = Date().timeIntervalSince1970
        #expect(kill(exporterPid, SIGCONT) == 0)

        let newLag = memberless("kafka_consumergroup_group_lag", newGroup, newTopic, 0, 2)
        try await eventually("the new group's lag, the old group gone") {
            let lines = await exporter.lagLines(containing: "group=")
            return lines.contains(newLag) && !lines.contains { $0.contains("group=\"\(oldGroup)\"") }
        }
        let recovered = await exporter.scrape()
        #expect(try #require(exporter.selfMetric("kafka_lag_exporter_last_successful_poll_timestamp_seconds", in: recovered)) > lastSuccessBefore)
        #expect(try #require(exporter.selfMetric("kafka_lag_exporter_polls_total", in: recovered)) > pollsBefore)
        // Every series of the old cluster is gone: the old group and the vanished partitions.
        #expect(!recovered.contains("group=\"\(oldGroup)\""))
        #expect(!recovered.contains("topic=\"\(topic)\",partition=\"1\""))
        #expect(!recovered.contains("topic=\"\(topic)\",partition=\"2\""))
        if !recreateTheSameTopic { #expect(!recovered.contains("topic=\"\(topic)\"")) }
        #expect(FaultExporter.lagLines(in: recovered, containing: "topic=\"") == [
            memberless("kafka_consumergroup_group_offset", newGroup, newTopic, 0, 0),
            newLag,
            "kafka_consumergroup_group_topic_sum_lag{cluster_name=\"local\",group=\"\(newGroup)\",topic=\"\(newTopic)\"} 2",
            "kafka_partition_latest_offset{cluster_name=\"local\",topic=\"\(newTopic)\",partition=\"0\"} 2",
            "kafka_partition_earliest_offset{cluster_name=\"local\",topic=\"\(newTopic)\",partition=\"0\"} 0",
        ])

        // Lag in seconds of the new partition starts from the new log: its
        // table started at the first poll after the pause, so the age is at
        // most the time since then. Had the old table of a recreated
        // partition (>= 3 s older) been kept, the estimate would be >= 3 s more.
        let newLagSeconds = "kafka_consumergroup_group_lag_seconds" + labels(newGroup, newTopic, 0)
        var ageBound = 0.0
        var newAge: Double?
        try await eventually("lag in seconds of the new partition") {
            let text = await exporter.scrape()
            ageBound = Date().timeIntervalSince1970 - resumedAt
            newAge = exporter.value(newLagSeconds, in: text)
            return newAge != nil
        }
        let age = try #require(newAge)
        #expect(age >= 0 && age <= ageBound, "lag seconds \(age), time since the restart \(ageBound)")

        #expect(exporter.negativeLagLines().isEmpty, "\(exporter.negativeLagLines())")
        #expect(exporter.process.hasExited() == nil, "the exporter died: \(exporter.process.standardError)")
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: - Transient failure

    @Test func oneOutageKeepsTheSnapshotShowsStalenessAndRecovers() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let bootstrap = "127.0.0.1:\(proxy.port)"
        let topic = uniqueName("orders")
        let group = uniqueName("billing")
        do {
            let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrap))
            try await admin.createTopics([topic: 2])
            let producer = try TestProducer(bootstrapServers: bootstrap)
            try await producer.produce(topic: topic, partition: 0, count: 4)
            try await producer.produce(topic: topic, partition: 1, count: 2)
            try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 1, TopicPartition(topic, 1): 2])
        }

        let exporter = try FaultExporter(bootstrapServers: bootstrap, maxFailedPolls: 5)
        let lag = [
            memberless("kafka_consumergroup_group_lag", group, topic, 0, 3),
            memberless("kafka_consumergroup_group_lag", group, topic, 1, 0),
        ]
        try await eventually("lag exported") { await exporter.lagLines(group: group) == lag }
        try await eventually("ready") { (try? await httpGet(port: exporter.port, path: "/readyz"))?.status == 200 }
        let snapshot = await exporter.lagLines(containing: "topic=\"\(topic)\"")
        #expect(snapshot.count == 9)

        // The broker becomes unreachable (every connection is closed).
        proxy.mode = .disconnect
        var firstFailure = ""
        try await eventually("one failed poll") {
            firstFailure = await exporter.scrape()
            return exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: firstFailure) == 1
        }
        #expect(await exporter.lagLines(containing: "topic=\"\(topic)\"") == snapshot)
        let lastSuccess = try #require(exporter.selfMetric("kafka_lag_exporter_last_successful_poll_timestamp_seconds", in: firstFailure))
        // Staleness: readiness turns 503 once the last success is older than 3
        // intervals, while the lag series and the last-success time stay.
        try await eventually("readiness reports the stale cluster") {
            let ready = try? await httpGet(port: exporter.port, path: "/readyz")
            return ready?.status == 503 && ready?.text == "last successful poll older than 3 poll intervals: local\n"
        }
        let stale = await exporter.scrape()
        #expect(try #require(exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: stale)) >= 1)
        #expect(exporter.selfMetric("kafka_lag_exporter_last_successful_poll_timestamp_seconds", in: stale) == lastSuccess)
        #expect(await exporter.lagLines(containing: "topic=\"\(topic)\"") == snapshot)

        // The broker is back, with its data: the next poll succeeds.
        proxy.mode = .passThrough
        try await eventually("a successful poll after the outage") {
            (exporter.selfMetric("kafka_lag_exporter_last_successful_poll_timestamp_seconds", in: await exporter.scrape()) ?? 0) > lastSuccess
        }
        let errorsAfterRecovery = exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: await exporter.scrape())
        #expect(await exporter.lagLines(containing: "topic=\"\(topic)\"") == snapshot)
        try await TestProducer(bootstrapServers: bootstrap).produce(topic: topic, partition: 1, count: 3)
        try await eventually("fresh lag after recovery") {
            await exporter.lagLines(group: group) == [
                memberless("kafka_consumergroup_group_lag", group, topic, 0, 3),
                memberless("kafka_consumergroup_group_lag", group, topic, 1, 3),
            ]
        }
        #expect(exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: await exporter.scrape()) == errorsAfterRecovery)
        #expect(exporter.negativeLagLines().isEmpty)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: - Slow and stalled broker

    @Test func slowBrokerPollsEndWithinTheTimeoutAndScrapesStayFast() async throws {
        try await pollsEndWhileTheBrokerHangs(.delay(.milliseconds(1500)))
    }

    @Test func stalledBrokerPollsEndWithinTheTimeoutAndScrapesStayFast() async throws {
        try await pollsEndWhileTheBrokerHangs(.stall)
    }

    /// Poll interval 400 ms, kafka-client-timeout 1 s: every hung poll runs
    /// into the timeout, so each one logs "poll took longer than the poll
    /// interval" with its duration and end time; those prove that each poll
    /// ends within the timeout and that no two polls overlap.
    private func pollsEndWhileTheBrokerHangs(_ mode: TCPProxy.Mode) async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let bootstrap = "127.0.0.1:\(proxy.port)"
        let topic = uniqueName("orders")
        let group = uniqueName("billing")
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrap))
        try await admin.createTopics([topic: 1])
        let producer = try TestProducer(bootstrapServers: bootstrap)
        try await producer.produce(topic: topic, partition: 0, count: 6)
        try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 2])

        let interval = Duration.milliseconds(400)
        let timeout = Duration.seconds(1)
        let exporter = try FaultExporter(
            bootstrapServers: bootstrap, pollInterval: "400ms", timeout: "1s", maxFailedPolls: 1000)
        try await eventually("lag exported") {
            await exporter.lagLines(group: group) == [memberless("kafka_consumergroup_group_lag", group, topic, 0, 4)]
        }
        let snapshot = await exporter.lagLines(containing: "topic=\"\(topic)\"")
        let pid = try #require(exporter.process.pid)
        let residentBefore = try #require(DaemonProcess.residentKilobytes(of: pid))
        let beforeHang = await exporter.scrape()
        let errorsBefore = try #require(exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: beforeHang))
        let pollsBefore = try #require(exporter.selfMetric("kafka_lag_exporter_polls_total", in: beforeHang))

        let clock = ContinuousClock()
        let hangStarted = clock.now
        let hangStartedWall = Date()
        proxy.mode = mode
        var slowestScrape = Duration.zero
        var scrapes = 0
        while clock.now - hangStarted < .seconds(7) {
            let started = clock.now
            let response = try await httpGet(port: exporter.port, path: "/metrics", timeout: .seconds(5))
            slowestScrape = max(slowestScrape, clock.now - started)
            scrapes += 1
            #expect(response.status == 200)
            #expect(FaultExporter.lagLines(in: response.text, containing: "topic=\"\(topic)\"") == snapshot)
            try await Task.sleep(for: .milliseconds(100))
        }
        let hangSeconds = (clock.now - hangStarted).seconds
        let hangEndedWall = Date()
        let during = await exporter.scrape()
        let residentDuring = try #require(DaemonProcess.residentKilobytes(of: pid))
        let failed = try #require(exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: during)) - errorsBefore
        let polls = try #require(exporter.selfMetric("kafka_lag_exporter_polls_total", in: during)) - pollsBefore

        // Scrapes answer from the last snapshot, quickly.
        #expect(scrapes >= 20)
        #expect(slowestScrape < .seconds(1), "slowest scrape \(slowestScrape)")
        // Polls keep ending (and failing) instead of hanging...
        #expect(failed >= 3, "\(failed) failed polls in \(hangSeconds) s")
        #expect(polls - failed <= 1)  // the poll running when the hang began may still succeed
        // ...each within the timeout, one at a time: no poll starts less than an
        // interval after the previous one, and their [start, end] spans are disjoint.
        #expect(polls <= (hangSeconds / interval.seconds).rounded(.up) + 1)
        let spans = Self.slowPollSpans(exporter.process.standardError).filter {
            $0.end > hangStartedWall && $0.end <= hangEndedWall
        }
        #expect(spans.count >= 3, "\(spans)")
        for span in spans {
            #expect(span.duration <= timeout.seconds + 0.3, "poll took \(span.duration) s")
        }
        for (earlier, later) in zip(spans, spans.dropFirst()) {
            #expect(later.start >= earlier.end.addingTimeInterval(-0.02), "overlapping polls: \(earlier) and \(later)")
        }
        // Memory stays bounded while requests hang.
        #expect(residentDuring <= residentBefore + 32 * 1024, "VmRSS \(residentBefore) KiB -> \(residentDuring) KiB")

        // The broker answers again: exact values, fresh data.
        proxy.mode = .passThrough
        try await producer.produce(topic: topic, partition: 0, count: 3)
        try await eventually("fresh lag after the broker recovers") {
            await exporter.lagLines(group: group) == [memberless("kafka_consumergroup_group_lag", group, topic, 0, 7)]
        }
        #expect(await exporter.lagLines(containing: "kafka_partition_latest_offset{cluster_name=\"local\",topic=\"\(topic)\"") == [
            "kafka_partition_latest_offset{cluster_name=\"local\",topic=\"\(topic)\",partition=\"0\"} 9",
        ])
        #expect(exporter.negativeLagLines().isEmpty)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: - One group refused by the broker

    @Test func groupAuthorizationFailureSkipsOnlyThatGroup() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let bootstrap = "127.0.0.1:\(proxy.port)"
        let topic = uniqueName("orders")
        let (alpha, denied, gamma) = (uniqueName("alpha"), uniqueName("denied"), uniqueName("gamma"))
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrap))
        try await admin.createTopics([topic: 1])
        try await TestProducer(bootstrapServers: bootstrap).produce(topic: topic, partition: 0, count: 8)
        try await admin.alterCommittedOffsets(group: alpha, offsets: [TopicPartition(topic, 0): 1])
        try await admin.alterCommittedOffsets(group: denied, offsets: [TopicPartition(topic, 0): 3])
        try await admin.alterCommittedOffsets(group: gamma, offsets: [TopicPartition(topic, 0): 8])
        // GROUP_AUTHORIZATION_FAILED (30) for every OffsetFetch of one group.
        proxy.failOffsetFetch(group: denied, errorCode: 30)

        let exporter = try FaultExporter(bootstrapServers: bootstrap)
        let exported = [
            memberless("kafka_consumergroup_group_lag", alpha, topic, 0, 7),
            memberless("kafka_consumergroup_group_lag", gamma, topic, 0, 0),
        ]
        try await eventually("the other groups exported") {
            await exporter.lagLines(containing: "kafka_consumergroup_group_lag{").filter { $0.contains(topic) } == exported
        }
        let scrape = await exporter.scrape()
        #expect(!scrape.contains("group=\"\(denied)\""))
        #expect(exporter.selfMetric("kafka_lag_exporter_groups", in: scrape) == 2)
        #expect(exporter.selfMetric("kafka_lag_exporter_skipped_groups", in: scrape) == 1)
        #expect(exporter.selfMetric("kafka_lag_exporter_poll_errors_total", in: scrape) == 0)
        #expect(proxy.injectedResponses(group: denied) >= 1)
        let skipped = exporter.process.standardError.split(separator: "\n").filter {
            $0.contains("level=warning") && $0.contains("msg=\"group skipped\" cluster=local") && $0.hasSuffix("group=\(denied)")
        }
        #expect(!skipped.isEmpty)
        #expect(skipped.allSatisfy { $0.contains("GROUP_AUTHORIZATION_FAILED") }, "\(skipped)")

        // The broker lets the group through again: it is exported with exact values.
        proxy.clearOffsetFetchFault(group: denied)
        try await eventually("the refused group exported once allowed") {
            await exporter.lagLines(group: denied) == [memberless("kafka_consumergroup_group_lag", denied, topic, 0, 5)]
        }
        #expect(await exporter.lagLines(containing: "kafka_consumergroup_group_lag{").filter { $0.contains(topic) } == [
            memberless("kafka_consumergroup_group_lag", alpha, topic, 0, 7),
            memberless("kafka_consumergroup_group_lag", denied, topic, 0, 5),
            memberless("kafka_consumergroup_group_lag", gamma, topic, 0, 0),
        ].sorted())
        let allowed = await exporter.scrape()
        #expect(exporter.selfMetric("kafka_lag_exporter_groups", in: allowed) == 3)
        #expect(exporter.selfMetric("kafka_lag_exporter_skipped_groups", in: allowed) == 0)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: - Helpers

    struct PollSpan: CustomStringConvertible {
        var end: Date
        var duration: Double
        var start: Date { end.addingTimeInterval(-duration) }
        var description: String { "poll ending \(end.timeIntervalSince1970) after \(duration) s" }
    }

    /// The polls the exporter logged as longer than the interval: end time (the log line's `ts`) and duration.
    static func slowPollSpans(_ logs: String) -> [PollSpan] {
        let format = Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        return logs.split(separator: "\n").filter { $0.contains("msg=\"poll took longer than the poll interval\"") }.compactMap { line in
            let fields = line.split(separator: " ")
            guard let ts = fields.first(where: { $0.hasPrefix("ts=") }).map({ String($0.dropFirst(3)) }),
                  let end = try? Date(ts, strategy: format),
                  let milliseconds = fields.first(where: { $0.hasPrefix("duration_ms=") }).flatMap({ Double($0.dropFirst(12)) })
            else { return nil }
            return PollSpan(end: end, duration: milliseconds / 1000)
        }
    }
}

/// `kafka-lag-exporter serve` with a configuration file, and the scrapes the test took.
final class FaultExporter: Sendable {
    let process: DaemonProcess
    let port: UInt16
    private let configuration: URL
    /// Every scrape's text, to check that no lag value was ever negative.
    private let scrapes = Mutex<[String]>([])

    init(bootstrapServers: String, pollInterval: String = "500ms", timeout: String = "1s", maxFailedPolls: Int = 5) throws {
        configuration = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("faults")).yaml")
        try """
            poll-interval: \(pollInterval)
            kafka-client-timeout: \(timeout)
            max-failed-polls: \(maxFailedPolls)
            clusters:
              - name: local
                bootstrap-brokers: \(bootstrapServers)
            """.write(to: configuration, atomically: true, encoding: .utf8)
        port = try TestBroker.freeLoopbackPort()
        process = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", configuration.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")
    }

    deinit { try? FileManager.default.removeItem(at: configuration) }

    /// The current /metrics text ("" while the exporter does not answer).
    func scrape() async -> String {
        let text = (try? await httpGet(port: port, path: "/metrics").text) ?? ""
        scrapes.withLock { $0.append(text) }
        return text
    }

    /// Offset-lag series lines of one group.
    func lagLines(group: String) async -> [String] {
        await lagLines(containing: "kafka_consumergroup_group_lag{cluster_name=\"local\",group=\"\(group)\"")
    }

    /// Offset-lag family lines (see `ServeTests.Exporter.offsetFamilies`) that contain `needle`.
    func lagLines(containing needle: String) async -> [String] {
        Self.lagLines(in: await scrape(), containing: needle)
    }

    static func lagLines(in text: String, containing needle: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            guard !line.hasPrefix("#"), line.contains(needle), let brace = line.firstIndex(of: "{") else { return false }
            return ServeTests.Exporter.offsetFamilies.contains(String(line[..<brace]))
        }
    }

    /// The value of the series `series` (name and labels, exactly as exposed).
    func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// A self metric of the cluster `local`.
    func selfMetric(_ name: String, in text: String) -> Double? {
        value("\(name){cluster_name=\"local\"}", in: text)
    }

    /// Lag lines (offsets or seconds) with a negative or non-numeric value in any scrape so far.
    func negativeLagLines() -> [String] {
        scrapes.withLock { $0 }.flatMap { text in
            text.split(separator: "\n").filter { line in
                line.hasPrefix("kafka_consumergroup_group_") && line.contains("lag")
                    && !(line.split(separator: " ").last.flatMap { Double($0) }.map { $0 >= 0 } ?? false)
            }.map(String.init)
        }
    }
}

private func labels(_ group: String, _ topic: String, _ partition: Int) -> String {
    "{cluster_name=\"local\",group=\"\(group)\",topic=\"\(topic)\",partition=\"\(partition)\","
        + "member_host=\"unknown\",consumer_id=\"unknown\",client_id=\"unknown\"}"
}

private func memberless(_ metric: String, _ group: String, _ topic: String, _ partition: Int, _ value: Int64) -> String {
    ServeTests.memberless(metric, group, topic, partition, value)
}
