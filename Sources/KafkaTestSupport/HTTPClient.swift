import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a loopback socket, enough to scrape the
/// exporter and query Prometheus: one request, `Connection: close`.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// (`timeout` only bounds a hang: a server in a test process that shares its
/// threads with busy tests may take seconds to answer.)
public func httpGet(port: UInt16, path: String, headers: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> HTTPResponse {
    try await httpRequest(port: port, path: path, headers: headers, timeout: timeout)
}

/// One request with any method (and an optional body, sent with its
/// `Content-Length`), `Connection: close`; reads the response to the end.
/// A `HEAD` response has no body whatever its headers say.
public func httpRequest(
    port: UInt16, method: String = "GET", path: String, headers: [String: String] = [:], body: Data? = nil,
    timeout: Duration = .seconds(60)
) async throws -> HTTPResponse {
    let connection = try LoopbackConnection(port: port, timeout: timeout)
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (name, value) in headers { request += "\(name): \(value)\r\n" }
    if let body { request += "Content-Length: \(body.count)\r\n" }
    request += "\r\n"
    try await connection.send(Data(request.utf8) + (body ?? Data()))
    return try parseResponse(try await connection.receiveAll(), bodyless: method == "HEAD")
}

/// `count` GET requests of `path` at once: every connection is opened before
/// any request is sent (so the server holds all of them together), then each
/// sends one request (`Connection: close`) and every answer is read to the
/// end. Raises this process's soft limit on open files when `count` needs it.
/// - Throws: when a connection cannot be opened, or a send or an answer waits
///   longer than `timeout` (a bound on a hang, not a speed claim).
public func concurrentHTTPGets(
    port: UInt16, path: String, count: Int, timeout: Duration = .seconds(60)
) async throws -> [HTTPResponse] {
    try await runBlocking {
        try raiseOpenFileLimit(toAtLeast: count + 256)
        var connections: [LoopbackConnection?] = []
        connections.reserveCapacity(count)
        for _ in 0..<count { connections.append(try LoopbackConnection(port: port, timeout: timeout)) }
        let request = Data("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        for connection in connections { try connection!.sendNow(request) }
        var responses: [HTTPResponse] = []
        responses.reserveCapacity(count)
        for index in connections.indices {
            responses.append(try parseResponse(try connections[index]!.receiveAllNow()))
            connections[index] = nil  // closed once answered, as a scraper does
        }
        return responses
    }
}

/// Raises the soft limit on open files of this process to at least `minimum` (at most the hard limit).
private func raiseOpenFileLimit(toAtLeast minimum: Int) throws {
    var limit = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(resource, &limit) == 0 else { throw TestBrokerError("getrlimit failed: errno \(errno)") }
    guard limit.rlim_cur < rlim_t(minimum) else { return }
    guard limit.rlim_max >= rlim_t(minimum) else {
        throw TestBrokerError("\(minimum) open files are needed, the hard limit is \(limit.rlim_max)")
    }
    limit.rlim_cur = rlim_t(minimum)
    guard setrlimit(resource, &limit) == 0 else { throw TestBrokerError("setrlimit failed: errno \(errno)") }
}

/// A blocking TCP connection to a loopback port, for tests that talk HTTP by
/// hand: misbehaving clients (idle, oversized, never finishing a request).
/// Sending to a peer that has closed fails with an error instead of SIGPIPE.
/// Blocking calls run off the cooperative pool. Closed when released.
public final class LoopbackConnection: Sendable {
    private let descriptor: Int32
    private let port: UInt16

    /// Connects to 127.0.0.1:`port`; every later send and receive waits at most `timeout`.
    public init(port: UInt16, timeout: Duration = .seconds(60)) throws {
        // The descriptor becomes `self.descriptor` only once connected: a throw
        // after every stored property is set would also run deinit, closing it a
        // second time, and that second close could hit a descriptor number
        // another thread (a NIO channel) has been given in between.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestBrokerError("socket() failed: errno \(errno)") }
        let seconds = timeout.components.seconds
        let microseconds = timeout.components.attoseconds / 1_000_000_000_000
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(microseconds))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = TestBroker.loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(descriptor)
            throw TestBrokerError("connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
        self.descriptor = descriptor
        self.port = port
    }

    deinit { close(descriptor) }

    /// Sends all of `data`; throws when the peer has closed or reset the connection.
    public func send(_ data: Data) async throws {
        try await runBlocking { try self.sendNow(data) }
    }

    /// The next bytes received; empty when the peer has closed the connection.
    /// - Throws: on a reset, or when nothing arrives within the timeout.
    public func receive() async throws -> Data {
        try await runBlocking { try self.receiveNow() }
    }

    /// Everything received until the peer closes the connection.
    public func receiveAll() async throws -> Data {
        try await runBlocking { try self.receiveAllNow() }
    }

    func receiveAllNow() throws -> Data {
        var received = Data()
        while true {
            let chunk = try receiveNow()
            if chunk.isEmpty { return received }
            received.append(chunk)
        }
    }

    func sendNow(_ data: Data) throws {
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestBrokerError("send to 127.0.0.1:\(port) failed: errno \(errno)") }
            offset += sent
        }
    }

    private func receiveNow() throws -> Data {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw TestBrokerError("recv from 127.0.0.1:\(port) failed: errno \(errno)") }
        return Data(buffer[0..<count])
    }
}

/// Parses one HTTP/1.1 response (status line, headers, body; chunked bodies
/// are decoded). `bodyless`: the response to a HEAD request.
public func parseResponse(_ data: Data, bodyless: Bool = false) throws -> HTTPResponse {
    guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { throw TestBrokerError("malformed HTTP response") }
    let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = head[0].split(separator: " ")
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestBrokerError("malformed status line \(head[0])") }
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var body = Data(data[split.upperBound...])
    if !bodyless, headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
    return HTTPResponse(status: status, headers: headers, body: body)
}

private func dechunk(_ data: Data) throws -> Data {
    var output = Data()
    var index = data.startIndex
    while index < data.endIndex {
        guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
        let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
        guard let size = Int(sizeText, radix: 16) else { throw TestBrokerError("bad chunk size") }
        if size == 0 { break }
        let start = lineEnd.upperBound
        output.append(data[start..<start + size])
        index = start + size + 2
    }
    return output
}
