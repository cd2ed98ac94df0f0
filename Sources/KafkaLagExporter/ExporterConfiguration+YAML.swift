import Foundation
import LagCore
import Yams

extension ExporterConfiguration {
    /// Reads and validates a YAML configuration file.
    /// - Throws: ``ConfigurationError`` naming the file or the offending key.
    static func load(
        file path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ExporterConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw ConfigurationError(key: path, "configuration file \(reason)")
        }
        return try parse(yaml: text, source: path, environment: environment)
    }

    /// Parses YAML text. Unknown keys, wrong types and bad values are errors.
    /// - Parameter environment: for `${env:NAME}` references in client properties.
    static func parse(
        yaml text: String, source: String = "configuration",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ExporterConfiguration {
        // Bounded, and never Yams' own error text: it quotes the file, which may hold a secret.
        let root = try ConfigurationYAML.compose(text, source: source)
        var configuration = ExporterConfiguration()
        guard let root, root.null == nil else { return configuration }
        let reader = try MappingReader(root, path: "")
        if let value = try reader.int("port") { configuration.port = try ConfigurationRules.port(value, key: "port") }
        if let value = try reader.duration("poll-interval") { configuration.pollInterval = value }
        if let value = try reader.duration("kafka-client-timeout") { configuration.kafkaClientTimeout = value }
        if let value = try reader.string("client-group-id") { configuration.clientGroupId = value }
        if let value = try reader.int("lookup-table-size") {
            configuration.lookupTableSize = try ConfigurationRules.integer(
                value, in: ConfigurationRules.lookupTableSize, key: "lookup-table-size")
        }
        if let value = try reader.int("max-failed-polls") {
            configuration.maxFailedPolls = try ConfigurationRules.integer(
                value, in: ConfigurationRules.maxFailedPolls, key: "max-failed-polls")
        }
        if let value = try reader.int("group-read-concurrency") {
            configuration.groupReadConcurrency = try ConfigurationRules.integer(
                value, in: ConfigurationRules.groupReadConcurrency, key: "group-read-concurrency")
        }
        if let value = try reader.int("status-window") {
            configuration.statusWindow = try ConfigurationRules.integer(value, in: ConfigurationRules.statusWindow, key: "status-window")
        }
        if let value = try reader.stringList("metric-allowlist", aliases: ["metric-whitelist"]) {
            configuration.metricAllowlist = try ConfigurationRules.regexes(value, key: "metric-allowlist")
        }
        if let value = try reader.string("log-level") { configuration.logLevel = try ConfigurationRules.logLevel(value, key: "log-level") }
        if let value = try reader.string("log-format") {
            configuration.logFormat = try ConfigurationRules.logFormat(value, key: "log-format")
        }
        if let value = try reader.string("shard") { configuration.shard = try ConfigurationRules.shard(value, key: "shard") }
        if let clusters = reader.node("clusters") {
            guard let sequence = clusters.sequence else { throw ConfigurationError(key: "clusters", "must be a list of clusters") }
            for (index, node) in sequence.enumerated() {
                var cluster = try ClusterConfiguration(node, path: "clusters[\(index)]")
                try cluster.resolveSecretReferences(path: "clusters[\(index)]", environment: environment)
                configuration.clusters.append(cluster)
            }
        }
        try reader.rejectUnknownKeys()

        var seen = Set<String>()
        for cluster in configuration.clusters where !seen.insert(cluster.name).inserted {
            throw ConfigurationError(key: "clusters", "duplicate cluster name '\(cluster.name)'")
        }
        return configuration
    }
}

