import Foundation
import LagCore

/// Layers the daemon's settings: built-in defaults < configuration file <
/// environment variables < command-line flags.
///
/// Environment variables use the JVM original's names where it has them
/// (`KAFKA_LAG_EXPORTER_PORT`, `KAFKA_LAG_EXPORTER_POLL_INTERVAL_SECONDS`, ...).
enum EnvironmentOverrides {
    static let prefix = "KAFKA_LAG_EXPORTER_"

    /// Applies the recognised variables of `environment` to `configuration`.
    /// - Throws: ``ConfigurationError`` naming the variable with a bad value.
    static func apply(_ environment: [String: String], to configuration: inout ExporterConfiguration) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            environment[prefix + name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func integer(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw ConfigurationError(key: prefix + name, "must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
            }
            return number
        }
        func seconds(_ name: String) throws(ConfigurationError) -> Duration? {
            guard let text = value(name) else { return nil }
            guard let duration = DurationParser.parse(text), duration > .zero else {
                throw ConfigurationError(key: prefix + name, "must be a positive duration, got '\(text)'")
            }
            return duration
        }

        if let port = try integer("PORT", in: 0...65535) { configuration.port = port }
        if let interval = try seconds("POLL_INTERVAL_SECONDS") { configuration.pollInterval = interval }
        if let timeout = try seconds("KAFKA_CLIENT_TIMEOUT_SECONDS") { configuration.kafkaClientTimeout = timeout }
        if let size = try integer("LOOKUP_TABLE_SIZE", in: 2...100_000) { configuration.lookupTableSize = size }
        if let id = value("CLIENT_GROUP_ID") { configuration.clientGroupId = id }
        if let file = value("WEB_CONFIG_FILE") { configuration.webConfigFile = file }
        if let level = value("LOG_LEVEL") {
            guard ExporterConfiguration.logLevels.contains(level) else {
                throw ConfigurationError(key: prefix + "LOG_LEVEL", "must be one of \(ExporterConfiguration.logLevels.joined(separator: ", ")), got '\(level)'")
            }
            configuration.logLevel = level
        }
        if let format = value("LOG_FORMAT") {
            guard ["logfmt", "json"].contains(format) else {
                throw ConfigurationError(key: prefix + "LOG_FORMAT", "must be logfmt or json, got '\(format)'")
            }
            configuration.logFormat = format
        }
        if let shard = value("SHARD") {
            do {
                configuration.shard = try Shard.Setting(parsing: shard)
            } catch {
                throw ConfigurationError(key: prefix + "SHARD", error.message)
            }
            configuration.shardSource = prefix + "SHARD"
        }
        // KAFKA_LAG_EXPORTER_CLUSTERS_<n>_NAME / _BOOTSTRAP_BROKERS, as in the original's reference.conf.
        var index = 0
        while let brokers = value("CLUSTERS_\(index)_BOOTSTRAP_BROKERS") {
            let name = value("CLUSTERS_\(index)_NAME") ?? (index == 0 ? "default" : "cluster-\(index)")
            if index < configuration.clusters.count {
                configuration.clusters[index].bootstrapBrokers = brokers
                if value("CLUSTERS_\(index)_NAME") != nil { configuration.clusters[index].name = name }
            } else {
                configuration.clusters.append(ClusterConfiguration(name: name, bootstrapBrokers: brokers))
            }
            index += 1
        }
    }
}
