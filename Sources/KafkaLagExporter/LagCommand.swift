import ArgumentParser
import Foundation
import KafkaAdmin
import LagCore
import LagPoll
import Logging

/// `kafka-lag-exporter lag`: print every consumer group's lag once and exit.
struct LagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Print the lag of every consumer group once, like kafka-consumer-groups --describe.",
        discussion: """
            Lag = max(0, log-end offset - committed offset), per partition. A partition of a
            topic the group consumes but has no commit for shows '-' (null in JSON).
            Regexes match whole names (as in kafka-lag-exporter): 'orders' does not match 'orders-dlq'.

            Exit codes: 0 success (also when no group matches), 64 usage or configuration
            error, 69 the cluster could not be reached or answered with an error.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Bootstrap servers, host:port[,host:port]. Required unless --config names a cluster.",
                                             valueName: "host:port"))
    var bootstrapServers: String?

    @Option(name: .customLong("group"), help: ArgumentHelp("Only groups matching REGEX (repeatable).", valueName: "REGEX"))
    var groups: [String] = []

    @Option(name: .customLong("exclude-group"), help: ArgumentHelp("Skip groups matching REGEX (repeatable).", valueName: "REGEX"))
    var excludedGroups: [String] = []

    @Option(name: .customLong("topic"), help: ArgumentHelp("Only topics matching REGEX (repeatable).", valueName: "REGEX"))
    var topics: [String] = []

    @Option(name: .customLong("exclude-topic"), help: ArgumentHelp("Skip topics matching REGEX (repeatable).", valueName: "REGEX"))
    var excludedTopics: [String] = []

    @Option(name: .long, help: "Output format: table, json or csv.")
    var output: OutputFormat = .table

    @Option(name: .long, help: ArgumentHelp("Give up after SECONDS (all requests together).", valueName: "SECONDS"))
    var timeout: Double = 10

    @Option(name: .customShort("X"), help: ArgumentHelp(
        "librdkafka client property key=value, e.g. security.protocol=SSL (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    @Option(name: .long, help: ArgumentHelp("Read the cluster from this exporter configuration file.", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The cluster of --config to use (needed when it has several).", valueName: "NAME"))
    var cluster: String?

    @Option(name: .long, help: ArgumentHelp(
        "Poll N times, --sample-interval apart, to add STATUS and LAG-SECONDS (lag_seconds, status in JSON/CSV).",
        valueName: "N"))
    var samples: Int = 1

    @Option(name: .long, help: ArgumentHelp("Seconds between --samples polls.", valueName: "SECONDS"))
    var sampleInterval: Double = 2

    @Flag(name: .long, help: "Live view of every group (status, lag, lag in seconds, rates, drain), refreshed until Ctrl-C.")
    var watch = false

    @Option(name: .long, help: ArgumentHelp("Seconds between --watch refreshes.", valueName: "SECONDS"))
    var refresh: Double = 5

    @Option(name: .long, help: ArgumentHelp("Stop --watch after N refreshes.", valueName: "N"))
    var iterations: Int?

    @Flag(name: .shortAndLong, help: "Log librdkafka's diagnostics to standard error.")
    var verbose = false

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
        if cluster != nil && config == nil { throw ValidationError("--cluster needs --config FILE") }
        guard (1...1000).contains(samples) else { throw ValidationError("--samples must be between 1 and 1000, got \(samples)") }
        guard sampleInterval > 0, sampleInterval.isFinite else {
            throw ValidationError("--sample-interval must be a positive number of seconds, got \(sampleInterval)")
        }
        guard refresh > 0, refresh.isFinite else { throw ValidationError("--refresh must be a positive number of seconds, got \(refresh)") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if config == nil && bootstrapServers == nil {
            throw ValidationError("--bootstrap-servers is required (or --config FILE naming a cluster)")
        }
        if let bootstrapServers { try ConfigurationRules.flag { () throws(ConfigurationError) in
            try ConfigurationRules.brokers(bootstrapServers, key: "--bootstrap-servers")
        } }
        for property in properties where !property.contains("=") || property.hasPrefix("=") {
            throw ValidationError("-X expects key=value, got '\(property)'")
        }
        for (flag, patterns) in [("--group", groups), ("--exclude-group", excludedGroups),
                                 ("--topic", topics), ("--exclude-topic", excludedTopics)] {
            try ConfigurationRules.flag { () throws(ConfigurationError) in try ConfigurationRules.regexes(patterns, key: flag) }
        }
    }

    func run() async throws {
        let logger = makeLogger()
        let target: ClusterConfiguration
        do {
            target = try resolveCluster()
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }

        let collector: LagCollector
        do {
            // Lag in seconds only appears with a history (--samples, --watch).
            collector = try target.makeCollector(
                requestTimeout: timeoutDuration, clientGroupId: ExporterConfiguration().clientGroupId,
                readsRecordTimestamps: samples > 1 || watch, logger: logger)
        } catch let error as KafkaAdminError {
            printError(error.description)
            throw ExitStatus.usage
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }

        if watch {
            let status = await self.watch(collector)
            if status != 0 { throw ExitStatus.unavailable }
            return
        }

        let outcome: LagCollector.Outcome
        var insights: LagInsights?
        do {
            if samples > 1 {
                (outcome, insights) = try await sampled(collector)
            } else {
                outcome = try await collector.collect(timeout: timeoutDuration)
            }
        } catch {
            printError(error.description)
            throw error.kind == .configuration ? ExitStatus.usage : ExitStatus.unavailable
        }
        for (group, error) in outcome.groupFailures.sorted(by: { $0.key < $1.key }) {
            printError("group '\(group)' skipped: \(error.description)", prefix: "warning")
        }
        for (group, error) in outcome.describeFailures.sorted(by: { $0.key < $1.key }) {
            printError("group '\(group)' shown without members: describe failed: \(error.description)", prefix: "warning")
        }

        let report = LagReport(snapshot: outcome.snapshot, insights: insights)
        if report.rows.isEmpty && output != .table {
            printError("no consumer group matches (\(report.totalGroupCount) group(s) on cluster \(report.cluster))", prefix: "note")
        }
        FileHandle.standardOutput.write(Data(output.render(report).utf8))
    }

    /// `--timeout` as a duration: the budget of one collection.
    var timeoutDuration: Duration { .milliseconds(Int64(timeout * 1000)) }

    /// The cluster to query: from --config/--cluster, overridden by flags.
    func resolveCluster() throws -> ClusterConfiguration {
        var cluster: ClusterConfiguration
        if let config {
            cluster = try ExporterConfiguration.load(file: config).cluster(named: self.cluster)
            if let bootstrapServers { cluster.bootstrapBrokers = bootstrapServers }
        } else {
            cluster = ClusterConfiguration(name: "default", bootstrapBrokers: bootstrapServers ?? "")
        }
        if !groups.isEmpty { cluster.groupAllowlist = groups }
        if !excludedGroups.isEmpty { cluster.groupDenylist = excludedGroups }
        if !topics.isEmpty { cluster.topicAllowlist = topics }
        if !excludedTopics.isEmpty { cluster.topicDenylist = excludedTopics }
        for property in properties {
            let parts = property.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            cluster.clientProperties[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return cluster
    }

    private func makeLogger() -> Logger {
        var logger = Logger(label: "rdkafka") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .critical
        return logger
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// One line on standard error.
func printError(_ message: String, prefix: String = "error") {
    FileHandle.standardError.write(Data("\(prefix): \(message)\n".utf8))
}
