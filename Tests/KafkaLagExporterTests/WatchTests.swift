import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing

/// `lag --samples` and `lag --watch` against a real broker.
@Suite(.timeLimit(.minutes(5)))
struct WatchTests {
    struct Fixture {
        let broker: TestBroker
        let topic = uniqueName("clicks")
        let group = uniqueName("reader")

        init() async throws {
            broker = try await TestBroker.start()
            let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
            try await admin.createTopics([topic: 1])
            try await TestProducer(bootstrapServers: broker.bootstrapServers).produce(topic: topic, partition: 0, count: 6)
            try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 6])
        }

        var arguments: [String] { ["lag", "--bootstrap-servers", broker.bootstrapServers, "--group", group] }
    }

    @Test func samplesAddStatusAndLagSecondsFields() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        let result = try await runCommand(try builtProduct("kafka-lag-exporter"),
                                          fixture.arguments + ["--samples", "2", "--sample-interval", "0.2", "--output", "csv"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == """
            group,topic,partition,committed_offset,log_start_offset,log_end_offset,lag,lag_seconds,status,consumer_id,host,client_id
            \(fixture.group),\(fixture.topic),0,6,0,6,0,0.0,OK,,,

            """)
    }

    @Test func watchInAPipePrintsPlainBlocksAndStopsOnSIGTERM() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        let counted = try await runCommand(try builtProduct("kafka-lag-exporter"),
                                           fixture.arguments + ["--watch", "--refresh", "0.2", "--iterations", "2"])
        #expect(counted.status == 0, "\(counted.standardError)")
        let blocks = counted.standardOutput.components(separatedBy: "kafka-lag-exporter lag --watch: cluster default, ")
        #expect(blocks.count == 3)
        #expect(!counted.standardOutput.contains("\u{1B}["))
        #expect(counted.standardOutput.contains("GROUP"))
        #expect(counted.standardOutput.contains("\(fixture.group)  OK"))

        let endless = try DaemonProcess(try builtProduct("kafka-lag-exporter"), fixture.arguments + ["--watch", "--refresh", "0.2"],
                                        name: "watch")
        try await eventually("two refreshes") { endless.standardOutput.components(separatedBy: "--watch: cluster").count >= 3 }
        #expect(try await endless.stop() == 0)
    }

    @Test func watchOnATerminalUsesTheAlternateScreenAndRestoresIt() async throws {
        let fixture = try await Fixture()
        defer { fixture.broker.stop() }
        // `script` runs the command on a pseudo-terminal.
        let command = ([try builtProduct("kafka-lag-exporter")] + fixture.arguments + ["--watch", "--refresh", "0.2", "--iterations", "2"])
            .map { "'\($0)'" }.joined(separator: " ")
        let result = try await runCommand("/usr/bin/script", ["-qfec", command, "/dev/null"])
        #expect(result.status == 0, "\(result.standardError)")
        let output = result.standardOutput
        #expect(output.hasPrefix("\u{1B}[?1049h\u{1B}[?25l"))
        #expect(output.components(separatedBy: "\u{1B}[H\u{1B}[2J").count == 3)
        #expect(output.hasSuffix("\u{1B}[?25h\u{1B}[?1049l"))
        #expect(output.contains(fixture.group))
    }
}
