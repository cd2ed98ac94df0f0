import ArgumentParser
import Foundation
import KafkaAdmin

/// The `kafka-lag-exporter` command: a Kafka consumer-lag exporter.
@main
struct KafkaLagExporter: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "kafka-lag-exporter",
            abstract: "Kafka consumer-group lag for Prometheus (serve) and for people (lag).",
            discussion: """
                Exit codes:
                  0   success (also when no consumer group matches)
                  64  usage or configuration error (bad flag, regex, config file, cluster name)
                  69  the cluster could not be reached or answered with an error
                """,
            version: Version.description,
            subcommands: [ServeCommand.self, LagCommand.self],
            defaultSubcommand: ServeCommand.self
        )
    }

    /// Runs the command; a usage error prints one line (not the whole usage
    /// text) and exits 64. Help, version and other exits behave as usual.
    static func main() async {
        let failure: (any Error)?
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            failure = nil
        } catch {
            failure = error
        }
        // No exit while a librdkafka client is still tearing down its threads.
        KafkaAdminClient.waitUntilAllClientsAreDestroyed(timeout: teardownTimeout)
        guard let error = failure else { return }
        let code = exitCode(for: error)
        let text = message(for: error)
        guard code == .validationFailure, !text.isEmpty else { exit(withError: error) }
        let subcommand = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? ""
        let help = subcommand.isEmpty ? "kafka-lag-exporter --help" : "kafka-lag-exporter \(subcommand) --help"
        printError("\(text) (see '\(help)')")
        exit(withError: ExitStatus.usage)
    }

    /// How long an exit waits for librdkafka clients to finish tearing down.
    static let teardownTimeout: Duration = .seconds(5)
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
