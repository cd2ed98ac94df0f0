import Foundation
import Synchronization

/// A loopback port where every connection is refused for as long as this
/// object holds it: a socket of the test's own is bound there without
/// listening. Unlike a port that is merely free, no other process (another
/// test run on the machine) can start a listener on it meanwhile, so "a
/// broker that is not there" stays not there. ``release()`` frees the port for
/// a listener the test starts itself (the broker that comes up later).
public final class RefusingPort: Sendable {
    public let port: UInt16
    private let descriptor: Mutex<Int32?>

    /// `127.0.0.1:port`, as a bootstrap address.
    public var address: String { "127.0.0.1:\(port)" }

    public init() throws {
        let port = try TestBroker.freeLoopbackPort()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestBrokerError("socket() failed: errno \(errno)") }
        var address = TestBroker.loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let failure = errno
            close(descriptor)
            throw TestBrokerError("cannot bind 127.0.0.1:\(port): errno \(failure)")
        }
        self.port = port
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    /// Closes the socket: the port is free from now on. Idempotent.
    public func release() {
        let open = descriptor.withLock { state in
            let open = state
            state = nil
            return open
        }
        if let open { close(open) }
    }

    /// One refusing port for the whole test process, for tests that only need
    /// an address where no broker answers.
    public static func sharedAddress() throws -> String {
        guard let shared else { throw TestBrokerError("no loopback port could be held for refusing connections") }
        return shared.address
    }

    private static let shared: RefusingPort? = try? RefusingPort()
}
