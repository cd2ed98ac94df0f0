import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Synchronization
import Testing

/// Lag in seconds and lag status from the daemon, against a real broker with a
/// producer at a known rate and groups that are healthy, slow and stalled.
@Suite(.timeLimit(.minutes(5)))
struct TimeLagTests {
    /// When each offset of the test topic was acknowledged (unix seconds).
    final class ProductionLog: Sendable {
        private let times = Mutex<[Double]>([])
        func append(_ time: Double) { times.withLock { $0.append(time) } }
        var count: Int { times.withLock { $0.count } }
        func time(ofOffset offset: Int) -> Double? { times.withLock { offset < $0.count ? $0[offset] : nil } }
    }

    /// The test drives the exporter poll by poll: the proxy holds each poll's
    /// ListGroups (the poll's first request after Metadata, before any offset
    /// is read) until the test has produced and committed that step's records,
    /// and the test reads every poll's outcome before it lets the next one
    /// through. So the exporter's lookup table is known exactly, as the poll
    /// times and log ends the test saw, and every expected value is computed
    /// from those: nothing depends on how fast the machine is.
    @Test func timeLagMatchesTheProducersClockAndStatusesFollowTheGroups() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let bootstrap = "127.0.0.1:\(proxy.port)"
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrap))
        let topic = uniqueName("ticks")
        let (healthy, slow, stopped, stalled) = (uniqueName("healthy"), uniqueName("slow"), uniqueName("stopped"), uniqueName("stalled"))
        try await admin.createTopics([topic: 1])
        let partition = TopicPartition(topic, 0)
        let producer = try TestProducer(bootstrapServers: bootstrap)
        let log = ProductionLog()
        func produce(_ count: Int) async throws {
            for _ in 0..<count {
                try await producer.produce(topic: topic, partition: 0, count: 1)
                log.append(Date().timeIntervalSince1970)
            }
        }

        // Ten records, then the groups start at known positions.
        try await produce(10)
        for group in [healthy, slow, stopped] {
            try await admin.alterCommittedOffsets(group: group, offsets: [partition: 5])
        }
        // A real member that consumes five records and then stops making progress.
        let consumer = try TestConsumer(bootstrapServers: bootstrap, group: stalled, topics: [topic])
        try await consumer.consumeAndCommit(count: 5)

        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("timelag")).yaml")
        try """
            poll-interval: 500ms
            kafka-client-timeout: 10m
            status-window: 4
            clusters:
              - name: local
                bootstrap-brokers: \(bootstrap)
                group-allowlist: ["\(healthy)", "\(slow)", "\(stopped)", "\(stalled)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let listGroups = TCPProxy.APIKey.listGroups
        proxy.hold(apiKey: listGroups)
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", config.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")

        func scrape() async throws -> String { try await httpGet(port: port, path: "/metrics").text }
        func value(_ prefix: String, in text: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last!) }
        }
        func status(of group: String, in text: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("kafka_consumergroup_group_status{") && $0.contains("group=\"\(group)\"") && $0.hasSuffix("} 1") }
                .flatMap { line in line.split(separator: "status=\"").last?.split(separator: "\"").first.map(String.init) }
        }
        let pollTime = "kafka_lag_exporter_last_successful_poll_timestamp_seconds{cluster_name=\"local\"}"
        let logEnd = "kafka_partition_latest_offset{cluster_name=\"local\",topic=\"\(topic)\",partition=\"0\"}"

        // Step k, while poll k waits in the proxy: two records; healthy commits
        // to the log end, slow one record further (9 + k), so its lag grows by
        // one per poll; stopped and stalled never move. Then poll k runs, and
        // the test reads its time and log end. The steps go on until the status
        // window (4 polls) is full and more than its span (4 x 500 ms) has
        // passed since the first poll, by the exporter's own clock: stopped is
        // STOP from then on.
        var table = LookupTable()
        var points: [LookupTable.Point] = []
        var text = ""
        var step = 0
        while points.count < 4 || points.last!.time - points.first!.time <= 2.0 + 0.01 {
            step += 1
            try #require(step <= 40, "the exporter's clock did not advance: \(points)")
            try await eventually(timeout: .seconds(60), "poll \(step) waits for its ListGroups") {
                proxy.heldRequests(apiKey: listGroups) == 1
            }
            try await produce(2)
            try await admin.alterCommittedOffsets(group: healthy, offsets: [partition: Int64(log.count)])
            try await admin.alterCommittedOffsets(group: slow, offsets: [partition: Int64(9 + step)])
            proxy.release(apiKey: listGroups)
            try await eventually(timeout: .seconds(60), "poll \(step) done") {
                text = (try? await scrape()) ?? ""
                return value("kafka_lag_exporter_polls_total{cluster_name=\"local\"}", in: text) == Double(step)
            }
            try #require(value("kafka_lag_exporter_poll_errors_total{cluster_name=\"local\"}", in: text) == 0, "\(text)")
            let point = LookupTable.Point(offset: Int64(try #require(value(logEnd, in: text))), time: try #require(value(pollTime, in: text)))
            #expect(point.offset == Int64(log.count), "poll \(step) saw every record of its step")
            points.append(point)
            #expect(table.add(point) == .inserted)
        }
        let now = points.last!.time

        #expect(status(of: healthy, in: text) == "OK")
        #expect(status(of: slow, in: text) == "WARN")
        #expect(status(of: stopped, in: text) == "STOP")
        #expect(status(of: stalled, in: text) == "STALL")

        // Lag in seconds of slow: its committed offset c is the oldest record it
        // has not consumed. The exporter interpolates between the two polls
        // whose log ends bracket c; record c was produced (and acknowledged)
        // between those two polls, so the estimate and the truth by the
        // producer's clock lie in the same interval of poll times.
        let committed = Int64(try #require(value("kafka_consumergroup_group_offset{cluster_name=\"local\",group=\"\(slow)\"", in: text)))
        #expect(committed == Int64(9 + step))
        let estimate = try #require(value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(slow)\"", in: text))
        #expect(estimate == table.lagSeconds(committed: committed, now: now))
        let right = try #require(points.firstIndex { $0.offset > committed }, "c lies within the table: \(points)")
        try #require(right > 0, "c lies within the table: \(points)")
        let (before, after) = (points[right - 1].time, points[right].time)
        let producedAt = try #require(log.time(ofOffset: Int(committed)))
        #expect(before < producedAt && producedAt < after, "record \(committed) acknowledged at \(producedAt), polls at \(before) and \(after)")
        #expect(now - after <= estimate && estimate <= now - before, "estimate \(estimate), polls \(now - after) and \(now - before) s ago")
        #expect(try #require(value("kafka_consumergroup_group_max_lag_seconds{cluster_name=\"local\",group=\"\(slow)\"}", in: text)) == estimate)

        // Stopped commits before the table's first point: extrapolated along the
        // table's trend. Healthy is at the log end.
        #expect(value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(stopped)\"", in: text)
            == table.lagSeconds(committed: 5, now: now))
        #expect(value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(healthy)\"", in: text) == 0)

        // The healthy group has nothing to drain; the growing ones have no estimate.
        #expect(value("kafka_consumergroup_group_drain_seconds{cluster_name=\"local\",group=\"\(healthy)\"}", in: text) == 0)
        #expect(value("kafka_consumergroup_group_drain_seconds{cluster_name=\"local\",group=\"\(stopped)\"}", in: text) == nil)
        // Production across the window (the last 4 polls): two records per poll, over the polls' own times.
        let window = points.suffix(4)
        let expectedRate = Double(window.last!.offset - window.first!.offset) / (window.last!.time - window.first!.time)
        #expect(value("kafka_consumergroup_group_production_rate{cluster_name=\"local\",group=\"\(stopped)\"}", in: text) == expectedRate)
        #expect(!text.contains("NaN") && !text.contains("Inf"))

        proxy.stopHolding(apiKey: listGroups)
        #expect(try await exporter.stop() == 0)
    }

    @Test func exactTimeLagReadsTheRecordTimestamp() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("audit")
        let (behind, current) = (uniqueName("behind"), uniqueName("current"))
        try await admin.createTopics([topic: 1])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        let log = ProductionLog()
        // When each record was handed to the producer; `log` holds its acknowledgement.
        var sent: [Double] = []
        for _ in 0..<8 {
            sent.append(Date().timeIntervalSince1970)
            try await producer.produce(topic: topic, partition: 0, count: 1)
            log.append(Date().timeIntervalSince1970)
        }
        try await admin.alterCommittedOffsets(group: behind, offsets: [TopicPartition(topic, 0): 3])
        try await admin.alterCommittedOffsets(group: current, offsets: [TopicPartition(topic, 0): 8])

        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("exact")).yaml")
        try """
            poll-interval: 500ms
            clusters:
              - name: local
                bootstrap-brokers: \(broker.bootstrapServers)
                group-allowlist: ["\(behind)", "\(current)"]
                time-lag: exact
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", config.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")

        // The very first poll already has exact values: no table needed.
        var text = ""
        try await eventually("lag in seconds of both groups") {
            text = (try? await httpGet(port: port, path: "/metrics").text) ?? ""
            return text.contains("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(behind)\"")
                && text.contains("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(current)\"")
        }
        let lines = text.split(separator: "\n")
        func value(_ prefix: String) throws -> Double {
            let line = try #require(lines.first { $0.hasPrefix(prefix) }, "no series \(prefix)")
            return try #require(Double(line.split(separator: " ").last!))
        }
        let polledAt = try value("kafka_lag_exporter_last_successful_poll_timestamp_seconds{cluster_name=\"local\"}")
        let acknowledged = try #require(log.time(ofOffset: 3))
        let estimate = try value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(behind)\"")
        // The record's CreateTime lies between handing it to the producer and
        // its acknowledgement (ms resolution): the exact lag lies in that window.
        let (lower, upper) = (polledAt - acknowledged - 0.001, polledAt - sent[3] + 0.001)
        #expect(estimate >= lower && estimate <= upper, "estimate \(estimate), truth within [\(lower), \(upper)]")
        #expect(try value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(current)\"") == 0)
        #expect(try await exporter.stop() == 0)
    }
}
