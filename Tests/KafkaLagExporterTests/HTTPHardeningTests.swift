import ArgumentParser
import Foundation
import HummingbirdBcrypt
import KafkaTestSupport
import Testing
@testable import KafkaLagExporter

/// The hardened HTTP endpoint of `kafka-lag-exporter serve`, against the real
/// binary: methods, request limits, idle connections, 1,000 concurrent scrapes,
/// TLS and basic auth from the web configuration file, and bad web
/// configurations. The exporter watches a cluster that is not there: `/metrics`
/// still answers with its self metrics. Each test has an exporter of its own
/// and checks behaviour, never speed, so the tests run in parallel with each
/// other and with every other suite.
@Suite(.timeLimit(.minutes(5)))
struct HTTPHardeningTests {
    /// An exporter polling a port where nothing listens (its polls fail at a
    /// short client timeout, so that a shutdown never waits long for one).
    static func exporter(_ arguments: [String] = [], environment: [String: String]? = nil) throws -> ServeTests.Exporter {
        try ServeTests.Exporter(
            bootstrapServers: try RefusingPort.sharedAddress(), clientTimeout: "2s", extraArguments: arguments,
            environment: environment)
    }

    static let buildInfo = "kafka_lag_exporter_build_info{version=\"\(Version.exporter)\""

    // MARK: Methods and paths

    @Test func knownPathsAnswerGetAndHeadOnlyOtherMethods405AndUnknownPaths404() async throws {
        let exporter = try Self.exporter()
        try await exporter.waitUntilServing()

        for path in ["/metrics", "/healthz", "/readyz", "/"] {
            for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
                let body = ["POST", "PUT", "PATCH"].contains(method) ? Data("x=1".utf8) : nil
                let response = try await httpRequest(port: exporter.port, method: method, path: path, body: body)
                #expect(response.status == 405, "\(method) \(path)")
                #expect(response.headers["allow"] == "GET, HEAD", "\(method) \(path)")
            }
            let head = try await httpRequest(port: exporter.port, method: "HEAD", path: path)
            #expect(head.status == (path == "/readyz" ? 503 : 200), "HEAD \(path)")
            #expect(head.body.isEmpty, "HEAD \(path)")
        }
        let head = try await httpRequest(port: exporter.port, method: "HEAD", path: "/metrics")
        #expect(head.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try await exporter.get("/metrics").text.contains(Self.buildInfo))

        #expect(try await exporter.get("/nope").status == 404)
        #expect(try await httpRequest(port: exporter.port, method: "POST", path: "/nope", body: Data("x".utf8)).status == 404)
        #expect(try await exporter.get("/metrics/extra").status == 404)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: Request size

