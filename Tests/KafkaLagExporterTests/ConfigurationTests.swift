import Foundation
@testable import KafkaLagExporter
import Testing

/// Parses `yaml`, returning the error it throws (nil when it parses).
private func parseError(_ yaml: String) -> ConfigurationError? {
    do {
        _ = try ExporterConfiguration.parse(yaml: yaml)
        return nil
    } catch {
        return error
    }
}

/// A file with cluster "prod" and then the cluster entries in `more`.
private func twoClusterYAML(_ more: String) -> String {
    clusterYAML() + "\n" + more.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
}

/// A one-cluster file with `extra` lines added under the cluster.
private func clusterYAML(_ extra: String = "") -> String {
    """
    clusters:
      - name: prod
        bootstrap-brokers: kafka-1:9092
    \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    """
}

@Suite struct ConfigurationParsingTests {
    @Test func fullFile() throws {
        let yaml = """
            port: 9308
            poll-interval: 2m
            kafka-client-timeout: 500ms
            client-group-id: lag-exporter
            lookup-table-size: 120
            metric-allowlist:
              - kafka_consumergroup_group_lag
              - kafka_consumergroup_group_max_lag
            log-level: debug
            log-format: json
            clusters:
              - name: prod
                bootstrap-brokers: kafka-1:9092,kafka-2:9092
                group-allowlist: ["orders-.*", "billing"]
                group-denylist: [".*-test"]
                topic-allowlist:
                  - orders.*
                topic-denylist: __.*
                client-properties:
                  security.protocol: SASL_SSL
                  sasl.mechanism: PLAIN
                  enable.ssl.certificate.verification: false
                labels:
                  env: production
                  region: eu-west-1
              - name: staging
                bootstrap-brokers: staging:9092
            """
        let configuration = try ExporterConfiguration.parse(yaml: yaml)
        #expect(configuration.port == 9308)
        #expect(configuration.pollInterval == .seconds(120))
        #expect(configuration.kafkaClientTimeout == .milliseconds(500))
        #expect(configuration.clientGroupId == "lag-exporter")
        #expect(configuration.lookupTableSize == 120)
        #expect(configuration.metricAllowlist == ["kafka_consumergroup_group_lag", "kafka_consumergroup_group_max_lag"])
        #expect(configuration.logLevel == "debug")
        #expect(configuration.logFormat == "json")
        #expect(configuration.clusters == [
            ClusterConfiguration(
                name: "prod",
                bootstrapBrokers: "kafka-1:9092,kafka-2:9092",
                groupAllowlist: ["orders-.*", "billing"],
                groupDenylist: [".*-test"],
                topicAllowlist: ["orders.*"],
                topicDenylist: ["__.*"],
                clientProperties: [
                    "security.protocol": "SASL_SSL",
                    "sasl.mechanism": "PLAIN",
                    "enable.ssl.certificate.verification": "false",
                ],
                labels: ["env": "production", "region": "eu-west-1"]
            ),
            ClusterConfiguration(name: "staging", bootstrapBrokers: "staging:9092"),
        ])
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)),
        ("500ms", .milliseconds(500)),
        ("2m", .seconds(120)),
        ("45", .seconds(45)),
        ("30 seconds", .seconds(30)),
        ("\"1.5s\"", .milliseconds(1500)),
        ("1h", .seconds(3600)),
    ])
    func pollIntervalDurations(text: String, duration: Duration) throws {
        let configuration = try ExporterConfiguration.parse(yaml: "poll-interval: \(text)\nkafka-client-timeout: \(text)\n")
        #expect(configuration.pollInterval == duration)
        #expect(configuration.kafkaClientTimeout == duration)
    }

    @Test func defaultsWhenKeysAreAbsent() throws {
        let configuration = try ExporterConfiguration.parse(yaml: clusterYAML())
        #expect(configuration.port == 8000)
        #expect(configuration.pollInterval == .seconds(30))
        #expect(configuration.kafkaClientTimeout == .seconds(10))
        #expect(configuration.clientGroupId == "kafkalagexporter")
        #expect(configuration.lookupTableSize == 60)
        #expect(configuration.metricAllowlist == [".*"])
        #expect(configuration.logLevel == "info")
        #expect(configuration.logFormat == "logfmt")
        #expect(configuration.clusters == [ClusterConfiguration(name: "prod", bootstrapBrokers: "kafka-1:9092")])
        let cluster = configuration.clusters[0]
        #expect(cluster.groupAllowlist == [])
        #expect(cluster.groupDenylist == [])
        #expect(cluster.topicAllowlist == [])
        #expect(cluster.topicDenylist == [])
        #expect(cluster.clientProperties == [:])
        #expect(cluster.labels == [:])
    }

    @Test(arguments: ["", "\n", "# only a comment\n", "---\n", "~\n"])
    func emptyFileIsAllDefaults(yaml: String) throws {
        #expect(try ExporterConfiguration.parse(yaml: yaml) == ExporterConfiguration())
    }

    @Test func originalAliasKeys() throws {
        let yaml = """
            metric-whitelist: [kafka_consumergroup_group_lag]
            clusters:
              - name: prod
                bootstrap-servers: kafka-1:9092
                group-whitelist: [orders.*]
                group-blacklist: [.*-test]
                topic-whitelist: [orders]
                topic-blacklist: [orders-dlq]
                consumer-properties:
                  security.protocol: SSL
                  client.rack: eu-1a
                admin-client-properties:
                  security.protocol: SASL_SSL
                  request.timeout.ms: "5000"
            """
        let configuration = try ExporterConfiguration.parse(yaml: yaml)
        #expect(configuration.metricAllowlist == ["kafka_consumergroup_group_lag"])
        #expect(configuration.clusters == [
            ClusterConfiguration(
                name: "prod",
                bootstrapBrokers: "kafka-1:9092",
                groupAllowlist: ["orders.*"],
                groupDenylist: [".*-test"],
                topicAllowlist: ["orders"],
                topicDenylist: ["orders-dlq"],
                // Consumer and admin properties merge; the admin value wins.
                clientProperties: ["security.protocol": "SASL_SSL", "client.rack": "eu-1a", "request.timeout.ms": "5000"]
            ),
        ])
    }

    @Test func clientPropertiesWinOverConsumerAndAdminProperties() throws {
        let yaml = clusterYAML("""
            consumer-properties: {a: consumer, b: consumer, c: consumer}
            admin-client-properties: {b: admin, c: admin}
            client-properties: {c: client}
            """)
        let configuration = try ExporterConfiguration.parse(yaml: yaml)
        #expect(configuration.clusters.map(\.clientProperties) == [["a": "consumer", "b": "admin", "c": "client"]])
    }

    @Test func emptyPropertyMapsAreEmpty() throws {
        let yaml = clusterYAML("""
            client-properties:
            labels: ~
            """)
        let configuration = try ExporterConfiguration.parse(yaml: yaml)
        #expect(configuration.clusters.map(\.clientProperties) == [[:]])
        #expect(configuration.clusters.map(\.labels) == [[:]])
    }

    /// An empty value (`group-allowlist:` or `~`) should mean "no patterns", as
    /// it does for the property maps; an allow list of [""] matches no group.
    @Test func nullListIsEmpty() throws {
        let configuration = try ExporterConfiguration.parse(yaml: clusterYAML("group-allowlist:\ntopic-denylist: ~"))
        #expect(configuration.clusters.map(\.groupAllowlist) == [[]])
        #expect(configuration.clusters.map(\.topicDenylist) == [[]])
    }

    @Test func singleStringIsAOneElementList() throws {
        let configuration = try ExporterConfiguration.parse(yaml: clusterYAML("group-allowlist: orders.*"))
        #expect(configuration.clusters.map(\.groupAllowlist) == [["orders.*"]])
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var yaml: String
        var key: String
        var message: String
        var testDescription: String { key + ": " + message }
    }

    @Test(arguments: [
        // Unknown keys.
        ErrorCase(yaml: "bogus: 1\n", key: "bogus", message: "unknown key"),
        ErrorCase(yaml: "port: 9000\npoll-intervall: 5s\n", key: "poll-intervall", message: "unknown key"),
        ErrorCase(yaml: clusterYAML("bogus: 1"), key: "clusters[0].bogus", message: "unknown key"),
        ErrorCase(
            yaml: twoClusterYAML("- name: dev\n  bootstrap-brokers: dev:9092\n  group-allowlst: [x]"),
            key: "clusters[1].group-allowlst", message: "unknown key"
        ),
        // A key that is not a plain name is quoted, so it cannot read as a path.
        ErrorCase(yaml: ".*<<: \n", key: #"".*<<""#, message: "unknown key"),
        ErrorCase(yaml: clusterYAML("\"a b\\\"\\t\": 1"), key: #"clusters[0]."a b\"\t""#, message: "unknown key"),
        // Wrong types.
        ErrorCase(yaml: "port: [1]\n", key: "port", message: "must be a single value"),
        ErrorCase(yaml: "port: abc\n", key: "port", message: "must be an integer, got 'abc'"),
        ErrorCase(yaml: "lookup-table-size: 1.5\n", key: "lookup-table-size", message: "must be an integer, got '1.5'"),
        ErrorCase(yaml: "client-group-id: {a: b}\n", key: "client-group-id", message: "must be a single value"),
        ErrorCase(yaml: "metric-allowlist: {a: b}\n", key: "metric-allowlist", message: "must be a list of strings"),
        ErrorCase(yaml: "metric-allowlist: [[a]]\n", key: "metric-allowlist", message: "must be a list of strings"),
        ErrorCase(yaml: "clusters: prod\n", key: "clusters", message: "must be a list of clusters"),
        ErrorCase(yaml: "clusters: [prod]\n", key: "clusters[0]", message: "must be a mapping of keys to values"),
        ErrorCase(yaml: "- a\n- b\n", key: "configuration", message: "must be a mapping of keys to values"),
        ErrorCase(yaml: "just text\n", key: "configuration", message: "must be a mapping of keys to values"),
        ErrorCase(yaml: clusterYAML("labels: [a]"), key: "clusters[0].labels", message: "must be a mapping of names to values"),
        ErrorCase(
            yaml: clusterYAML("client-properties: {a: [1]}"),
            key: "clusters[0].client-properties", message: "must map names to single values"
        ),
        ErrorCase(yaml: clusterYAML("group-denylist: {a: b}"), key: "clusters[0].group-denylist", message: "must be a list of strings"),
        // Bad values.
        ErrorCase(yaml: "port: 65536\n", key: "port", message: "must be between 0 and 65535, got 65536"),
        ErrorCase(yaml: "port: -1\n", key: "port", message: "must be between 0 and 65535, got -1"),
        ErrorCase(yaml: "lookup-table-size: 1\n", key: "lookup-table-size", message: "must be between 2 and 100000, got 1"),
        ErrorCase(yaml: clusterYAML("reads: batched"), key: "clusters[0].reads",
                  message: "is no longer a setting: every read goes through librdkafka; remove the key"),
        ErrorCase(
            yaml: "log-level: verbose\n", key: "log-level",
            message: "must be one of trace, debug, info, notice, warning, error, critical, got 'verbose'"
        ),
        ErrorCase(yaml: "log-format: xml\n", key: "log-format", message: "must be logfmt or json, got 'xml'"),
        // Clusters.
        ErrorCase(
            yaml: twoClusterYAML("- name: prod\n  bootstrap-brokers: other:9092"),
            key: "clusters", message: "duplicate cluster name 'prod'"
        ),
        ErrorCase(yaml: "clusters:\n  - bootstrap-brokers: b:9092\n", key: "clusters[0].name", message: "is required"),
        ErrorCase(yaml: "clusters:\n  - name: \"\"\n    bootstrap-brokers: b:9092\n", key: "clusters[0].name", message: "is required"),
        ErrorCase(yaml: "clusters:\n  - name: prod\n", key: "clusters[0].bootstrap-brokers", message: "is required"),
        ErrorCase(
            yaml: twoClusterYAML("- name: dev"),
            key: "clusters[1].bootstrap-brokers", message: "is required"
        ),
    ])
    func errorNamesTheKey(_ testCase: ErrorCase) {
        #expect(parseError(testCase.yaml) == ConfigurationError(key: testCase.key, testCase.message))
    }

    @Test(arguments: ["poll-interval", "kafka-client-timeout"], ["soon", "0s", "0", "-5s", "10 fortnights", "1e3", "s", "0.0001s"])
    func badDurationNamesTheKey(key: String, text: String) {
        #expect(parseError("\(key): \(text)\n") == ConfigurationError(
            key: key, "must be a positive duration such as 30s, 500ms or 2m, got '\(text)'"
        ))
    }

    @Test(arguments: [
        ("group-allowlist: [\"(\"]", "clusters[prod].group-allowlist", "("),
        ("group-whitelist: [ok, \"[a-\"]", "clusters[prod].group-allowlist", "[a-"),
        ("group-denylist: [\"*x\"]", "clusters[prod].group-denylist", "*x"),
        ("topic-allowlist: [\"(\"]", "clusters[prod].topic-allowlist", "("),
        ("topic-denylist: [\"*x\"]", "clusters[prod].topic-denylist", "*x"),
    ])
    func invalidRegexNamesTheClusterAndKey(line: String, key: String, pattern: String) throws {
        let error = try #require(parseError(clusterYAML(line)))
        #expect(error.key == key)
        #expect(error.message.hasPrefix("invalid regular expression '\(pattern)': "))
        #expect(error.message.count > "invalid regular expression '\(pattern)': ".count)
    }

    @Test func invalidYAMLNamesTheSource() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ExporterConfiguration.parse(yaml: "port: [1\n", source: "config/exporter.yaml")
        }
        #expect(error.key == "config/exporter.yaml")
        #expect(error.message.hasPrefix("not valid YAML: "))
    }

    @Test(arguments: [
        ("port", "port"), ("sasl.password", "sasl.password"), ("bad-name", "bad-name"), ("pört", "pört"), ("注文", "注文"),
        ("_x", "_x"), ("", #""""#), (".*<<", #"".*<<""#), ("-a", #""-a""#), ("a b", #""a b""#), ("a[0]", #""a[0]""#),
        ("a\"b\\c", #""a\"b\\c""#), ("a\nb\tc\r", #""a\nb\tc\r""#), ("a\u{0}b", #""a\0b""#),
        ("\u{202E}port", #""\u{202E}port""#), ("zero\u{200B}width", #""zero\u{200B}width""#), ("nb\u{A0}sp", "\"nb\u{A0}sp\""),
    ])
    func aKeyPathComponentIsThePlainNameOrAQuotedEscapedOne(name: String, component: String) {
        #expect(ConfigurationError.pathComponent(name) == component)
    }

    @Test func errorDescriptionIsKeyThenMessage() {
        #expect(ConfigurationError(key: "clusters[0].bogus", "unknown key").description == "clusters[0].bogus: unknown key")
    }
}

@Suite struct ClusterSelectionTests {
    static let twoClusters = ExporterConfiguration(clusters: [
        ClusterConfiguration(name: "prod", bootstrapBrokers: "kafka-1:9092"),
        ClusterConfiguration(name: "staging", bootstrapBrokers: "staging:9092"),
    ])

    @Test func namedClusterIsFound() throws {
        #expect(try Self.twoClusters.cluster(named: "staging") == ClusterConfiguration(name: "staging", bootstrapBrokers: "staging:9092"))
        #expect(try Self.twoClusters.cluster(named: "prod") == ClusterConfiguration(name: "prod", bootstrapBrokers: "kafka-1:9092"))
    }

    @Test func unknownNameListsTheConfiguredClusters() {
        #expect(throws: ConfigurationError(key: "clusters", "no cluster named 'dev' (configured: prod, staging)")) {
            try Self.twoClusters.cluster(named: "dev")
        }
    }

    @Test func noNameWithOneClusterIsThatCluster() throws {
        let configuration = ExporterConfiguration(clusters: [ClusterConfiguration(name: "prod", bootstrapBrokers: "kafka-1:9092")])
        #expect(try configuration.cluster(named: nil) == ClusterConfiguration(name: "prod", bootstrapBrokers: "kafka-1:9092"))
    }

    @Test func noClusterConfiguredIsAnError() {
        #expect(throws: ConfigurationError(key: "clusters", "no cluster is configured")) {
            try ExporterConfiguration().cluster(named: nil)
        }
    }

    @Test func noNameWithTwoClustersAsksToChoose() {
        #expect(throws: ConfigurationError(key: "clusters", "2 clusters are configured (prod, staging): choose one with --cluster")) {
            try Self.twoClusters.cluster(named: nil)
        }
    }
}

