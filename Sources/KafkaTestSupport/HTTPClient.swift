import Foundation

/// A minimal HTTP/1.1 client over a loopback socket, enough to scrape the
/// exporter and query Prometheus: one request, `Connection: close`.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public func httpGet(port: UInt16, path: String, headers: [String: String] = [:], timeout: Duration = .seconds(10)) async throws -> HTTPResponse {
    try await runBlocking {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestBrokerError("socket() failed") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = TestBroker.loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestBrokerError("connect to 127.0.0.1:\(port) failed: errno \(errno)") }

        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TestBrokerError("send failed") }

        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else { throw TestBrokerError("recv from 127.0.0.1:\(port)\(path) failed: errno \(errno)") }
            received.append(contentsOf: buffer[0..<count])
        }
        return try parseResponse(received)
    }
}

private func parseResponse(_ data: Data) throws -> HTTPResponse {
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
    if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
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
