import Foundation

/// Starts and reaps child processes with posix_spawn and waitpid.
///
/// Foundation's `Process` is avoided on purpose: with several tests spawning
/// children at once, inherited pipe ends kept EOF from ever arriving, and
/// `waitUntilExit` spins a run loop. Here a child's output goes to files and
/// the caller reaps it with a blocking `waitpid` off the cooperative pool.
enum ChildProcess {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34 and
    /// newer; Swift's Glibc module does not import it), looked up at run time:
    /// the child closes every descriptor from the given one up. nil elsewhere,
    /// where children inherit the descriptors that lack close-on-exec.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Spawns `executable` with stdin from /dev/null and stdout/stderr to the given files.
    static func spawn(
        _ executable: String, _ arguments: [String], standardOutput: String = "/dev/null", standardError: String = "/dev/null",
        environment: [String: String]? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else: tests run in parallel, and a child must not keep another
        // test's sockets open (a scrape connection the test has closed stayed
        // open in an exporter or broker spawned meanwhile, until that exited).
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }

        // Dispatch worker threads block signals, and a child inherits the mask:
        // give the child an empty mask and default handlers so that SIGTERM and
        // SIGCHLD reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        sigdelset(&defaultSignals, SIGKILL)
        sigdelset(&defaultSignals, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        guard status == 0 else {
            throw TestBrokerError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Spawns `executable` under a small shell guard that forwards SIGTERM to
    /// it (and exits with its status) and kills it when this process is gone,
    /// checking every half second. Returns the guard's pid.
    static func spawnGuarded(
        _ executable: String, _ arguments: [String], standardOutput: String = "/dev/null", standardError: String = "/dev/null",
        environment: [String: String]? = nil
    ) throws -> pid_t {
        let script = #"""
            parent=$1; shift
            "$@" & child=$!
            trap 'kill -TERM $child 2>/dev/null; wait $child; exit $?' TERM
            while kill -0 "$parent" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5 & wait $!; done
            kill $child 2>/dev/null; wait $child
            """#
        return try spawn("/bin/sh", ["-c", script, "guard", String(getpid()), executable] + arguments,
                         standardOutput: standardOutput, standardError: standardError, environment: environment)
    }

    /// Blocks until `pid` exits; returns its exit status (128 + signal when killed).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Whether `pid` has exited (and reaps it if so).
    static func hasExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }
}