extension ClusterConfiguration {
    init(_ node: Node, path: String) throws(ConfigurationError) {
        let reader = try MappingReader(node, path: path)
        guard let name = try reader.string("name"), !name.isEmpty else {
            throw ConfigurationError(key: "\(path).name", "is required")
        }
        guard let brokers = try reader.string("bootstrap-brokers", aliases: ["bootstrap-servers"]), !brokers.isEmpty else {
            throw ConfigurationError(key: "\(path).bootstrap-brokers", "is required")
        }
        self.init(name: name, bootstrapBrokers: try ConfigurationRules.brokers(brokers, key: "\(path).bootstrap-brokers"))
        groupAllowlist = try reader.stringList("group-allowlist", aliases: ["group-whitelist"]) ?? []
        groupDenylist = try reader.stringList("group-denylist", aliases: ["group-blacklist"]) ?? []
        topicAllowlist = try reader.stringList("topic-allowlist", aliases: ["topic-whitelist"]) ?? []
        topicDenylist = try reader.stringList("topic-denylist", aliases: ["topic-blacklist"]) ?? []
        // The original keeps consumer and admin properties apart; one client reads
        // everything here, so both maps merge (admin properties win).
        clientProperties = try reader.stringMap("consumer-properties") ?? [:]
        for (key, value) in try reader.stringMap("admin-client-properties") ?? [:] { clientProperties[key] = value }
        for (key, value) in try reader.stringMap("client-properties") ?? [:] { clientProperties[key] = value }
        labels = try reader.stringMap("labels") ?? [:]
        if let mode = try reader.string("time-lag") {
            guard let value = TimeLagMode(rawValue: mode) else {
                throw ConfigurationError(key: "\(path).time-lag", "must be interpolated or exact, got '\(mode)'")
            }
            timeLag = value
        }
        if reader.node("reads") != nil {
            throw ConfigurationError(
                key: "\(path).reads", "is no longer a setting: every read goes through librdkafka; remove the key")
        }
        for name in labels.keys.sorted() {
            guard Self.isValidLabelName(name) else {
                throw ConfigurationError(key: "\(path).labels.\(ConfigurationError.pathComponent(name))", "is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
            }
            guard !Self.reservedLabels.contains(name) else {
                throw ConfigurationError(key: "\(path).labels.\(ConfigurationError.pathComponent(name))", "is a label the exporter sets itself")
            }
        }
        try reader.rejectUnknownKeys()
        _ = try groupFilter()
        _ = try topicFilter()
    }
}

extension ClusterConfiguration {
    /// Replaces `${env:NAME}` and `${file:PATH}` in client-property values with
    /// the variable's value or the file's content (trailing newline removed), so
    /// that passwords and keys stay out of the file. A missing variable or an
    /// unreadable file is an error that names the property and the reference,
    /// never a value.
    mutating func resolveSecretReferences(path: String, environment: [String: String]) throws(ConfigurationError) {
        for (key, value) in clientProperties where value.hasPrefix("${") && value.hasSuffix("}") {
            let reference = value.dropFirst(2).dropLast()
            let keyPath = "\(path).client-properties.\(ConfigurationError.pathComponent(key))"
            if reference.hasPrefix("env:") {
                let name = String(reference.dropFirst(4))
                guard let resolved = environment[name] else {
                    throw ConfigurationError(key: keyPath, "environment variable \(name) is not set")
                }
                clientProperties[key] = resolved
            } else if reference.hasPrefix("file:") {
                let file = String(reference.dropFirst(5))
                var content = try Self.readSecretFile(file, keyPath: keyPath)
                while content.hasSuffix("\n") || content.hasSuffix("\r") { content.removeLast() }
                clientProperties[key] = content
            } else {
                throw ConfigurationError(key: keyPath, "unknown reference; use ${env:NAME} or ${file:PATH}")
            }
        }
    }

    /// The content of a `${file:PATH}` reference: a regular file (symbolic
    /// links followed, as Kubernetes mounts secrets) of at most 1 MiB, so that
    /// a device or a pipe (`/dev/zero`, `/dev/stdin`) cannot hang the start.
    private static func readSecretFile(_ file: String, keyPath: String) throws(ConfigurationError) -> String {
        let url = URL(fileURLWithPath: file).resolvingSymlinksInPath()
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        guard let attributes else { throw ConfigurationError(key: keyPath, "cannot read file \(file)") }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ConfigurationError(key: keyPath, "\(file) is not a regular file")
        }
        guard (attributes[.size] as? NSNumber)?.intValue ?? 0 <= YAMLInputLimits.maximumSize,
              let content = try? String(contentsOf: url, encoding: .utf8) else {
            throw ConfigurationError(key: keyPath, "cannot read file \(file) (UTF-8 text of at most 1 MiB)")
        }
        return content
    }

