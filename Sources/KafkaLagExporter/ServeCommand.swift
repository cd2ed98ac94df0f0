import ArgumentParser
import Foundation
import Hummingbird
import KafkaAdmin
import LagCore
import LagPoll
import Logging
import ServiceLifecycle
import UnixSignals

/// `kafka-lag-exporter serve`: poll every configured cluster and serve
/// kafka-lag-exporter's metric family at `/metrics` for Prometheus.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Poll clusters and serve consumer-lag metrics at /metrics (the default command).",
        discussion: """
            Settings come from, lowest precedence first: built-in defaults, the configuration
            file (--config, or $KAFKA_LAG_EXPORTER_CONFIG), environment variables
            (KAFKA_LAG_EXPORTER_PORT, KAFKA_LAG_EXPORTER_POLL_INTERVAL_SECONDS, ...; see
            docs/configuration.md), then these flags. SIGTERM or SIGINT stops polling and exits 0.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Exporter configuration file (YAML).", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: "HTTP port (0: any free port).")
    var port: Int?

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "0.0.0.0"

    @Option(name: .long, help: ArgumentHelp("Poll interval, e.g. 30s.", valueName: "DURATION"))
    var pollInterval: String?

    @Option(name: .long, help: ArgumentHelp("Upper bound for one poll's requests, e.g. 10s.", valueName: "DURATION"))
    var kafkaClientTimeout: String?

    @Option(name: .long, help: ArgumentHelp("Watch this cluster (in addition to or instead of the file's).", valueName: "host:port"))
    var bootstrapServers: String?

    @Option(name: .long, help: ArgumentHelp("Name of the --bootstrap-servers cluster.", valueName: "NAME"))
    var clusterName: String = "default"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(name: .long, help: "Log format: logfmt or json.")
    var logFormat: String?

    @Option(name: .long, help: ArgumentHelp(
        "TLS and basic auth for the HTTP endpoint, in the Prometheus exporters' web-config.yml format.", valueName: "FILE"))
    var webConfigFile: String?

    @Option(name: .long, help: ArgumentHelp("Close HTTP connections idle this long (default 90s).", valueName: "DURATION"))
    var webIdleTimeout: String?

    @Option(name: .long, help: "Most HTTP connections served at once (default 4096).")
    var webMaxConnections: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Report only shard i of N (0-based) of the groups and partition gauges; auto/N takes i from the StatefulSet pod ordinal (POD_NAME or HOSTNAME).",
        valueName: "i/N"))
    var shard: String?

    @Flag(name: .long, help: "Print the effective configuration as YAML (secrets redacted) and exit.")
    var printConfig = false

    func validate() throws {
        typealias Rules = ConfigurationRules
        try Rules.flag { () throws(ConfigurationError) in
            if let port { _ = try Rules.port(port, key: "--port") }
            if let bootstrapServers { _ = try Rules.brokers(bootstrapServers, key: "--bootstrap-servers") }
            for (flag, value) in [
                ("--poll-interval", pollInterval), ("--kafka-client-timeout", kafkaClientTimeout), ("--web-idle-timeout", webIdleTimeout),
            ] {
                if let value { _ = try Rules.duration(value, key: flag) }
            }
            if let webMaxConnections { _ = try Rules.integer(webMaxConnections, in: 1...Int.max, key: "--web-max-connections") }
            if let logLevel { _ = try Rules.logLevel(logLevel, key: "--log-level") }
            if let logFormat { _ = try Rules.logFormat(logFormat, key: "--log-format") }
            if let shard { _ = try Rules.shard(shard, key: "--shard") }
        }
    }

    /// The effective configuration: defaults < file < environment < flags.
    func resolveConfiguration(environment: [String: String]) throws(ConfigurationError) -> ExporterConfiguration {
        var configuration = ExporterConfiguration()
        if let path = config ?? environment["KAFKA_LAG_EXPORTER_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            configuration = try ExporterConfiguration.load(file: path)
        }
        try EnvironmentOverrides.apply(environment, to: &configuration)
        if let port { configuration.port = port }
        if let value = pollInterval.flatMap(DurationParser.parse) { configuration.pollInterval = value }
        if let value = kafkaClientTimeout.flatMap(DurationParser.parse) { configuration.kafkaClientTimeout = value }
        if let logLevel { configuration.logLevel = logLevel }
        if let logFormat { configuration.logFormat = logFormat }
        if let webConfigFile { configuration.webConfigFile = webConfigFile }
        if let setting = shard.flatMap({ try? Shard.Setting(parsing: $0) }) {
            configuration.shard = setting
            configuration.shardSource = "--shard"
        }
        if let bootstrapServers {
            if let index = configuration.clusters.firstIndex(where: { $0.name == clusterName }) {
                configuration.clusters[index].bootstrapBrokers = bootstrapServers
            } else {
                configuration.clusters.append(ClusterConfiguration(name: clusterName, bootstrapBrokers: bootstrapServers))
            }
        }
        guard !configuration.clusters.isEmpty else {
            throw ConfigurationError(key: "clusters", "no cluster is configured: give --config FILE or --bootstrap-servers host:port")
        }
        return configuration
    }

    /// The shard this process reports: `auto/N` takes its index from the pod name.
    /// - Throws: ``ConfigurationError`` naming the key, variable or flag that set `shard`.
    static func resolveShard(
        _ configuration: ExporterConfiguration, environment: [String: String]
    ) throws(ConfigurationError) -> Shard {
        do {
            return try configuration.shard.resolve(environment: environment)
        } catch {
            throw ConfigurationError(key: configuration.shardSource, error.message)
        }
    }

    func run() async throws {
        let configuration: ExporterConfiguration
        let metricFilter: NameFilter
        let shard: Shard
        var pollers: [ClusterPoller] = []
        let store: MetricsStore
        do {
            configuration = try resolveConfiguration(environment: ProcessInfo.processInfo.environment)
            shard = try Self.resolveShard(configuration, environment: ProcessInfo.processInfo.environment)
            do {
                metricFilter = try NameFilter(allow: configuration.metricAllowlist)
            } catch {
                throw ConfigurationError(key: "metric-allowlist", error.description)
            }
            store = MetricsStore(clusters: configuration.clusters, pollInterval: configuration.pollInterval)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        if printConfig {
            print(try ConfigurationDump.yaml(configuration), terminator: "")
            return
        }

        // A bad web configuration (file, key, certificate) stops here, before any Kafka client exists.
        let web: WebEndpoint
        do {
            web = try webEndpoint(configuration)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }

        let format = StructuredLogHandler.Format(rawValue: configuration.logFormat) ?? .logfmt
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let makeLogger = { (label: String, level: Logger.Level) -> Logger in
            var logger = Logger(label: label) { StructuredLogHandler(format: format, label: $0) }
            logger.logLevel = level
            return logger
        }
        let logger = makeLogger("kafka-lag-exporter", level)
        // librdkafka is chatty at info; its warnings and errors are worth seeing.
        let rdkafkaLogger = makeLogger("rdkafka", max(level, .warning))

        do {
            for cluster in configuration.clusters {
                var collector = try cluster.makeCollector(
                    requestTimeout: configuration.kafkaClientTimeout, clientGroupId: configuration.clientGroupId,
                    readsRecordTimestamps: true, logger: rdkafkaLogger)
                collector.shard = shard
                collector.readsPartitionGauges = true
                collector.groupConcurrency = configuration.groupReadConcurrency
                pollers.append(ClusterPoller(
                    collector: collector, store: store, interval: configuration.pollInterval,
                    timeout: configuration.kafkaClientTimeout, logger: logger,
                    lookupTableSize: configuration.lookupTableSize, statusWindow: configuration.statusWindow,
                    maxFailedPolls: configuration.maxFailedPolls))
            }
        } catch let error as KafkaAdminError {
            printError(error.description)
            throw ExitStatus.usage
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }

        var endpoints = HTTPEndpoints(store: store, families: MetricsExposition.FamilySelection(metricFilter), shard: shard)
        endpoints.basicAuth = web.basicAuth
        let httpLogger = makeLogger("http", max(level, .notice))
        let clusterNames = configuration.clusters.map(\.name).joined(separator: ",")
        let app = Application(
            router: endpoints.router(),
            server: web.server,
            configuration: web.applicationConfiguration(host: host, port: configuration.port, logger: httpLogger),
            services: pollers,
            onServerRunning: { channel in
                logger.info("kafka-lag-exporter started", metadata: [
                    "version": "\(Version.exporter)", "librdkafka": "\(KafkaAdminClient.librdkafkaVersion)",
                    "clusters": "\(clusterNames)", "port": "\(channel.localAddress?.port ?? configuration.port)",
                    "poll_interval_ms": "\(configuration.pollInterval.milliseconds)", "shard": "\(shard)",
                    "web_tls": "\(web.tls)", "web_basic_auth": "\(web.basicAuth != nil)",
                    "web_max_connections": "\(web.maxConnections)", "web_idle_timeout_ms": "\(web.limits.idleTimeout.milliseconds)",
                ])
            },
            logger: httpLogger
        )
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            logger.critical("server failed", metadata: ["error": "\(error)"])
            throw ExitStatus.unavailable
        }
        logger.info("kafka-lag-exporter stopped")
    }
}
