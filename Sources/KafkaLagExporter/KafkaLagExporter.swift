import ArgumentParser
import KafkaAdmin

/// The `kafka-lag-exporter` command: a Kafka consumer-lag exporter.
@main
struct KafkaLagExporter: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "kafka-lag-exporter",
            abstract: "Kafka consumer-group lag: a one-shot printout today, a Prometheus exporter next.",
            discussion: """
                Exit codes:
                  0   success (also when no consumer group matches)
                  64  usage or configuration error (bad flag, regex, config file, cluster name)
                  69  the cluster could not be reached or answered with an error
                """,
            version: Version.description,
            subcommands: [LagCommand.self]
        )
    }
}

enum Version {
    static let exporter = "0.1.0"
    /// The exporter's version and the librdkafka loaded at run time.
    static var description: String {
        "kafka-lag-exporter \(exporter) (librdkafka \(KafkaAdminClient.librdkafkaVersion))"
    }
}

/// Exit codes, as documented in `--help`.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let unavailable = ExitCode(69)
}
