import Foundation
import Synchronization

/// Loopback ports for the listeners a test starts itself (test brokers, TLS
/// terminators, proxies, exporters, Prometheus), each handed out once per
/// process.
///
/// Asking the kernel (bind to port 0, read the port, close) is not a
/// reservation: the port is free again at once, and Linux hands the same port
/// to the next bind to port 0 often (5,000 such calls in a row here gave 4,213
/// distinct ports). A test that learns a port and starts its listener later
/// (a broker that advertises a TLS terminator's port, started before the
/// terminator) could then find another test's listener there: the terminator's
/// bind failed, the readiness check connected to the other test's broker, and
/// the client later saw "Connection refused" once that broker stopped.
///
/// So ports come from a counter over the range below the kernel's ephemeral
/// range (`net.ipv4.ip_local_port_range`, 32768-60999 by default), which the
/// kernel never picks for a bind to port 0 or an outgoing connection: no other
/// test of this process gets the same port, and nothing the kernel assigns can
/// take it before the listener binds it. Each port is checked free (a bind
/// without `SO_REUSEADDR`, which also skips ports in TIME_WAIT) before it is
/// handed out; the counter starts at an offset taken from the process id, so
/// that two test processes on one machine start far apart.
public enum LoopbackPorts {
    /// The ports handed out: from `range.lowerBound` up to, not including,
    /// the first ephemeral port.
    static let range: ClosedRange<UInt16> = {
        // Clear of the well-known and commonly configured ports below 10000.
        let lower = 10000
        let firstEphemeral = Int(ephemeralRange()?.lowerBound ?? 32768)
        return UInt16(lower)...UInt16(max(lower + 999, firstEphemeral - 1))
    }()

    private static let handedOut = Atomic<UInt32>(UInt32(truncatingIfNeeded: getpid()) &* 7919)

    /// A loopback port no other caller in this process has been given, free
    /// right now, outside the kernel's ephemeral range.
    public static func reserve() throws -> UInt16 {
        let count = UInt32(range.count)
        for _ in 0..<count {
            let step = handedOut.add(1, ordering: .relaxed).oldValue
            let port = range.lowerBound + UInt16(step % count)
            if isFree(port) { return port }
        }
        throw TestBrokerError("no free loopback port in \(range.lowerBound)-\(range.upperBound)")
    }

    /// Whether a listener could bind `port` on 127.0.0.1 now.
    static func isFree(_ port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = TestBroker.loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// The kernel's ephemeral port range, nil where it cannot be read.
    static func ephemeralRange() -> ClosedRange<UInt16>? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) else {
            return nil
        }
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { UInt16($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
        return bounds[0]...bounds[1]
    }
}
