import Foundation
import KafkaTestSupport
import LagCore
import Testing
@testable import KafkaLagExporter

/// `serve --print-config`: the effective configuration as YAML, secrets redacted.
@Suite(.timeLimit(.minutes(5)))
struct ConfigurationDumpTests {
    static let header = """
        # kafka-lag-exporter effective configuration (defaults < file < environment < flags).
        # Secret client properties are shown as <redacted>.
        """

    @Test func secretPropertiesAreRedactedAndEverythingElseIsShown() throws {
        let configuration = try ExporterConfiguration.parse(yaml: """
            port: 9000
            clusters:
              - name: prod
                bootstrap-brokers: k1:9093,k2:9093
                group-allowlist: ["billing.*"]
                consumer-properties:
                  security.protocol: SASL_SSL
                  sasl.mechanism: SCRAM-SHA-512
                  sasl.username: "${env:KAFKA_USER}"
                  sasl.password: "${env:KAFKA_PASSWORD}"
                  ssl.ca.location: /etc/kafka/ca.pem
                  ssl.key.location: /etc/kafka/client.key
                  ssl.key.password: literal-key-password
                  sasl.oauthbearer.client.secret: oauth-secret
                  sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required password="jaas-secret-value";
                labels:
                  env: prod
            """, environment: ["KAFKA_USER": "exporter", "KAFKA_PASSWORD": "s3cret-from-env"])

        let dump = try ConfigurationDump.yaml(configuration)
        #expect(dump == Self.header + """

            port: 9000
            poll-interval: 30s
            kafka-client-timeout: 10s
            client-group-id: kafkalagexporter
            lookup-table-size: 60
            status-window: 10
            max-failed-polls: 5
            group-read-concurrency: 8
            metric-allowlist:
            - .*
            log-level: info
            log-format: logfmt
            shard: 0/1
            clusters:
            - name: prod
              bootstrap-brokers: k1:9093,k2:9093
              group-allowlist:
              - billing.*
              group-denylist: []
              topic-allowlist: []
              topic-denylist: []
              client-properties:
                sasl.jaas.config: <redacted>
                sasl.mechanism: SCRAM-SHA-512
                sasl.oauthbearer.client.secret: <redacted>
                sasl.password: <redacted>
                sasl.username: exporter
                security.protocol: SASL_SSL
                ssl.ca.location: /etc/kafka/ca.pem
                ssl.key.location: <redacted>
                ssl.key.password: <redacted>
              labels:
                env: prod
              time-lag: interpolated

            """)
        for secret in ["s3cret-from-env", "literal-key-password", "oauth-secret", "jaas-secret-value"] {
            #expect(!dump.contains(secret))
        }
    }

    @Test func aDumpWithoutSecretsParsesBackToTheSameConfiguration() throws {
        var configuration = ExporterConfiguration()
        configuration.port = 9100
        configuration.pollInterval = .milliseconds(1500)
        configuration.kafkaClientTimeout = .seconds(120)
        configuration.clientGroupId = "lag-probe"
        configuration.lookupTableSize = 30
        configuration.statusWindow = 20
        configuration.maxFailedPolls = 3
        configuration.metricAllowlist = ["kafka_consumergroup_group_lag", "kafka_partition_.*"]
        configuration.logLevel = "debug"
        configuration.logFormat = "json"
        configuration.shard = .podOrdinal(count: 3)
        var cluster = ClusterConfiguration(name: "a: tricky # name", bootstrapBrokers: "k:9092")
        cluster.groupAllowlist = ["[a-z]+"]
        cluster.groupDenylist = [".*-weird"]
        cluster.topicAllowlist = ["orders"]
        cluster.topicDenylist = ["orders-dlq", "'quoted'"]
        cluster.clientProperties = ["security.protocol": "SSL", "ssl.ca.location": "/etc/ca.pem", "socket.timeout.ms": "1000"]
        cluster.labels = ["env": "prod", "team": "true"]
        cluster.timeLag = .exact
        configuration.clusters = [cluster, ClusterConfiguration(name: "second", bootstrapBrokers: "s:9092")]

        let dump = try ConfigurationDump.yaml(configuration)
        #expect(try ExporterConfiguration.parse(yaml: dump, environment: [:]) == configuration, "\(dump)")
    }

    @Test(arguments: [
        (Duration.seconds(30), "30s"), (.milliseconds(500), "500ms"), (.seconds(120), "2m"), (.seconds(7200), "2h"),
        (.milliseconds(1500), "1500ms"),
    ])
    func durationsUseTheLargestWholeUnit(duration: Duration, text: String) {
        #expect(ConfigurationDump.durationText(duration) == text)
        #expect(DurationParser.parse(text) == duration)
    }

    /// The built binary: defaults < file < environment < flags, then exit 0 without connecting anywhere.
    @Test func printConfigShowsTheLayeredConfigurationAndExits() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("dump")).yaml")
        try """
            port: 9000
            poll-interval: 10s
            clusters:
              - name: prod
                bootstrap-brokers: 127.0.0.1:1
                client-properties:
                  sasl.username: exporter
                  sasl.password: "${env:DUMP_TEST_PASSWORD}"
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = ProcessInfo.processInfo.environment
        environment["DUMP_TEST_PASSWORD"] = "dump-test-secret-6f1c"
        environment["KAFKA_LAG_EXPORTER_PORT"] = "9100"
        environment["KAFKA_LAG_EXPORTER_LOG_LEVEL"] = "warning"
        environment["KAFKA_LAG_EXPORTER_CONFIG"] = nil

        let result = try await runCommand(
            try builtProduct("kafka-lag-exporter"),
            ["serve", "--config", file.path, "--print-config", "--log-level", "debug", "--bootstrap-servers", "127.0.0.1:2",
             "--cluster-name", "extra"],
            environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError == "")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(5)) == [
            "# kafka-lag-exporter effective configuration (defaults < file < environment < flags).",
            "# Secret client properties are shown as <redacted>.",
            "port: 9100",
            "poll-interval: 10s",
            "kafka-client-timeout: 10s",
        ])
        #expect(lines.contains("log-level: debug"))
        #expect(lines.contains("    sasl.password: <redacted>"))
        #expect(lines.contains("    sasl.username: exporter"))
        #expect(lines.filter { $0.hasPrefix("- name: ") } == ["- name: prod", "- name: extra"])
        #expect(lines.contains("  bootstrap-brokers: 127.0.0.1:2"))
        #expect(!result.standardOutput.contains("dump-test-secret"))
    }

    @Test func printConfigWithoutAClusterIsAUsageError() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_LAG_EXPORTER_CONFIG"] = nil
        environment["KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS"] = nil
        let result = try await runCommand(try builtProduct("kafka-lag-exporter"), ["serve", "--print-config"], environment: environment)
        #expect(result.status == 64)
        #expect(result.standardOutput == "")
        #expect(result.standardError
            == "error: clusters: no cluster is configured: give --config FILE or --bootstrap-servers host:port\n")
    }
}
