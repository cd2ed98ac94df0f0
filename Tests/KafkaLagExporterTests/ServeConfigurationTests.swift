import ArgumentParser
import Foundation
@testable import KafkaLagExporter
import Testing
import KafkaTestSupport

/// Precedence of the daemon's settings: defaults < file < environment < flags.
@Suite struct ServeConfigurationTests {
    static let file: String = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serve-config-\(UUID().uuidString).yaml")
        try! """
            port: 9100
            poll-interval: 20s
            log-level: warning
            clusters:
              - name: prod
                bootstrap-brokers: kafka-1:9092
            """.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }()

    @Test func fileOverridesDefaults() throws {
        let command = try ServeCommand.parse(["--config", Self.file])
        let configuration = try command.resolveConfiguration(environment: [:])
        #expect(configuration.port == 9100)
        #expect(configuration.pollInterval == .seconds(20))
        #expect(configuration.kafkaClientTimeout == .seconds(10))
        #expect(configuration.logLevel == "warning")
        #expect(configuration.clusters.map(\.bootstrapBrokers) == ["kafka-1:9092"])
    }

    @Test func environmentOverridesFileAndFlagsOverrideEnvironment() throws {
        let environment = [
            "KAFKA_LAG_EXPORTER_PORT": "9200", "KAFKA_LAG_EXPORTER_POLL_INTERVAL_SECONDS": "15",
            "KAFKA_LAG_EXPORTER_KAFKA_CLIENT_TIMEOUT_SECONDS": "3", "KAFKA_LAG_EXPORTER_LOG_FORMAT": "json",
            "KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS": "kafka-2:9092",
        ]
        let fromEnvironment = try ServeCommand.parse(["--config", Self.file]).resolveConfiguration(environment: environment)
        #expect(fromEnvironment.port == 9200)
        #expect(fromEnvironment.pollInterval == .seconds(15))
        #expect(fromEnvironment.kafkaClientTimeout == .seconds(3))
        #expect(fromEnvironment.logFormat == "json")
        #expect(fromEnvironment.clusters.map(\.name) == ["prod"])
        #expect(fromEnvironment.clusters.map(\.bootstrapBrokers) == ["kafka-2:9092"])

        let fromFlags = try ServeCommand.parse(["--config", Self.file, "--port", "9300", "--poll-interval", "2m", "--log-format", "logfmt"])
            .resolveConfiguration(environment: environment)
        #expect(fromFlags.port == 9300)
        #expect(fromFlags.pollInterval == .seconds(120))
        #expect(fromFlags.logFormat == "logfmt")
    }

    @Test func configFileFromEnvironmentAndClusterFromEnvironmentAlone() throws {
        let viaEnvironment = try ServeCommand.parse([]).resolveConfiguration(environment: ["KAFKA_LAG_EXPORTER_CONFIG": Self.file])
        #expect(viaEnvironment.clusters.map(\.name) == ["prod"])

        let clusterOnly = try ServeCommand.parse([]).resolveConfiguration(environment: [
            "KAFKA_LAG_EXPORTER_CLUSTERS_0_NAME": "east", "KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS": "k:9092",
        ])
        #expect(clusterOnly.clusters == [ClusterConfiguration(name: "east", bootstrapBrokers: "k:9092")])
    }

    @Test func bootstrapFlagAddsOrReplacesTheNamedCluster() throws {
        let added = try ServeCommand.parse(["--config", Self.file, "--bootstrap-servers", "k:1", "--cluster-name", "dev"])
            .resolveConfiguration(environment: [:])
        #expect(added.clusters.map(\.name) == ["prod", "dev"])
        let replaced = try ServeCommand.parse(["--config", Self.file, "--bootstrap-servers", "k:1", "--cluster-name", "prod"])
            .resolveConfiguration(environment: [:])
        #expect(replaced.clusters.map(\.bootstrapBrokers) == ["k:1"])
    }

    @Test func noClusterIsAnErrorThatSaysWhatToDo() throws {
        #expect(throws: ConfigurationError(key: "clusters", "no cluster is configured: give --config FILE or --bootstrap-servers host:port")) {
            try ServeCommand.parse([]).resolveConfiguration(environment: [:])
        }
    }

    @Test(arguments: [
        ("KAFKA_LAG_EXPORTER_PORT", "eighty", "must be an integer, got 'eighty'"),
        ("KAFKA_LAG_EXPORTER_PORT", "70000", "must be between 0 and 65535, got 70000"),
        ("KAFKA_LAG_EXPORTER_POLL_INTERVAL_SECONDS", "soon", "must be a positive duration such as 30s, 500ms or 2m, got 'soon'"),
        ("KAFKA_LAG_EXPORTER_LOG_FORMAT", "xml", "must be logfmt or json, got 'xml'"),
    ])
    func badEnvironmentValueNamesTheVariable(name: String, value: String, message: String) throws {
        #expect(throws: ConfigurationError(key: name, message)) {
            try ServeCommand.parse(["--config", Self.file]).resolveConfiguration(environment: [name: value])
        }
    }

    /// One rule per setting: the configuration file, the environment and the
    /// flags accept the same values and refuse the others with the same words.
    @Test(arguments: ["0", "8000", "65535", "65536", "-1"])
    func theThreeLayersAgreeOnThePort(port: String) throws {
        func outcome(_ body: () throws -> Int) -> String {
            do { return "accepted \(try body())" } catch let error as ConfigurationError { return error.message } catch {
                return "\(error)"
            }
        }
        let file = outcome { try ExporterConfiguration.parse(yaml: "port: \(port)\n", environment: [:]).port }
        let environment = outcome {
            var configuration = ExporterConfiguration()
            try EnvironmentOverrides.apply(["KAFKA_LAG_EXPORTER_PORT": port], to: &configuration)
            return configuration.port
        }
        let flag = ServeCommand.message(for: ServeCommand.validationError(["--port=\(port)"]))
        let flagOutcome = flag == "no error" ? "accepted \(port)" : String(flag.dropFirst("--port: ".count))
        let expected = (Int(port).map { (0...65535).contains($0) } ?? false)
            ? "accepted \(port)" : "must be between 0 and 65535, got \(port)"
        #expect(file == expected)
        #expect(environment == expected)
        #expect(flagOutcome == expected)
    }

    @Test(arguments: [
        (["--port", "70000"], "--port: must be between 0 and 65535, got 70000"),
        (["--poll-interval", "never"], "--poll-interval: must be a positive duration such as 30s, 500ms or 2m, got 'never'"),
        (["--log-level", "loud"], "--log-level: must be one of trace, debug, info, notice, warning, error, critical, got 'loud'"),
    ])
    func badFlagIsAValidationError(arguments: [String], message: String) {
        #expect(throws: (any Error).self) { try ServeCommand.parse(arguments) }
        #expect(ServeCommand.message(for: ServeCommand.validationError(arguments)) == message)
    }

    @Test(arguments: [
        ("labels: {env: prod, team_1: x}", nil),
        ("labels: {1env: prod}", "clusters[0].labels.1env: is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"),
        ("labels: {\"my-label\": x}", "clusters[0].labels.my-label: is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"),
        ("labels: {group: x}", "clusters[0].labels.group: is a label the exporter sets itself"),
        ("labels: {__name__: x}", "clusters[0].labels.__name__: is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"),
    ])
    func extraLabelNamesAreValidated(line: String, expected: String?) {
        let yaml = "clusters:\n  - name: a\n    bootstrap-brokers: k:1\n    \(line)\n"
        do {
            _ = try ExporterConfiguration.parse(yaml: yaml)
            #expect(expected == nil)
        } catch {
            #expect(error.description == expected)
        }
    }
}

