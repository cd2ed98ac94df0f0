import Foundation
import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing
@testable import KafkaLagExporter

/// TLS and SASL end to end: the built `kafka-lag-exporter` (`lag` and `serve`)
/// against the test broker behind a TLS terminator (stunnel) of the test's own,
/// with a CA and certificates generated for the test.
///
/// The broker listens in plain TCP on one port and advertises the terminator's
/// port in Metadata, so every connection a client makes after bootstrapping
/// also goes through TLS (see ``TLSCluster``).
@Suite(.timeLimit(.minutes(5)))
struct TLSTests {
    /// Tansu on a plain port, advertising the TLS port that stunnel serves and
    /// forwards to it, plus one lagging group: topic with partitions 0 (5
    /// records) and 1 (3 records), committed offsets 2 and 3 (lag 3 and 0).
    struct TLSCluster {
        let certificates: TestCertificates
        let broker: TestBroker
        let tls: TLSTerminator
        let topic = uniqueName("tls-orders")
        let group = uniqueName("tls-billing")

        init(requireClientCertificate: Bool = false) async throws {
            certificates = try await TestCertificates.generate()
            let tlsPort = try TestBroker.freeLoopbackPort()
            broker = try await TestBroker.start(advertisedPort: tlsPort)
            tls = try await TLSTerminator.start(
                port: tlsPort, forwardingTo: broker.port, certificates: certificates,
                requireClientCertificate: requireClientCertificate)
            // The set-up itself must speak TLS: the broker advertises only the TLS port.
            var properties = sslProperties
            if requireClientCertificate { properties.merge(clientCertificateProperties) { _, new in new } }
            let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: tls.address, properties: properties))
            try await admin.createTopics([topic: 2])
            let producer = try TestProducer(bootstrapServers: tls.address, properties: properties)
            try await producer.produce(topic: topic, partition: 0, count: 5)
            try await producer.produce(topic: topic, partition: 1, count: 3)
            try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 2, TopicPartition(topic, 1): 3])
        }

        /// TLS with server verification against the test CA (hostname checked too).
        var sslProperties: [String: String] {
            ["security.protocol": "SSL", "ssl.ca.location": certificates.caCertificate,
             "ssl.endpoint.identification.algorithm": "https"]
        }

        var clientCertificateProperties: [String: String] {
            ["ssl.certificate.location": certificates.clientCertificate, "ssl.key.location": certificates.clientKey]
        }

        /// `lag --output csv` for the group, exactly.
        var expectedCSV: String {
            """
            group,topic,partition,committed_offset,log_start_offset,log_end_offset,lag,consumer_id,host,client_id
            \(group),\(topic),0,2,0,5,3,,,
            \(group),\(topic),1,3,0,3,0,,,

            """
        }

        func stop() {
            tls.stop()
            broker.stop()
            certificates.remove()
        }
    }

    // MARK: - TLS

    @Test func lagAndServeReportExactLagThroughTLSWithCAVerification() async throws {
        let cluster = try await TLSCluster()
        defer { cluster.stop() }
        let config = try ConfigFile("""
            poll-interval: 500ms
            kafka-client-timeout: 10s
            clusters:
              - name: tls
                bootstrap-brokers: \(cluster.tls.address)
                consumer-properties:
                  security.protocol: SSL
                  ssl.ca.location: \(cluster.certificates.caCertificate)
                admin-client-properties:
                  ssl.endpoint.identification.algorithm: https
            """)
        defer { config.remove() }

        let lag = try await runExporter(["lag", "--config", config.path, "--group", cluster.group, "--output", "csv"])
        #expect(lag.status == 0, "\(lag.standardError)")
        #expect(lag.standardOutput == cluster.expectedCSV)

        let exporter = try Exporter(["--config", config.path])
        try await eventually("the first poll through TLS") { (try? await exporter.get("/readyz"))?.status == 200 }
        let group = cluster.group
        let lines = try await exporter.get("/metrics").text.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("kafka_consumergroup_group_lag{") || $0.hasPrefix("kafka_consumergroup_group_max_lag{") }
            .filter { $0.contains("group=\"\(group)\"") }
        #expect(lines.sorted() == [
            Self.memberless("kafka_consumergroup_group_lag", group, cluster.topic, 0, 3),
            Self.memberless("kafka_consumergroup_group_lag", group, cluster.topic, 1, 0),
            "kafka_consumergroup_group_max_lag{cluster_name=\"tls\",group=\"\(group)\"} 3",
        ].sorted(), "\(exporter.process.standardError)")
        #expect(try await exporter.process.stop() == 0)
        // The exporter did go through the terminator.
        #expect(cluster.tls.log.contains("Service [kafka] accepted connection"))
    }

    @Test func mutualTLSNeedsTheClientCertificate() async throws {
        let cluster = try await TLSCluster(requireClientCertificate: true)
        defer { cluster.stop() }
        let ssl = cluster.sslProperties.sorted { $0.key < $1.key }.flatMap { ["-X", "\($0.key)=\($0.value)"] }
        let client = cluster.clientCertificateProperties.sorted { $0.key < $1.key }.flatMap { ["-X", "\($0.key)=\($0.value)"] }
        let base = ["lag", "--bootstrap-servers", cluster.tls.address, "--group", cluster.group, "--output", "csv"]

        // The default --timeout (10 s) for the run that must succeed; 3 s for the one that fails at it.
        let withCertificate = try await runExporter(base + ssl + client)
        #expect(withCertificate.status == 0, "\(withCertificate.standardError)")
        #expect(withCertificate.standardOutput == cluster.expectedCSV)

        let withoutCertificate = try await runExporter(base + ["--timeout", "3"] + ssl)
        #expect(withoutCertificate.status == 69)
        #expect(withoutCertificate.standardOutput == "")
        #expect(withoutCertificate.standardError.contains("(broker \(cluster.tls.address))"), "\(withoutCertificate.standardError)")
    }

    @Test func wrongCAIsAClearCertificateErrorNamingTheBroker() async throws {
        let cluster = try await TLSCluster()
        defer { cluster.stop() }
        let config = try ConfigFile("""
            poll-interval: 500ms
            kafka-client-timeout: 2s
            clusters:
              - name: tls
                bootstrap-brokers: \(cluster.tls.address)
                consumer-properties:
                  security.protocol: SSL
                  ssl.ca.location: \(cluster.certificates.otherCACertificate)
                  ssl.endpoint.identification.algorithm: https
            """)
        defer { config.remove() }

        let lag = try await runExporter(["lag", "--config", config.path, "--output", "csv", "--timeout", "3"])
        #expect(lag.status == 69)
        #expect(lag.standardOutput == "")
        let stderr = lag.standardError
        #expect(stderr.hasPrefix("error: ") && stderr.contains(" failed (broker \(cluster.tls.address)): "), "\(stderr)")
        // librdkafka's wording varies from one attempt to the next ("SSL handshake
        // failed: ...: certificate verify failed: ... verify that ssl.ca.location is
        // correctly configured", or just "...: certificate verify failed").
        #expect(stderr.contains("last broker error: ssl://\(cluster.tls.address)/bootstrap: "), "\(stderr)")
        #expect(stderr.contains("SSL routines::certificate verify failed"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")

        let exporter = try Exporter(["--config", config.path])
        try await eventually("the failed poll is logged") {
            let log = exporter.process.standardError
            return log.contains("poll failed") && log.contains("certificate verify failed")
        }
        #expect(exporter.process.hasExited() == nil)
        let ready = try await exporter.get("/readyz")
        #expect(ready.status == 503)
        #expect(try await exporter.get("/healthz").status == 200)
        let failure = exporter.process.standardError.split(separator: "\n").first { $0.contains("poll failed") }.map(String.init) ?? ""
        #expect(failure.contains("cluster=tls"), "\(failure)")
        #expect(failure.contains("ssl://\(cluster.tls.address)/bootstrap: "), "\(failure)")
        #expect(failure.contains("certificate verify failed"), "\(failure)")
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: - SASL

    /// One way to configure SASL: the mechanism, the transport, and where the password comes from.
    struct SASLCase: Sendable, CustomTestStringConvertible {
        var mechanism: String
        var overTLS: Bool
        var passwordFromFile: Bool
        var testDescription: String {
            "\(mechanism) over \(overTLS ? "SASL_SSL" : "SASL_PLAINTEXT"), password from \(passwordFromFile ? "${file:}" : "${env:}")"
        }
    }

    @Test(arguments: [
        SASLCase(mechanism: "PLAIN", overTLS: false, passwordFromFile: false),
        SASLCase(mechanism: "SCRAM-SHA-256", overTLS: true, passwordFromFile: true),
    ])
    func saslPropertiesPassThroughAndThePasswordAppearsNowhere(sasl: SASLCase) async throws {
        // The test broker does not authenticate: it answers the SASL handshake
        // with "unsupported mechanism", so every connection attempt fails after
        // the client has been configured with the password.
        let plainBroker = sasl.overTLS ? nil : try await TestBroker.start()
        let cluster = sasl.overTLS ? try await TLSCluster() : nil
        defer {
            plainBroker?.stop()
            cluster?.stop()
        }
        let address = cluster?.tls.address ?? plainBroker?.bootstrapServers ?? ""
        let secret = Self.distinctiveSecret()
        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("sasl-password")).path
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        var environment = ProcessInfo.processInfo.environment
        let reference: String
        if sasl.passwordFromFile {
            let file = passwordFile
            try (secret + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            reference = "${file:\(file)}"
        } else {
            environment["KAFKA_SASL_PASSWORD"] = secret
            reference = "${env:KAFKA_SASL_PASSWORD}"
        }
        var properties = [
            "security.protocol: \(sasl.overTLS ? "SASL_SSL" : "SASL_PLAINTEXT")",
            "sasl.mechanism: \(sasl.mechanism)",
            "sasl.username: alice",
            "sasl.password: \"\(reference)\"",
        ]
        if let cluster { properties.append("ssl.ca.location: \(cluster.certificates.caCertificate)") }
        let config = try ConfigFile("""
            poll-interval: 500ms
            kafka-client-timeout: 2s
            clusters:
              - name: secure
                bootstrap-brokers: \(address)
                consumer-properties:

            """ + properties.map { "      \($0)\n" }.joined())
        defer { config.remove() }
        // The reference does resolve to the secret: its absence below means something.
        #expect(try ExporterConfiguration.load(file: config.path, environment: environment)
            .clusters[0].clientProperties["sasl.password"] == secret)

        var outputs: [(String, String)] = []
        func collect(_ name: String, _ result: CommandResult) {
            outputs += [("\(name) stdout", result.standardOutput), ("\(name) stderr", result.standardError)]
        }

        // lag: a clear, bounded failure that names SASL, the mechanism and the broker.
        let lag = try await runExporter(["lag", "--config", config.path, "--output", "csv", "--timeout", "3"], environment: environment)
        collect("lag", lag)
        #expect(lag.status == 69)
        #expect(lag.standardError.hasPrefix("error: ") && lag.standardError.contains(" failed (broker \(address)): "),
                "\(lag.standardError)")
        #expect(lag.standardError.contains("SASL \(sasl.mechanism) mechanism handshake failed"), "\(lag.standardError)")
        // librdkafka's own diagnostics, everything it logs (its configuration dump included).
        let verbose = try await runExporter(
            ["lag", "--config", config.path, "--timeout", "2", "--verbose", "-X", "debug=all"], environment: environment)
        collect("lag --verbose -X debug=all", verbose)
        #expect(verbose.status == 69)
        #expect(verbose.standardError.contains("sasl.password = [redacted]"))

        // serve at debug level: stays up, not ready, logs the SASL failure.
        let exporter = try Exporter(["--config", config.path, "--log-level", "debug"], environment: environment)
        try await eventually("the failed poll is logged") {
            let log = exporter.process.standardError
            return log.contains("poll failed") && log.contains("SASL \(sasl.mechanism)")
        }
        #expect(exporter.process.hasExited() == nil)
        #expect(try await exporter.get("/readyz").status == 503)
        for path in ["/metrics", "/", "/readyz", "/healthz"] {
            outputs.append(("GET \(path)", try await exporter.get(path).text))
        }
        #expect(try await exporter.process.stop() == 0)
        outputs += [("serve stdout", exporter.process.standardOutput), ("serve stderr", exporter.process.standardError)]

        // Every help text, the version, and the configuration dump.
        for arguments in [["--help"], ["serve", "--help"], ["lag", "--help"], ["help", "serve"], ["help", "lag"], ["--version"]] {
            collect(arguments.joined(separator: " "), try await runExporter(arguments, environment: environment))
        }
        let dump = try await runExporter(["serve", "--config", config.path, "--print-config"], environment: environment)
        collect("serve --print-config", dump)
        #expect(dump.status == 0, "\(dump.standardError)")
        let dumpLines = dump.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(dumpLines.contains("sasl.password: <redacted>"))
        #expect(dumpLines.contains("sasl.username: alice"))
        #expect(dumpLines.contains("sasl.mechanism: \(sasl.mechanism)"))

        #expect(outputs.count == 24)
        let fragment = String(secret.prefix(12))
        for (name, text) in outputs {
            #expect(!text.contains(fragment), "the SASL password (or a piece of it) appears in \(name)")
        }
    }

    // MARK: - Helpers

    /// 32 random hex digits: found nowhere by chance.
    static func distinctiveSecret() -> String {
        (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased().prefix(32).description
    }

    static func memberless(_ metric: String, _ group: String, _ topic: String, _ partition: Int, _ value: Int64) -> String {
        "\(metric){cluster_name=\"tls\",group=\"\(group)\",topic=\"\(topic)\",partition=\"\(partition)\","
            + "member_host=\"unknown\",consumer_id=\"unknown\",client_id=\"unknown\"} \(value)"
    }

    func runExporter(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
        try await runCommand(try builtProduct("kafka-lag-exporter"), arguments, environment: environment)
    }

    /// `kafka-lag-exporter serve` on a free loopback port.
    struct Exporter {
        let process: DaemonProcess
        let port: UInt16

        init(_ arguments: [String], environment: [String: String]? = nil) throws {
            port = try TestBroker.freeLoopbackPort()
            process = try DaemonProcess(
                try builtProduct("kafka-lag-exporter"),
                ["serve", "--host", "127.0.0.1", "--port", String(port)] + arguments,
                name: "tls-exporter", environment: environment)
        }

        func get(_ path: String) async throws -> HTTPResponse {
            try await httpGet(port: port, path: path)
        }
    }

    /// A configuration file in the temporary directory.
    struct ConfigFile {
        let path: String

        init(_ text: String) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("\(uniqueName("tls-config")).yaml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
