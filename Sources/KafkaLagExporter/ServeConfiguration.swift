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
        typealias Rules = ConfigurationRules
        if let text = value("PORT") {
            configuration.port = try Rules.integer(text, in: Rules.ports, key: prefix + "PORT")
        }
        if let text = value("POLL_INTERVAL_SECONDS") {
            configuration.pollInterval = try Rules.duration(text, key: prefix + "POLL_INTERVAL_SECONDS")
        }
        if let text = value("KAFKA_CLIENT_TIMEOUT_SECONDS") {
            configuration.kafkaClientTimeout = try Rules.duration(text, key: prefix + "KAFKA_CLIENT_TIMEOUT_SECONDS")
        }
        if let text = value("LOOKUP_TABLE_SIZE") {
            configuration.lookupTableSize = try Rules.integer(text, in: Rules.lookupTableSize, key: prefix + "LOOKUP_TABLE_SIZE")
        }
        if let text = value("GROUP_READ_CONCURRENCY") {
            configuration.groupReadConcurrency = try Rules.integer(
                text, in: Rules.groupReadConcurrency, key: prefix + "GROUP_READ_CONCURRENCY")
        }
        if let id = value("CLIENT_GROUP_ID") { configuration.clientGroupId = id }
        if let file = value("WEB_CONFIG_FILE") { configuration.webConfigFile = file }
        if let level = value("LOG_LEVEL") { configuration.logLevel = try Rules.logLevel(level, key: prefix + "LOG_LEVEL") }
        if let format = value("LOG_FORMAT") { configuration.logFormat = try Rules.logFormat(format, key: prefix + "LOG_FORMAT") }
        if let shard = value("SHARD") {
            configuration.shard = try Rules.shard(shard, key: prefix + "SHARD")
            configuration.shardSource = prefix + "SHARD"
        }
        // KAFKA_LAG_EXPORTER_CLUSTERS_<n>_NAME / _BOOTSTRAP_BROKERS, as in the original's reference.conf.
        var index = 0
        while let text = value("CLUSTERS_\(index)_BOOTSTRAP_BROKERS") {
            let brokers = try Rules.brokers(text, key: prefix + "CLUSTERS_\(index)_BOOTSTRAP_BROKERS")
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
