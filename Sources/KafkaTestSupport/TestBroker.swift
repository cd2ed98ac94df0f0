import Foundation

/// A real Kafka-protocol broker (Tansu, in-memory storage) on a free loopback
/// port, started for one test or one demo run.
///
/// The broker runs under a small shell guard that kills it when ``stop()`` is
/// called (SIGTERM to the guard) or when this process is gone (the guard
/// checks every half second), so no broker outlives its test run, even when
/// the test process crashes.
public final class TestBroker: Sendable {
    public let port: UInt16
    public var bootstrapServers: String { "127.0.0.1:\(port)" }
    /// The port the broker advertises in Metadata (clients connect there after
    /// bootstrapping): `port` unless `start(advertisedPort:)` named another,
    /// e.g. a ``TLSTerminator`` in front of the broker.
    public let advertisedPort: UInt16
    private let listener: GuardedListener

    /// Starts a broker and returns once it accepts connections.
    /// - Parameter advertisedPort: the port to advertise on 127.0.0.1 instead
    ///   of the listening port (for a TLS terminator or proxy in front).
    public static func start(
        port requested: UInt16? = nil, advertisedPort: UInt16? = nil, timeout: Duration = .seconds(120)
    ) async throws -> TestBroker {
        let binary = try tansuBinary()
        let port = try requested ?? freeLoopbackPort()
        let url = "tcp://127.0.0.1:\(port)"
        let advertised = "tcp://127.0.0.1:\(advertisedPort ?? port)"
        let pid = try ChildProcess.spawnGuarded(binary, ["broker", "--listener-url", url, "--advertised-listener-url", advertised])
        let broker = TestBroker(port: port, advertisedPort: advertisedPort ?? port, guardPid: pid)
        try await broker.listener.waitUntilAccepting(timeout: timeout)
        return broker
    }

    private init(port: UInt16, advertisedPort: UInt16, guardPid: pid_t) {
        self.port = port
        self.advertisedPort = advertisedPort
        self.listener = GuardedListener(port: port, guardPid: guardPid, name: "the test broker")
    }

    deinit { stop() }

    /// Stops the broker (its data is lost) and waits for it to exit. Idempotent.
    public func stop() { listener.stop() }

    /// The Tansu binary: `$TANSU_BIN`, else `.tools/bin/tansu` in the repository (installed by `make setup`).
    public static func tansuBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TANSU_BIN"], !path.isEmpty { return path }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            repository.appendingPathComponent(".tools/bin/tansu").path,
            FileManager.default.currentDirectoryPath + "/.tools/bin/tansu",
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestBrokerError("the test broker is not installed (looked for \(candidates[0])): run `make setup`")
        }
        return found
    }

    /// A loopback port for a listener of the test's own, given to no other
    /// caller in this process (see ``LoopbackPorts``).
    public static func freeLoopbackPort() throws -> UInt16 {
        try LoopbackPorts.reserve()
    }

    static func canConnect(port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

public struct TestBrokerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
