import LagCore
import LagPoll

/// The daemon's configuration file (`config/exporter.yaml`), also read by
/// `lag --config FILE --cluster NAME`. Every key is documented in
/// docs/configuration.md.
struct ExporterConfiguration: Sendable, Hashable {
    var port: Int = 8000
    var pollInterval: Duration = .seconds(30)
    var kafkaClientTimeout: Duration = .seconds(10)
    var clientGroupId: String = "kafkalagexporter"
    var lookupTableSize: Int = 60
    /// Polls per lag-status window (and per rate / drain estimate).
    var statusWindow: Int = 10
    /// Consecutive failed polls after which a cluster's series are withdrawn.
    var maxFailedPolls: Int = 5
    /// Consumer groups read at once per cluster (each a describe and an OffsetFetch).
    var groupReadConcurrency: Int = LagCollector.defaultGroupConcurrency
    var metricAllowlist: [String] = [".*"]
    var logLevel: String = "info"
    var logFormat: String = "logfmt"
    /// `shard: i/N` or `auto/N` (serve only; `serve` resolves `auto/N` from the pod name).
    var shard: Shard.Setting = .whole
    /// Where `shard` was last set (key, variable or flag), for error messages.
    var shardSource = "shard"
    var clusters: [ClusterConfiguration] = []
    /// The web configuration file of `serve` (TLS, basic auth; ``WebConfiguration``),
    /// from `KAFKA_LAG_EXPORTER_WEB_CONFIG_FILE` or `--web-config-file`.
    var webConfigFile: String?

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The cluster named `name`, or the only one when `name` is nil.
    func cluster(named name: String?) throws(ConfigurationError) -> ClusterConfiguration {
        if let name {
            guard let cluster = clusters.first(where: { $0.name == name }) else {
                let known = clusters.map(\.name).joined(separator: ", ")
                throw ConfigurationError(key: "clusters", "no cluster named '\(name)' (configured: \(known))")
            }
            return cluster
        }
        guard !clusters.isEmpty else { throw ConfigurationError(key: "clusters", "no cluster is configured") }
        guard clusters.count == 1 else {
            throw ConfigurationError(
                key: "clusters",
                "\(clusters.count) clusters are configured (\(clusters.map(\.name).joined(separator: ", "))): choose one with --cluster")
        }
        return clusters[0]
    }
}

/// One Kafka cluster to watch.
struct ClusterConfiguration: Sendable, Hashable {
    var name: String
    var bootstrapBrokers: String
    var groupAllowlist: [String] = []
    var groupDenylist: [String] = []
    var topicAllowlist: [String] = []
    var topicDenylist: [String] = []
    /// librdkafka client properties (security.protocol, sasl.*, ssl.*, ...).
    var clientProperties: [String: String] = [:]
    /// Extra constant labels on this cluster's series.
    var labels: [String: String] = [:]
    /// How lag in seconds is computed.
    var timeLag: TimeLagMode = .interpolated

    enum TimeLagMode: String, Sendable, Hashable, CaseIterable {
        /// From the log-end history (no extra requests).
        case interpolated
        /// From the timestamp of the oldest unconsumed record (one small fetch
        /// per lagging partition and poll), interpolation as the fallback.
        case exact
    }

    func groupFilter() throws(ConfigurationError) -> NameFilter {
        do {
            return try NameFilter(allow: groupAllowlist, deny: groupDenylist)
        } catch {
            throw ConfigurationError(key: "clusters[\(ConfigurationError.pathComponent(name))].group-\(error.role == .allow ? "allowlist" : "denylist")", error.description)
        }
    }

    func topicFilter() throws(ConfigurationError) -> NameFilter {
        do {
            return try NameFilter(allow: topicAllowlist, deny: topicDenylist)
        } catch {
            throw ConfigurationError(key: "clusters[\(ConfigurationError.pathComponent(name))].topic-\(error.role == .allow ? "allowlist" : "denylist")", error.description)
        }
    }
}

/// A configuration problem, naming the key (or file) at fault.
struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    var key: String
    var message: String

    init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    var description: String { "\(key): \(message)" }

    /// A name as one component of an error's key path: as written when it is
    /// a plain name (letters, digits, `_`, `-`, `.`, as every key the exporter
    /// knows and every librdkafka property), otherwise in double quotes, with
    /// `\` and `"` escaped and the characters a terminal would act on or hide
    /// escaped as `lag` escapes them (``TerminalText``: `\n`, `\0`,
    /// `\u{202E}`), so that a key such as `.*<<` cannot read as a path and a
    /// control or bidi character in a key cannot reach a terminal.
    static func pathComponent(_ name: String) -> String {
        let isPlain = (name.first.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false)
            && name.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
            && !name.unicodeScalars.contains(where: TerminalText.needsEscape)
        guard !isPlain else { return name }
        var quoted = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\\", "\"": quoted += "\\" + String(scalar)
            case _ where TerminalText.needsEscape(scalar): quoted += scalar.escaped(asASCII: true)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