    /// Labels the exporter's own series carry; extra labels may not reuse them.
    static let reservedLabels: Set<String> = [
        "cluster_name", "group", "topic", "partition", "member_host", "consumer_id", "client_id", "status", "state", "type",
        "le", "quantile",
    ]

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !name.hasPrefix("__") else { return false }
        let isLetter = { (scalar: Unicode.Scalar) in ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }
}

/// Reads a YAML mapping key by key and remembers which keys were read, so that
/// the rest can be rejected as unknown. Also reads the web configuration file
/// (``WebConfiguration``).
final class MappingReader {
    private let entries: [(key: String, value: Node)]
    private let path: String
    private var used = Set<String>()

    init(_ node: Node, path: String) throws(ConfigurationError) {
        guard let mapping = node.mapping else {
            throw ConfigurationError(key: path.isEmpty ? "configuration" : path, "must be a mapping of keys to values")
        }
        var entries: [(String, Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !name.isEmpty else {
                throw ConfigurationError(key: path.isEmpty ? "configuration" : path, "keys must be non-empty strings")
            }
            entries.append((name, value))
        }
        self.entries = entries
        self.path = path
    }

    private func keyPath(_ key: String) -> String {
        let component = ConfigurationError.pathComponent(key)
        return path.isEmpty ? component : "\(path).\(component)"
    }

    func node(_ key: String, aliases: [String] = []) -> Node? {
        for name in [key] + aliases {
            if let entry = entries.first(where: { $0.key == name }) {
                used.insert(name)
                return entry.value
            }
        }
        return nil
    }

    func string(_ key: String, aliases: [String] = []) throws(ConfigurationError) -> String? {
        guard let node = node(key, aliases: aliases) else { return nil }
        guard let scalar = node.scalar else { throw ConfigurationError(key: keyPath(key), "must be a single value") }
        return scalar.string
    }

    func int(_ key: String) throws(ConfigurationError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text) else { throw ConfigurationError(key: keyPath(key), "must be an integer, got '\(text)'") }
        return value
    }

    func duration(_ key: String) throws(ConfigurationError) -> Duration? {
        guard let text = try string(key) else { return nil }
        return try ConfigurationRules.duration(text, key: keyPath(key))
    }

    func stringList(_ key: String, aliases: [String] = []) throws(ConfigurationError) -> [String]? {
        guard let node = node(key, aliases: aliases) else { return nil }
        if node.null != nil { return [] }
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else { throw ConfigurationError(key: keyPath(key), "must be a list of strings") }
        var values: [String] = []
        for item in sequence {
            guard let scalar = item.scalar else { throw ConfigurationError(key: keyPath(key), "must be a list of strings") }
            values.append(scalar.string)
        }
        return values
    }

    func stringMap(_ key: String) throws(ConfigurationError) -> [String: String]? {
        guard let node = node(key) else { return nil }
        if node.scalar?.string == "" || node.null != nil { return [:] }
        guard let mapping = node.mapping else { throw ConfigurationError(key: keyPath(key), "must be a mapping of names to values") }
        var values: [String: String] = [:]
        for (name, value) in mapping {
            guard let name = name.scalar?.string, let value = value.scalar?.string else {
                throw ConfigurationError(key: keyPath(key), "must map names to single values")
            }
            values[name] = value
        }
        return values
    }

    func rejectUnknownKeys() throws(ConfigurationError) {
        if let unknown = entries.first(where: { !used.contains($0.key) }) {
            throw ConfigurationError(key: keyPath(unknown.key), "unknown key")
        }
    }
}

/// Durations as written in the configuration: `30s`, `500ms`, `2m`, `1h`, a
/// plain number of seconds, or the original's `30 seconds` form.
enum DurationParser {
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        let seconds: Double
        switch unit {
        case "", "s", "sec", "secs", "second", "seconds": seconds = value
        case "ms", "milli", "millis", "millisecond", "milliseconds": seconds = value / 1000
        case "m", "min", "mins", "minute", "minutes": seconds = value * 60
        case "h", "hour", "hours": seconds = value * 3600
        default: return nil
        }
        // At most ten years: far beyond any sensible interval, far below Int64 overflow.
        guard seconds <= 10 * 365 * 24 * 3600 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
