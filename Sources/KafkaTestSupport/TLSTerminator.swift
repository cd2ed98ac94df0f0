import Foundation

/// A TLS terminator (stunnel) on a free loopback port that forwards each
/// connection, decrypted, to a plain TCP port: puts TLS in front of the test
/// broker, which only speaks plain TCP.
///
/// A Kafka client connects to the broker the bootstrap server's Metadata
/// advertises, so the broker must advertise the terminator's port:
///
///     let tlsPort = try TestBroker.freeLoopbackPort()
///     let broker = try await TestBroker.start(advertisedPort: tlsPort)
///     let tls = try await TLSTerminator.start(port: tlsPort, forwardingTo: broker.port, certificates: certificates)
///     // clients: bootstrap.servers = tls.address, security.protocol = SSL
///
/// stunnel runs in the foreground under the same guard as the broker
/// (``ChildProcess/spawnGuarded(_:_:standardOutput:standardError:environment:)``):
/// it dies on ``stop()``, with this object, or when the test process is gone.
public final class TLSTerminator: Sendable {
    /// The TLS port clients connect to.
    public let port: UInt16
    /// The plain port connections are forwarded to.
    public let upstreamPort: UInt16
    /// `127.0.0.1:<port>`, for `bootstrap.servers`.
    public var address: String { "127.0.0.1:\(port)" }
    /// stunnel under its guard shell.
    private let listener: GuardedListener
    /// Holds stunnel's configuration and log.
    private let directory: URL

    /// Starts stunnel and returns once it accepts connections.
    /// - Parameters:
    ///   - port: the TLS port; a free one when nil.
    ///   - upstreamPort: the plain TCP port on 127.0.0.1 to forward to.
    ///   - certificates: the server certificate and key it presents.
    ///   - requireClientCertificate: mutual TLS: refuse clients without a
    ///     certificate signed by the certificates' CA.
    public static func start(
        port requested: UInt16? = nil, forwardingTo upstreamPort: UInt16, certificates: TestCertificates,
        requireClientCertificate: Bool = false, timeout: Duration = .seconds(120)
    ) async throws -> TLSTerminator {
        let binary = try stunnelBinary()
        let port = try requested ?? TestBroker.freeLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kle-stunnel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lines = [
            "foreground = yes",
            "pid =",
            "syslog = no",
            "debug = info",
            "[kafka]",
            "accept = 127.0.0.1:\(port)",
            "connect = 127.0.0.1:\(upstreamPort)",
            "cert = \(certificates.serverCertificate)",
            "key = \(certificates.serverKey)",
        ]
        if requireClientCertificate {
            lines += ["CAfile = \(certificates.caCertificate)", "verifyChain = yes", "requireCert = yes"]
        }
        let configuration = directory.appendingPathComponent("stunnel.conf").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: configuration, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("stunnel.log").path
        let pid: pid_t
        do {
            pid = try ChildProcess.spawnGuarded(binary, [configuration], standardOutput: log, standardError: log)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let terminator = TLSTerminator(port: port, upstreamPort: upstreamPort, guardPid: pid, directory: directory)
        try await terminator.listener.waitUntilAccepting(timeout: timeout) { terminator.log }
        return terminator
    }

    private init(port: UInt16, upstreamPort: UInt16, guardPid: pid_t, directory: URL) {
        self.port = port
        self.upstreamPort = upstreamPort
        self.listener = GuardedListener(port: port, guardPid: guardPid, name: "stunnel")
        self.directory = directory
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// stunnel's log so far (connections, handshake failures).
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("stunnel.log"), encoding: .utf8)) ?? ""
    }

    /// Stops stunnel and waits for it to exit. Idempotent.
    public func stop() { listener.stop() }

    /// The stunnel binary: `$STUNNEL_BIN`, else Debian's `stunnel4` package
    /// (installed by `make setup`).
    public static func stunnelBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["STUNNEL_BIN"], !path.isEmpty { return path }
        let candidates = ["/usr/bin/stunnel4", "/usr/bin/stunnel", "/usr/local/bin/stunnel"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestBrokerError("stunnel is not installed (looked for \(candidates.joined(separator: ", "))): run `make setup`")
        }
        return found
    }
}