extension ServeCommand {
    /// The validation error `arguments` produce.
    static func validationError(_ arguments: [String]) -> any Error {
        do {
            _ = try parse(arguments)
            return ValidationError("no error")
        } catch {
            return error
        }
    }
}

/// Secrets are referenced, not written, in the configuration file.
@Suite struct SecretReferenceTests {
    static func yaml(_ value: String) -> String {
        """
        clusters:
          - name: prod
            bootstrap-brokers: k:9093
            client-properties:
              sasl.username: exporter
              sasl.password: "\(value)"
        """
    }

    @Test func environmentReferenceIsResolved() throws {
        let configuration = try ExporterConfiguration.parse(yaml: Self.yaml("${env:KAFKA_PASSWORD}"), environment: ["KAFKA_PASSWORD": "s3cret"])
        #expect(configuration.clusters[0].clientProperties == ["sasl.username": "exporter", "sasl.password": "s3cret"])
    }

    @Test func fileReferenceIsResolvedWithoutTheTrailingNewline() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try "from-a-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try ExporterConfiguration.parse(yaml: Self.yaml("${file:\(file.path)}"), environment: [:])
        #expect(configuration.clusters[0].clientProperties["sasl.password"] == "from-a-file")
    }

    @Test(arguments: [
        ("${env:MISSING}", "clusters[0].client-properties.sasl.password: environment variable MISSING is not set"),
        ("${file:/nonexistent/secret}", "clusters[0].client-properties.sasl.password: cannot read file /nonexistent/secret"),
        ("${vault:x}", "clusters[0].client-properties.sasl.password: unknown reference; use ${env:NAME} or ${file:PATH}"),
    ])
    func badReferenceNamesThePropertyNotAValue(value: String, message: String) {
        #expect(throws: ConfigurationError(key: String(message.split(separator: ":")[0]), String(message.drop { $0 != " " }.dropFirst()))) {
            try ExporterConfiguration.parse(yaml: Self.yaml(value), environment: ["OTHER": "x"])
        }
    }

    @Test func secretsNeverAppearInOutputOrErrors() async throws {
        let secret = "hunter2-\(UUID().uuidString.prefix(6))"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exporter-\(UUID().uuidString).yaml")
        try """
            clusters:
              - name: prod
                bootstrap-brokers: 127.0.0.1:1
                client-properties:
                  security.protocol: SASL_PLAINTEXT
                  sasl.mechanism: PLAIN
                  sasl.username: exporter
                  sasl.password: "${env:TEST_SASL_PASSWORD}"
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = ProcessInfo.processInfo.environment
        environment["TEST_SASL_PASSWORD"] = secret
        let binary = try builtProduct("kafka-lag-exporter")
        let runs = [
            try await runCommand(binary, ["lag", "--config", file.path, "--timeout", "1", "--verbose"], environment: environment),
            try await runCommand(binary, ["lag", "--help"], environment: environment),
            try await runCommand(binary, ["serve", "--help"], environment: environment),
        ]
        #expect(runs[0].status == 69)
        for run in runs {
            #expect(!run.standardOutput.contains(secret))
            #expect(!run.standardError.contains(secret))
        }
    }
}
