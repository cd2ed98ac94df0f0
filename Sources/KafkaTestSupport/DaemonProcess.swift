import Foundation
import Synchronization

/// A long-running process of the test's own (the exporter daemon, Prometheus),
/// with its output in files. ``stop()`` sends SIGTERM and returns the exit
/// status; the process never outlives the test process.
public final class DaemonProcess: Sendable {
    private let guardPid: Mutex<pid_t?>
    private let directory: URL
    public let name: String

    public init(_ executable: String, _ arguments: [String], name: String, environment: [String: String]? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kle-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.name = name
        let pid = try ChildProcess.spawnGuarded(
            executable, arguments,
            standardOutput: directory.appendingPathComponent("stdout").path,
            standardError: directory.appendingPathComponent("stderr").path,
            environment: environment)
        guardPid = Mutex(pid)
    }

    deinit {
        _ = stopNow()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A scratch directory that lives as long as the process object.
    public var workDirectory: URL { directory }

    /// The daemon's own pid (the guard shell's child), for /proc/PID/status
    /// or a signal; nil once it has exited or been stopped.
    public var pid: pid_t? {
        guard let guardPid = guardPid.withLock({ $0 }) else { return nil }
        let children = (try? String(contentsOfFile: "/proc/\(guardPid)/task/\(guardPid)/children", encoding: .utf8)) ?? ""
        // The guard also runs short `sleep` children while it waits.
        return children.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }.first { child in
            (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8))?.hasPrefix("sleep") == false
        }
    }

    /// Resident memory (VmRSS) of process `pid` in KiB, nil when it cannot be read.
    public static func residentKilobytes(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    public var standardOutput: String { read("stdout") }
    public var standardError: String { read("stderr") }

    /// Whether the process has exited by itself; `exitStatus` then holds its status.
    public func hasExited() -> Int32? {
        guardPid.withLock { pid in
            guard let running = pid else { return nil }
            var status: Int32 = 0
            guard waitpid(running, &status, WNOHANG) == running else { return nil }
            pid = nil
            let signal = status & 0x7f
            return signal == 0 ? (status >> 8) & 0xff : 128 + signal
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status (nil if already reaped).
    @discardableResult
    public func stop() async throws -> Int32? {
        try await runBlocking { self.stopNow() }
    }

    private func stopNow() -> Int32? {
        guard let pid = guardPid.withLock({ state in
            let pid = state
            state = nil
            return pid
        }) else { return nil }
        kill(pid, SIGTERM)
        return ChildProcess.wait(pid)
    }

    private func read(_ file: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)) ?? ""
    }
}

/// Re-checks `condition` every 50 ms until it holds or `timeout` passes: for
/// waiting on a poll or a scrape that happens on its own schedule. The timeout
/// only turns a hang into a failure that names `what`: it is far above what
/// any awaited event takes on a loaded machine (every suite at once on two
/// cores), and no test may count on it passing before the condition holds.
/// The condition is checked once more after the deadline, so a test task that
/// got no thread for a while (busy suites share the cooperative pool) cannot
/// fail on a condition that held meanwhile.
public func eventually(
    timeout: Duration = .seconds(60), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        let late = clock.now >= deadline
        if try await condition() { return }
        if late { break }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestBrokerError("timed out after \(timeout) waiting for: \(what)")
}
