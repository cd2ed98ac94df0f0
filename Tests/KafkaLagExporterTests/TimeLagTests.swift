import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Synchronization
import Testing

/// Lag in seconds and lag status from the daemon, against a real broker with a
/// producer at a known rate and groups that are healthy, slow and stalled.
@Suite(.timeLimit(.minutes(3)))
struct TimeLagTests {
    /// When each offset of the test topic was acknowledged (unix seconds).
    final class ProductionLog: Sendable {
        private let times = Mutex<[Double]>([])
        func append(_ time: Double) { times.withLock { $0.append(time) } }
        var count: Int { times.withLock { $0.count } }
        func time(ofOffset offset: Int) -> Double? { times.withLock { offset < $0.count ? $0[offset] : nil } }
    }

    @Test func timeLagMatchesTheProducersClockAndStatusesFollowTheGroups() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("ticks")
        let (healthy, slow, stopped, stalled) = (uniqueName("healthy"), uniqueName("slow"), uniqueName("stopped"), uniqueName("stalled"))
        try await admin.createTopics([topic: 1])
        let partition = TopicPartition(topic, 0)
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        let log = ProductionLog()

        // Ten records, then the groups start at known positions.
        for _ in 0..<10 {
            try await producer.produce(topic: topic, partition: 0, count: 1)
            log.append(Date().timeIntervalSince1970)
        }
        for group in [healthy, slow, stopped] {
            try await admin.alterCommittedOffsets(group: group, offsets: [partition: 5])
        }
        // A real member that consumes five records and then stops making progress.
        let consumer = try TestConsumer(bootstrapServers: broker.bootstrapServers, group: stalled, topics: [topic])
        try await consumer.consumeAndCommit(count: 5)

        let config = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("timelag")).yaml")
        try """
            poll-interval: 500ms
            kafka-client-timeout: 2s
            status-window: 4
            clusters:
              - name: local
                bootstrap-brokers: \(broker.bootstrapServers)
                group-allowlist: ["\(healthy)", "\(slow)", "\(stopped)", "\(stalled)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let port = try TestBroker.freeLoopbackPort()
        let exporter = try DaemonProcess(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", config.path, "--host", "127.0.0.1", "--port", String(port)], name: "exporter")

        // Steady traffic: ten records per second; healthy commits to the log
        // end, slow advances at half the production rate, stopped never commits.
        let traffic = Task {
            var tick = 0
            while !Task.isCancelled {
                try await producer.produce(topic: topic, partition: 0, count: 1)
                log.append(Date().timeIntervalSince1970)
                tick += 1
                if tick % 5 == 0 {
                    try await admin.alterCommittedOffsets(group: healthy, offsets: [partition: Int64(log.count)])
                    try await admin.alterCommittedOffsets(group: slow, offsets: [partition: Int64(5 + tick / 2)])
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { traffic.cancel() }

        func scrape() async throws -> String { try await httpGet(port: port, path: "/metrics").text }
        func status(of group: String, in text: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("kafka_consumergroup_group_status{") && $0.contains("group=\"\(group)\"") && $0.hasSuffix("} 1") }
                .flatMap { line in line.split(separator: "status=\"").last?.split(separator: "\"").first.map(String.init) }
        }

        var text = ""
        try await eventually(timeout: .seconds(45), "statuses: healthy OK, slow WARN, stopped STOP, stalled STALL") {
            text = (try? await scrape()) ?? ""
            return status(of: healthy, in: text) == "OK" && status(of: slow, in: text) == "WARN"
                && status(of: stopped, in: text) == "STOP" && status(of: stalled, in: text) == "STALL"
        }

        // The slow group's committed offset c is the oldest record it has not
        // consumed; its true time lag at the poll is the poll's time minus when
        // record c was produced. (c lies within the exporter's lookup table:
        // the slow group commits during the traffic the exporter watched.)
        let lines = text.split(separator: "\n")
        func value(_ prefix: String) throws -> Double {
            let line = try #require(lines.first { $0.hasPrefix(prefix) }, "no series \(prefix)")
            return try #require(Double(line.split(separator: " ").last!))
        }
        let polledAt = try value("kafka_lag_exporter_last_successful_poll_timestamp_seconds{cluster_name=\"local\"}")
        let committed = Int(try value("kafka_consumergroup_group_offset{cluster_name=\"local\",group=\"\(slow)\""))
        let producedAt = try #require(log.time(ofOffset: committed))
        let estimate = try value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(slow)\"")
        // Tolerance: the log end is sampled once per poll (500 ms) and the
        // producer stamps a record after its acknowledgement.
        #expect(abs(estimate - (polledAt - producedAt)) < 1.0, "estimate \(estimate), truth \(polledAt - producedAt)")
        #expect(try value("kafka_consumergroup_group_max_lag_seconds{cluster_name=\"local\",group=\"\(slow)\"}") == estimate)
        // A stopped group's lag in seconds grows: it is at least the time the exporter has watched it.
        #expect(try value("kafka_consumergroup_group_lag_seconds{cluster_name=\"local\",group=\"\(stopped)\"") >= 2)

        // The healthy group drains (or has nothing to drain); the growing ones have no estimate.
        #expect(lines.contains { $0.hasPrefix("kafka_consumergroup_group_drain_seconds{cluster_name=\"local\",group=\"\(healthy)\"}") })
        #expect(!lines.contains { $0.hasPrefix("kafka_consumergroup_group_drain_seconds{cluster_name=\"local\",group=\"\(stopped)\"}") })
        // Production runs at about ten records per second.
        let production = try value("kafka_consumergroup_group_production_rate{cluster_name=\"local\",group=\"\(stopped)\"}")
        #expect(production > 5 && production < 12, "production rate \(production)")
        #expect(!text.contains("NaN") && !text.contains("Inf"))

        traffic.cancel()
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
