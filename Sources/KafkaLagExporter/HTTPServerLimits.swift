import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

/// The resource limits of the HTTP endpoint (docs/configuration.md, "Web endpoint").
///
/// - Connections: at most ``maxConnections`` are served at once (Hummingbird
///   stops accepting until one closes; further clients wait in the kernel's
///   listen backlog of ``listenBacklog``). Every connection costs a file
///   descriptor, so the limit is lowered to what the open-file limit leaves
///   after ``reservedFileDescriptors`` (``raiseOpenFileLimit()`` first raises the
///   soft limit to the hard one, as Go programs do). There is no separate limit
///   on scrapes in flight: a scrape renders its page in chunks of about
///   128 KiB on the cooperative pool and writes each before the next, so one
///   in flight holds its prepared rows (about 1.5 MB at 1,000 groups) and one
///   chunk, never the whole page, and their number is bounded by the
///   connection limit.
/// - Idle connections: closed after ``idleTimeout`` without a request part read
///   or a response written; this also ends connections that send a request
///   head too slowly or never finish a TLS handshake.
/// - Request size: headers are bounded by the HTTP decoder (an overflow is
///   answered `400` and the connection closed), bodies by
///   ``RequestBodyLimitHandler`` (`413` or a closed connection).
struct HTTPServerLimits: Sendable, Equatable {
    /// Close a connection idle this long (`--web-idle-timeout`). Above
    /// Prometheus's default 1 m scrape interval, so that a scraper keeps its
    /// connection between scrapes.
    var idleTimeout: Duration = .seconds(90)
    /// Connections served at once (`--web-max-connections`).
    var maxConnections: Int = 4096

    static let listenBacklog = 1024
    /// No endpoint reads a body; anything larger is refused.
    static let maxRequestBodyBytes = 16 * 1024
    static let maxHeaderFieldBytes = 8 * 1024
    static let maxHeaderListBytes = 16 * 1024
    static let maxHeaderFields = 100
    /// File descriptors left for librdkafka's broker sockets, files and the listener.
    static let reservedFileDescriptors = 256

    /// The HTTP/1.1 server with these limits, behind TLS when `tls` is given.
    func serverBuilder(tls: TLSConfiguration?) throws -> HTTPServerBuilder {
        let http1 = HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration(
            // An autoclosure: one handler (with its own counters) per connection.
            additionalChannelHandlers: [RequestBodyLimitHandler(limit: Self.maxRequestBodyBytes)],
            idleTimeout: TimeAmount(idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: Self.maxHeaderFieldBytes, maxHeaderListSize: Self.maxHeaderListBytes,
                maxHeaderFieldCount: Self.maxHeaderFields)))
        guard let tls else { return http1 }
        return try .tls(http1, tlsConfiguration: tls)
    }

    /// ``maxConnections``, lowered so that the connections fit in `openFileLimit`.
    func effectiveMaxConnections(openFileLimit: Int) -> Int {
        max(1, min(maxConnections, openFileLimit - Self.reservedFileDescriptors))
    }

    /// Raises the soft limit on open files to the hard limit and returns the soft limit now in force.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}