@Suite struct DurationParserTests {
    @Test(arguments: [
        ("30s", Duration.seconds(30)),
        ("30", .seconds(30)),
        ("45", .seconds(45)),
        ("30 seconds", .seconds(30)),
        ("1 second", .seconds(1)),
        ("5 sec", .seconds(5)),
        ("5 secs", .seconds(5)),
        ("  30s  ", .seconds(30)),
        ("30S", .seconds(30)),
        ("1.5s", .milliseconds(1500)),
        ("0.25", .milliseconds(250)),
        ("500ms", .milliseconds(500)),
        ("500 millis", .milliseconds(500)),
        ("500 milli", .milliseconds(500)),
        ("250 milliseconds", .milliseconds(250)),
        ("1 millisecond", .milliseconds(1)),
        ("1.4ms", .milliseconds(1)),
        ("1.5ms", .milliseconds(2)),
        ("2m", .seconds(120)),
        ("2 min", .seconds(120)),
        ("2 mins", .seconds(120)),
        ("1 minute", .seconds(60)),
        ("10 minutes", .seconds(600)),
        ("0.5m", .seconds(30)),
        ("1h", .seconds(3600)),
        ("2 hours", .seconds(7200)),
        ("1 hour", .seconds(3600)),
        ("0s", .zero),
        ("0", .zero),
    ])
    func parses(text: String, duration: Duration) {
        #expect(DurationParser.parse(text) == duration)
    }

    @Test(arguments: [
        "", " ", "s", "ms", "soon", "-5s", "+5s", "5x", "5 days", "1d", "1e3", "1.2.3s", "5 s s", ".", "30s\n",
        "10000000000000000h", "99999999999999999999", "87601h",
    ])
    func rejects(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }
}

/// The example file shipped in config/ stays valid.
@Suite struct ShippedConfigurationTests {
    @Test func exampleConfigurationLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/exporter.yaml").path
        let configuration = try ExporterConfiguration.load(file: path)
        let cluster = try configuration.cluster(named: nil)
        #expect(cluster.name == "local")
        #expect(cluster.bootstrapBrokers == "127.0.0.1:9092")
        #expect(cluster.topicDenylist == ["__.*"])
        #expect(cluster.labels == ["environment": "demo"])
        #expect(configuration.pollInterval == .seconds(30))
    }
}
