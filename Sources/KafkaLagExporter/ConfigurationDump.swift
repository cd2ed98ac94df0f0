import KafkaAdmin
import LagCore
import Yams

/// The effective configuration as YAML, for `serve --print-config`: what the
/// daemon would run with after defaults < file < environment < flags, in the
/// configuration file's own keys, so that the output is itself a valid
/// configuration file.
///
/// Values of secret-looking client properties (``KafkaClientConfiguration/isSecret(property:)``:
/// passwords, keys, tokens, JAAS) are replaced by `<redacted>`; `${env:}` and
/// `${file:}` references are shown resolved, so a non-secret value such as a
/// user name read from the environment is visible.
///
/// - Important: a new configuration key must be added here too; a secret one
///   must be redacted.
enum ConfigurationDump {
    /// What a secret value is replaced with.
    static let redacted = "<redacted>"

    /// The YAML document, comment header included, ending in a newline.
    static func yaml(_ configuration: ExporterConfiguration) throws -> String {
        let header = """
            # kafka-lag-exporter effective configuration (defaults < file < environment < flags).
            # Secret client properties are shown as \(redacted).

            """
        return header + (try Yams.serialize(node: node(configuration)))
    }

    static func node(_ configuration: ExporterConfiguration) -> Node {
        mapping([
            ("port", scalar(String(configuration.port))),
            ("poll-interval", scalar(durationText(configuration.pollInterval))),
            ("kafka-client-timeout", scalar(durationText(configuration.kafkaClientTimeout))),
            ("client-group-id", scalar(configuration.clientGroupId)),
            ("lookup-table-size", scalar(String(configuration.lookupTableSize))),
            ("status-window", scalar(String(configuration.statusWindow))),
            ("max-failed-polls", scalar(String(configuration.maxFailedPolls))),
            ("group-read-concurrency", scalar(String(configuration.groupReadConcurrency))),
            ("metric-allowlist", sequence(configuration.metricAllowlist)),
            ("log-level", scalar(configuration.logLevel)),
            ("log-format", scalar(configuration.logFormat)),
            ("shard", scalar(configuration.shard.description)),
            ("clusters", .sequence(.init(configuration.clusters.map(node)))),
        ])
    }

    static func node(_ cluster: ClusterConfiguration) -> Node {
        let properties = cluster.clientProperties.sorted { $0.key < $1.key }.map { key, value in
            (key, scalar(KafkaClientConfiguration.isSecret(property: key) ? redacted : value))
        }
        return mapping([
            ("name", scalar(cluster.name)),
            ("bootstrap-brokers", scalar(cluster.bootstrapBrokers)),
            ("group-allowlist", sequence(cluster.groupAllowlist)),
            ("group-denylist", sequence(cluster.groupDenylist)),
            ("topic-allowlist", sequence(cluster.topicAllowlist)),
            ("topic-denylist", sequence(cluster.topicDenylist)),
            ("client-properties", mapping(properties)),
            ("labels", mapping(cluster.labels.sorted { $0.key < $1.key }.map { ($0.key, scalar($0.value)) })),
            ("time-lag", scalar(cluster.timeLag.rawValue)),
        ])
    }

    /// A duration in the largest whole unit the configuration accepts: `2m`, `30s`, `500ms`.
    static func durationText(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    private static func scalar(_ text: String) -> Node { Node(text) }

    private static func sequence(_ items: [String]) -> Node { .sequence(.init(items.map(scalar))) }

    private static func mapping(_ pairs: [(String, Node)]) -> Node {
        .mapping(.init(pairs.map { (scalar($0.0), $0.1) }))
    }
}
