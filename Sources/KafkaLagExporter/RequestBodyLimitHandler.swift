import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Bounds the body of every request: no endpoint of the exporter reads one,
/// and Hummingbird would otherwise read (and discard) an unbounded body after
/// answering.
///
/// A request whose `Content-Length` is above the limit is answered with
/// `413 Content Too Large` and `Connection: close` before its body is read
/// (when no earlier pipelined response is still being written; otherwise the
/// connection is just closed). A body without a length (chunked) is counted as
/// it arrives and the connection is closed once it passes the limit.
///
/// Sits in the HTTP/1 pipeline after the HTTP codec (``HTTPServerLimits``).
final class RequestBodyLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: Int
    private var bodyBytes = 0
    /// Requests passed on whose response has not been written completely.
    private var responsesPending = 0
    private var refusing = false

    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            bodyBytes = 0
            if let length = head.headerFields[.contentLength].flatMap(Int.init), length > limit {
                refuse(context: context, answer: responsesPending == 0)
                return
            }
            responsesPending += 1
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > limit {
                refuse(context: context, answer: false)
                return
            }
        case .end:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responsesPending -= 1 }
        context.write(data, promise: promise)
    }

    /// Stops reading requests; answers 413 when no other response is in flight, then closes.
    private func refuse(context: ChannelHandlerContext, answer: Bool) {
        refusing = true
        guard answer else {
            context.close(promise: nil)
            return
        }
        let head = HTTPResponse(status: .contentTooLarge, headerFields: [.connection: "close", .contentLength: "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        // The callback runs on the channel's event loop, where the handler and its context live.
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
