import Foundation

/// The outcome of running a command to completion.
public struct CommandResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
    public var duration: Duration
}

/// Runs `executable` with `arguments` off the cooperative pool and returns its
/// exit status and output. The command must end by itself (every command the
/// tests run has its own timeout).
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
    try await runBlocking {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kle-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputPath = directory.appendingPathComponent("stdout").path
        let errorPath = directory.appendingPathComponent("stderr").path
        let clock = ContinuousClock()
        let start = clock.now
        let pid = try ChildProcess.spawn(executable, arguments, standardOutput: outputPath, standardError: errorPath,
                                         environment: environment)
        let status = ChildProcess.wait(pid)
        let duration = clock.now - start
        return CommandResult(
            status: status,
            standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "",
            duration: duration
        )
    }
}

/// The path of a product built next to the running test bundle (e.g.
/// `.build/debug/kafka-lag-exporter`), or `$KLE_BINARY` for the exporter.
public func builtProduct(_ name: String) throws -> String {
    if name == "kafka-lag-exporter", let path = ProcessInfo.processInfo.environment["KLE_BINARY"], !path.isEmpty {
        return path
    }
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    // The bundle may be a directory (…/x.xctest/…) on some platforms.
    while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents" {
        directory = directory.deletingLastPathComponent()
    }
    let path = directory.appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TestBrokerError("\(path) is not built: run `swift build` before `swift test` (make test does)")
    }
    return path
}
