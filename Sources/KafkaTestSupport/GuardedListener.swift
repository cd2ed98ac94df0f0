import Foundation
import Synchronization

/// A child started with ``ChildProcess/spawnGuarded(_:_:standardOutput:standardError:environment:)``
/// that serves a loopback port (the test broker, a TLS terminator): waits
/// until the port accepts connections, and stops the child exactly once.
final class GuardedListener: Sendable {
    let port: UInt16
    /// How errors name the child, e.g. "the test broker".
    let name: String
    /// The guard shell's pid, nil once stopped.
    private let guardPid: Mutex<pid_t?>

    init(port: UInt16, guardPid: pid_t, name: String) {
        self.port = port
        self.name = name
        self.guardPid = Mutex(guardPid)
    }

    /// Stops the child (SIGTERM to its guard) and waits for it. Idempotent.
    func stop() {
        guard let pid = guardPid.withLock({ state in
            let pid = state
            state = nil
            return pid
        }) else { return }
        kill(pid, SIGTERM)
        _ = ChildProcess.wait(pid)
    }

    /// Polls until a TCP connect to `port` succeeds; stops the child and
    /// throws when it exits first or `timeout` passes.
    /// - Parameter diagnostics: what to add to an error (e.g. the child's log).
    func waitUntilAccepting(timeout: Duration, diagnostics: () -> String = { "" }) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            // The exit first: a child that could not bind its port must not
            // pass for ready because something else accepts there.
            if let pid = guardPid.withLock({ $0 }), ChildProcess.hasExited(pid) {
                guardPid.withLock { $0 = nil }
                throw TestBrokerError("\(name) exited during start-up (port \(port))\(Self.suffix(diagnostics()))")
            }
            if TestBroker.canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let details = diagnostics()
        stop()
        throw TestBrokerError("\(name) did not accept connections on 127.0.0.1:\(port) within \(timeout)\(Self.suffix(details))")
    }

    private static func suffix(_ details: String) -> String { details.isEmpty ? "" : ": \(details)" }
}