    @Test func oversizedRequestsAreRefusedAndTheServerKeepsServing() async throws {
        let exporter = try Self.exporter()
        try await exporter.waitUntilServing()
        let host = "Host: 127.0.0.1:\(exporter.port)\r\n"

        // A declared body above the limit: 413 before any of it is read, then the connection closes.
        let declared = try LoopbackConnection(port: exporter.port)
        try await declared.send(Data("GET /metrics HTTP/1.1\r\n\(host)Content-Length: 104857600\r\n\r\n".utf8))
        let refused = try parseResponse(try await declared.receiveAll())
        #expect(refused.status == 413)
        #expect(refused.headers["connection"] == "close")

        // A chunked body without end: the server closes the connection once the
        // body passes the limit, long before 64 MiB have been sent.
        let streaming = try LoopbackConnection(port: exporter.port, timeout: .seconds(5))
        try await streaming.send(Data("GET /metrics HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n".utf8))
        let chunk = Data("10000\r\n".utf8) + Data(repeating: UInt8(ascii: "a"), count: 0x10000) + Data("\r\n".utf8)
        var sent = 0
        do {
            while sent < 64 << 20 {
                try await streaming.send(chunk)
                sent += 0x10000
            }
        } catch {}
        #expect(sent < 64 << 20, "the server read a 64 MiB body")

        // A header above the per-field limit (8 KiB; Hummingbird's default would accept 80 KiB):
        // 400 and a closed connection, or a reset. Below the limit it is served.
        let big = String(repeating: "b", count: 64 * 1024)
        let answer = try? await httpRequest(port: exporter.port, path: "/metrics", headers: ["X-Big": big])
        #expect(answer == nil || answer?.status == 400, "status \(answer?.status ?? 0)")
        let fine = String(repeating: "b", count: 4 * 1024)
        #expect(try await httpRequest(port: exporter.port, path: "/metrics", headers: ["X-Fine": fine]).status == 200)

        // Too many header fields (limit 100).
        let many = Dictionary(uniqueKeysWithValues: (0..<150).map { ("X-Field-\($0)", "v") })
        let tooMany = try? await httpRequest(port: exporter.port, path: "/metrics", headers: many)
        #expect(tooMany == nil || tooMany?.status == 400, "status \(tooMany?.status ?? 0)")

        // Still serving, and a small body is fine.
        #expect(try await exporter.get("/metrics").text.contains(Self.buildInfo))
        #expect(try await httpRequest(port: exporter.port, method: "GET", path: "/healthz", body: Data(count: 1024)).status == 200)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: Idle connections

    /// With `--web-idle-timeout 1s` the server closes each of these
    /// connections by itself, and never before the second has passed. The
    /// client waits up to 60 s for the close: below the default idle timeout
    /// (90 s), so a close proves the configured one, and far above anything a
    /// loaded machine adds to 1 s; how late after 1 s is not checked.
    @Test func idleAndStalledConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let exporter = try Self.exporter(["--web-idle-timeout", "1s"])
        try await exporter.waitUntilServing()
        let clock = ContinuousClock()
        let patience = Duration.seconds(60)
        #expect(patience < HTTPServerLimits().idleTimeout)

        /// Waits for the server to close `connection`; returns what it sent and how long since `start`.
        /// (`start` is taken before connecting or sending: the server's timer cannot have started earlier.)
        func closed(_ connection: LoopbackConnection, since start: ContinuousClock.Instant) async throws -> (Data, Duration) {
            let received = try await connection.receiveAll()
            return (received, clock.now - start)
        }

        // Connected, nothing sent.
        var start = clock.now
        let silent = try LoopbackConnection(port: exporter.port, timeout: patience)
        let (nothing, silentFor) = try await closed(silent, since: start)
        #expect(nothing.isEmpty)
        #expect(silentFor >= .seconds(1), "closed after \(silentFor)")

        // Half a request head, then silence (a slow client): the head never completes, so the timer is not reset.
        start = clock.now
        let stalled = try LoopbackConnection(port: exporter.port, timeout: patience)
        try await stalled.send(Data("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8))
        let (partial, stalledFor) = try await closed(stalled, since: start)
        #expect(partial.isEmpty)
        #expect(stalledFor >= .seconds(1), "closed after \(stalledFor)")

        // A keep-alive connection after a complete request and response: closed 1 s after the response.
        let keepAlive = try LoopbackConnection(port: exporter.port, timeout: patience)
        start = clock.now
        try await keepAlive.send(Data("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let (response, keptFor) = try await closed(keepAlive, since: start)
        let parsed = try parseResponse(response)
        #expect(parsed.status == 200)
        #expect(parsed.text == "ok\n")
        #expect(keptFor >= .seconds(1), "closed after \(keptFor)")
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: Load

    /// 1,000 scrapes at once: every connection is open before any request is
    /// sent, so the exporter holds all of them together, and every one is
    /// answered 200 with the page; a second round leaves resident memory where
    /// the first left it. A 10-minute idle timeout, so that no connection is
    /// closed while the others are still being opened, however slowly. (How
    /// fast such a load is served is a benchmark's business: docs/benchmarks.md.)
    @Test func thousandConcurrentScrapesAreAnsweredWithoutErrorsOrMemoryGrowth() async throws {
        let exporter = try Self.exporter(["--web-idle-timeout", "10m"])
        try await exporter.waitUntilServing()
        let pid = try #require(exporter.process.pid)

        func openDescriptors() -> Int {
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
        }
        /// One round; returns once the exporter has closed the round's connections.
        func scrapes() async throws {
            let before = openDescriptors()
            let responses = try await concurrentHTTPGets(port: exporter.port, path: "/metrics", count: 1000)
            let statuses = Dictionary(grouping: responses, by: \.status).mapValues(\.count)
            #expect(statuses == [200: 1000])
            #expect(responses.allSatisfy { $0.text.contains(Self.buildInfo) })
            try await eventually("the exporter has closed the connections (\(openDescriptors()) descriptors open, \(before) before)") {
                openDescriptors() < before + 100
            }
        }

        try await scrapes()  // warm-up: allocator arenas, buffers, connection state
        let afterWarmUp = try #require(DaemonProcess.residentKilobytes(of: pid), "no VmRSS in /proc/\(pid)/status")
        try await scrapes()
        let afterSecond = try #require(DaemonProcess.residentKilobytes(of: pid), "no VmRSS in /proc/\(pid)/status")
        #expect(Double(afterSecond) <= Double(afterWarmUp) * 1.2, "RSS \(afterWarmUp) kB after the warm-up, \(afterSecond) kB after the second round")

        #expect(try await exporter.get("/healthz").status == 200)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: TLS

    /// `curl` against the exporter: the HTTP status (0 when no response) and the body.
    static func curl(_ arguments: [String]) async throws -> (status: Int, body: String, exit: Int32) {
        // --max-time only bounds a hang.
        let result = try await runCommand("/usr/bin/curl", ["-sS", "--max-time", "60", "-w", "\n%{http_code}"] + arguments)
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"), result.status)
    }

    static func writeWebConfig(_ yaml: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("web-config-\(UUID().uuidString).yml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func tlsFromTheWebConfigServesHTTPSOnly() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl is not installed: run scripts/setup.sh")
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        // Relative paths are relative to the web configuration file.
        let webConfig = try Self.writeWebConfig("""
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
            """, in: certificates.directory)
        let exporter = try Self.exporter(["--web-config-file", webConfig])
        let base = "https://127.0.0.1:\(exporter.port)"
        try await eventually("/healthz over HTTPS") {
            try await Self.curl(["--cacert", certificates.caCertificate, "\(base)/healthz"]).status == 200
        }

        let metrics = try await Self.curl(["--cacert", certificates.caCertificate, "\(base)/metrics"])
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(Self.buildInfo))
        // The server's certificate chain is checked by the client: an unrelated CA fails.
        let wrongCA = try await Self.curl(["--cacert", certificates.otherCACertificate, "\(base)/metrics"])
        #expect(wrongCA.status == 0 && wrongCA.exit != 0)
        // Plain HTTP on the TLS port gets no HTTP response.
        await #expect(throws: (any Error).self) { try await exporter.get("/healthz") }
        #expect(exporter.process.standardError.contains("web_tls=true"))
        #expect(try await exporter.process.stop() == 0)
    }

    @Test func mutualTLSRequiresAClientCertificateFromTheClientCA() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl is not installed: run scripts/setup.sh")
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        let webConfig = try Self.writeWebConfig("""
            tls_server_config:
              cert_file: \(certificates.serverCertificate)
              key_file: \(certificates.serverKey)
              client_ca_file: \(certificates.caCertificate)
              min_version: TLS13
            """, in: certificates.directory)
        let exporter = try Self.exporter(["--web-config-file", webConfig])
        let url = "https://127.0.0.1:\(exporter.port)/metrics"
        let withClient = ["--cacert", certificates.caCertificate, "--cert", certificates.clientCertificate, "--key", certificates.clientKey]
        try await eventually("/metrics over mutual TLS") { try await Self.curl(withClient + [url]).status == 200 }

        #expect(try await Self.curl(withClient + [url]).body.contains(Self.buildInfo))
        // No client certificate (client_auth_type defaults to RequireAndVerifyClientCert with a client CA).
        #expect(try await Self.curl(["--cacert", certificates.caCertificate, url]).status == 0)
        // A client certificate is fine, but TLS 1.2 is below min_version.
        #expect(try await Self.curl(withClient + ["--tls-max", "1.2", url]).status == 0)
        #expect(try await exporter.process.stop() == 0)
    }

    // MARK: Basic auth

    @Test func basicAuthProtectsMetricsButNotTheProbes() async throws {
        let password = "s3cret-Pa55-\(UUID().uuidString.prefix(8))"
        let otherPassword = "other-\(UUID().uuidString.prefix(8))"
        let hash = Bcrypt.hash(password, cost: 4)
        // htpasswd writes $2y$, the same algorithm as $2b$.
        let htpasswdStyle = "$2y$" + Bcrypt.hash(otherPassword, cost: 4).dropFirst(4)
        let directory = FileManager.default.temporaryDirectory
        let webConfig = try Self.writeWebConfig("""
            basic_auth_users:
              prometheus: \(hash)
              grafana: "\(htpasswdStyle)"
            """, in: directory)
        defer { try? FileManager.default.removeItem(atPath: webConfig) }
        let exporter = try Self.exporter(
            ["--log-level", "debug"], environment: ProcessInfo.processInfo.environment.merging(
                ["KAFKA_LAG_EXPORTER_WEB_CONFIG_FILE": webConfig]) { $1 })
        try await exporter.waitUntilServing()
        func basic(_ user: String, _ password: String) -> [String: String] {
            ["Authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
        }

        for (headers, what) in [
            ([:], "no credentials"), (basic("prometheus", "wrong"), "a wrong password"),
            (basic("nobody", password), "an unknown user"), (["Authorization": "Basic !!!"], "a malformed header"),
            (["Authorization": "Bearer \(password)"], "another scheme"),
        ] {
            let response = try await exporter.get("/metrics", headers: headers)
            #expect(response.status == 401, "\(what)")
            #expect(response.headers["www-authenticate"] == "Basic realm=\"kafka-lag-exporter\"", "\(what)")
        }
        let authorized = try await exporter.get("/metrics", headers: basic("prometheus", password))
        #expect(authorized.status == 200)
        #expect(authorized.text.contains(Self.buildInfo))
        #expect(try await exporter.get("/metrics", headers: basic("grafana", otherPassword)).status == 200)
        #expect(try await exporter.get("/metrics", headers: basic("grafana", password)).status == 401)
        // Cached outcomes answer the same.
        #expect(try await exporter.get("/metrics", headers: basic("prometheus", password)).status == 200)
        #expect(try await exporter.get("/metrics", headers: basic("prometheus", "wrong")).status == 401)

        #expect(try await exporter.get("/").status == 401)
        #expect(try await httpRequest(port: exporter.port, method: "HEAD", path: "/metrics").status == 401)
        #expect(try await exporter.get("/").status == 401)
        #expect(try await exporter.get("/nope").status == 401)
        #expect(try await exporter.get("/nope", headers: basic("prometheus", password)).status == 404)
        // The probes stay open.
        #expect(try await exporter.get("/healthz").status == 200)
        #expect(try await exporter.get("/readyz").status == 503)

        // A real client.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
            let url = "http://127.0.0.1:\(exporter.port)/metrics"
            #expect(try await Self.curl(["-u", "prometheus:\(password)", url]).status == 200)
            #expect(try await Self.curl(["-u", "prometheus:nope", url]).status == 401)
        }

        #expect(try await exporter.process.stop() == 0)
        let output = exporter.process.standardOutput + exporter.process.standardError
        #expect(output.contains("web_basic_auth=true"))
        for secret in [password, otherPassword, hash, String(htpasswdStyle)] {
            #expect(!output.contains(secret), "a password or hash is in the exporter's output")
        }
    }

    // MARK: Bad web configurations

    /// Runs `serve` with `arguments`; a configuration that is not refused keeps
    /// serving until `timeout` ends it (status 124; 60 s, far beyond the
    /// start-up of a refused configuration on a loaded machine).
    static func refused(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
        let broker = try RefusingPort.sharedAddress()
        return try await runCommand(
            "/usr/bin/timeout",
            ["60", try builtProduct("kafka-lag-exporter"), "serve", "--host", "127.0.0.1", "--port", "0", "--bootstrap-servers", broker]
                + arguments,
            environment: environment)
    }

    @Test func badWebConfigurationsStopTheProgramWithTheKeyOrFileNamed() async throws {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        func config(_ yaml: String) throws -> String { try Self.writeWebConfig(yaml, in: certificates.directory) }
        let missing = certificates.directory.appendingPathComponent("missing.pem").path
        let hash = Bcrypt.hash("unclosed", cost: 4)
        let cases: [(file: String, expected: [String], absent: [String])] = [
            (try config("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  bogus: 1\n"),
             ["tls_server_config.bogus: unknown key"], []),
            (try config("basic_auth_user:\n  admin: x\n"), ["basic_auth_user: unknown key"], []),
            (try config("tls_server_config:\n  cert_file: \(missing)\n  key_file: server.key\n"),
             ["tls_server_config.cert_file", "\(missing) does not exist"], []),
            (try config("tls_server_config:\n  cert_file: server.pem\n"), ["tls_server_config.key_file: is required"], []),
            (try config("tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n"),
             ["tls_server_config: cannot use", "does the key match the certificate?"], []),
            (try config("tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n"),
             ["tls_server_config.cert_file"], []),
            (try config("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n"),
             ["tls_server_config.client_ca_file: is required with client_auth_type RequireAndVerifyClientCert"], []),
            (try config("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS99\n"),
             ["tls_server_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13, got 'TLS99'"], []),
            (try config("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
             ["tls_server_config.cipher_suites: is not supported"], []),
            (try config("basic_auth_users:\n  admin: plain-text-password-123\n"),
             ["basic_auth_users.admin: is not a bcrypt hash"], ["plain-text-password-123"]),
            (try config("basic_auth_users:\n  admin: \"\(hash)\n"), ["not valid YAML: line "], [hash]),
        ]
        for (file, expected, absent) in cases {
            let result = try await Self.refused(["--web-config-file", file])
            #expect(result.status == 64, "\(expected): exit \(result.status) \(result.standardError)")
            #expect(result.standardError.contains(file), "\(expected): \(result.standardError)")
            for text in expected { #expect(result.standardError.contains(text), "\(result.standardError)") }
            for text in absent { #expect(!(result.standardOutput + result.standardError).contains(text), "\(text) was echoed") }
        }

        // The file itself missing, named by the environment variable.
        let nowhere = certificates.directory.appendingPathComponent("nowhere.yml").path
        let result = try await Self.refused(
            [], environment: ProcessInfo.processInfo.environment.merging(["KAFKA_LAG_EXPORTER_WEB_CONFIG_FILE": nowhere]) { $1 })
        #expect(result.status == 64)
        #expect(result.standardError.contains("\(nowhere): web configuration file does not exist"), "\(result.standardError)")

        // Bad limits are usage errors too.
        #expect(try await Self.refused(["--web-idle-timeout", "0s"]).status == 64)
        #expect(try await Self.refused(["--web-max-connections", "0"]).status == 64)
    }
}

/// The web configuration file's model, without a process.
@Suite struct WebConfigurationTests {
    @Test func relativePathsFollowTheFileAndAClientCARequiresVerifiedCertificates() throws {
        let parsed = try WebConfiguration.parse(yaml: """
            tls_server_config:
              cert_file: tls/server.pem
              key_file: /etc/keys/server.key
              client_ca_file: ca.pem
            """, directory: "/etc/exporter")
        #expect(parsed.tls == WebConfiguration.TLSServer(
            certFile: "/etc/exporter/tls/server.pem", keyFile: "/etc/keys/server.key", clientCAFile: "/etc/exporter/ca.pem",
            clientAuth: .requireAndVerifyClientCert, minVersion: .tls12, maxVersion: .tls13))
        #expect(parsed.basicAuthUsers.isEmpty)
    }

    @Test func theExampleFileParsesAndItsHashIsOfChangeMe() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let parsed = try WebConfiguration.load(file: root.appendingPathComponent("config/web-config.example.yaml").path)
        #expect(parsed.tls == nil)
        #expect(parsed.basicAuthUsers.keys.sorted() == ["prometheus"])
        #expect(Bcrypt.verify("change-me", hash: try #require(parsed.basicAuthUsers["prometheus"])))
    }

    @Test func emptyFileMeansPlainHTTPWithoutAuthentication() throws {
        #expect(try WebConfiguration.parse(yaml: "", directory: "/") == WebConfiguration())
        #expect(try WebConfiguration.parse(yaml: "tls_server_config:\nbasic_auth_users:\n", directory: "/") == WebConfiguration())
    }

    @Test func bcryptHashesAreCheckedAndTheHtpasswdPrefixIsAccepted() throws {
        let hash = Bcrypt.hash("pw", cost: 4)
        #expect(BcryptHash.normalized(hash) == hash)
        #expect(BcryptHash.normalized("$2y$" + hash.dropFirst(4)) == "$2b$" + hash.dropFirst(4))
        #expect(BcryptHash.normalized("$2a$" + hash.dropFirst(4)) == "$2a$" + hash.dropFirst(4))
        for bad in ["", "pw", "$1$" + hash.dropFirst(3), "$2b$03$" + hash.dropFirst(7), String(hash.dropLast()), hash + "x",
                    "$2b$04$" + String(repeating: "!", count: 53)] {
            #expect(BcryptHash.normalized(String(bad)) == nil, "\(bad)")
        }
    }

    @Test func basicAuthHeadersAreDecoded() {
        let header = "Basic " + Data("user:pa:ss".utf8).base64EncodedString()
        #expect(BasicAuthVerifier.credentials(header).map { [$0.user, $0.password] } == ["user", "pa:ss"])
        #expect(BasicAuthVerifier.credentials("basic " + Data("u:".utf8).base64EncodedString()).map { [$0.user, $0.password] } == ["u", ""])
        #expect(BasicAuthVerifier.credentials("Basic " + Data("nocolon".utf8).base64EncodedString()) == nil)
        #expect(BasicAuthVerifier.credentials("Bearer abc") == nil)
    }

    @Test func environmentAndFlagNameTheWebConfigFile() throws {
        let environment = ["KAFKA_LAG_EXPORTER_WEB_CONFIG_FILE": "/etc/web.yml", "KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS": "k:9092"]
        #expect(try ServeCommand.parse([]).resolveConfiguration(environment: environment).webConfigFile == "/etc/web.yml")
        #expect(try ServeCommand.parse(["--web-config-file", "/tmp/w.yml"]).resolveConfiguration(environment: environment).webConfigFile
            == "/tmp/w.yml")
        #expect(try ServeCommand.parse([]).resolveConfiguration(environment: ["KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS": "k:9092"])
            .webConfigFile == nil)
    }

    @Test func connectionLimitFitsTheOpenFileLimit() {
        let limits = HTTPServerLimits()
        #expect(limits.effectiveMaxConnections(openFileLimit: 1_048_576) == 4096)
        #expect(limits.effectiveMaxConnections(openFileLimit: 1024) == 1024 - HTTPServerLimits.reservedFileDescriptors)
        #expect(limits.effectiveMaxConnections(openFileLimit: 10) == 1)
    }
}
