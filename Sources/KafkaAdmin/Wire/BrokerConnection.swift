import LagCore
import NIOCore
import NIOPosix

/// One plaintext TCP connection to one broker that carries pipelined requests
/// of a batched group read (``BatchedGroupReader``).
///
/// Kafka answers the requests of a connection in order, so responses are
/// matched to requests first in, first out, and checked by correlation id. A
/// request that times out, a response out of order or a broken socket fails
/// every request in flight and closes the connection: a late answer can never
/// be taken for another request's.
package final class BrokerConnection: Sendable {
    /// `host:port`, for error messages.
    package let address: String
    private let channel: any Channel

    private init(address: String, channel: any Channel) {
        self.address = address
        self.channel = channel
    }

    /// The one owner of the socket: closing an already closed channel is a no-op.
    deinit { channel.close(promise: nil) }

    /// Largest response frame accepted (an OffsetFetch for a batch of groups with
    /// many partitions each is a few MiB at most).
    static let maximumFrameSize = 64 << 20

    /// Opens a connection within `timeout`.
    package static func connect(
        host: String, port: Int, clientId: String, timeout: Duration, operation: String
    ) async throws(KafkaAdminError) -> BrokerConnection {
        let address = "\(host):\(port)"
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(max(1, timeout.milliseconds)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maximumFrameSize: maximumFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(KafkaRequestHandler(clientId: clientId))
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            return BrokerConnection(address: address, channel: channel)
        } catch {
            throw KafkaAdminError(
                code: .transport, kind: .connectivity, message: "cannot connect: \(error)",
                operation: operation, brokers: address)
        }
    }

    /// Whether the socket is still open (an idle broker may have closed it).
    package var isActive: Bool { channel.isActive }

    /// Sends one request and returns its response body (after the response header).
    package func send(
        _ key: KafkaWireFormat.ApiKey, version: Int16, body: ByteBuffer, timeout: Duration, operation: String
    ) async throws(KafkaAdminError) -> WireReader {
        let response = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let request = KafkaRequestHandler.Request(
            key: key, version: version, body: body, timeout: .milliseconds(max(1, timeout.milliseconds)),
            response: response)
        // A write that fails before the handler saw it (closed channel) fails the request too;
        // a promise completed twice keeps its first result.
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { response.fail($0) }
        channel.writeAndFlush(request, promise: written)
        do {
            return WireReader(try await response.futureResult.get())
        } catch let failure as KafkaRequestHandler.Failure {
            throw KafkaAdminError(
                code: failure == .timedOut ? .timedOut : .transport, kind: .connectivity, message: failure.description,
                operation: operation, brokers: address)
        } catch {
            throw KafkaAdminError(
                code: .transport, kind: .connectivity, message: "\(error)", operation: operation, brokers: address)
        }
    }

    package func close() {
        channel.close(promise: nil)
    }

    /// Runs a decoder on a response of this connection; a malformed response
    /// closes the connection (its framing can no longer be trusted) and
    /// becomes a ``KafkaAdminError``.
    package func decode<T>(
        _ operation: String, _ decode: () throws(KafkaWireFormat.MalformedResponse) -> T
    ) throws(KafkaAdminError) -> T {
        do {
            return try decode()
        } catch {
            close()
            throw KafkaAdminError(code: .badMessage, kind: .broker, message: error.description, operation: operation, brokers: address)
        }
    }
}

/// Splits the byte stream into Kafka frames (int32 size, then that many bytes).
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let maximumFrameSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 0, Int(size) <= maximumFrameSize else {
            throw KafkaWireFormat.MalformedResponse(reason: "frame of \(size) bytes")
        }
        guard buffer.readableBytes >= 4 + Int(size), let frame = buffer.getSlice(at: buffer.readerIndex + 4, length: Int(size)) else {
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 4 + Int(size))
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

/// Writes request headers (v1, or v2 for flexible versions) and matches
/// responses to requests in order. Lives on the channel's event loop.
final class KafkaRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    struct Request: Sendable {
        var key: KafkaWireFormat.ApiKey
        var version: Int16
        var body: ByteBuffer
        var timeout: TimeAmount
        var response: EventLoopPromise<ByteBuffer>
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case timedOut
        case closed
        case outOfOrder(expected: Int32, received: Int32)
        case malformed(String)

        var description: String {
            switch self {
            case .timedOut: "the broker did not answer in time"
            case .closed: "the connection closed"
            case .outOfOrder(let expected, let received): "response \(received) arrived while \(expected) was expected"
            case .malformed(let reason): reason
            }
        }
    }

    private struct InFlight {
        var correlationId: Int32
        var flexibleResponse: Bool
        var response: EventLoopPromise<ByteBuffer>
        var timeout: Scheduled<Void>
    }

    private let clientId: String
    private var inFlight = CircularBuffer<InFlight>()
    private var nextCorrelationId: Int32 = 1

    init(clientId: String) { self.clientId = clientId }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let correlationId = nextCorrelationId
        nextCorrelationId = nextCorrelationId == .max ? 1 : nextCorrelationId + 1
        let flexible = request.key.isFlexible(version: request.version)

        var frame = context.channel.allocator.buffer(capacity: 16 + clientId.utf8.count + request.body.readableBytes)
        frame.writeInteger(Int32(0))  // size, set below
        frame.writeInteger(request.key.rawValue)
        frame.writeInteger(request.version)
        frame.writeInteger(correlationId)
        frame.writeKafkaString(clientId)
        if flexible { frame.writeEmptyTaggedFields() }
        frame.writeImmutableBuffer(request.body)
        frame.setInteger(Int32(frame.readableBytes - 4), at: frame.readerIndex)

        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) { [weak self] () -> Void in
            self?.failAll(.timedOut, context: context)
        }
        inFlight.append(InFlight(
            correlationId: correlationId, flexibleResponse: flexible && request.key != .apiVersions,
            response: request.response, timeout: timeout))
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var reader = WireReader(unwrapInboundIn(data))
        guard let expected = inFlight.first else {
            return failAll(.malformed("a response without a request"), context: context)
        }
        do throws(KafkaWireFormat.MalformedResponse) {
            let correlationId = try reader.int32()
            guard correlationId == expected.correlationId else {
                return failAll(.outOfOrder(expected: expected.correlationId, received: correlationId), context: context)
            }
            if expected.flexibleResponse { try reader.skipTaggedFields() }
        } catch {
            return failAll(.malformed(error.description), context: context)
        }
        inFlight.removeFirst()
        expected.timeout.cancel()
        expected.response.succeed(reader.buffer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.closed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(.malformed("\(error)"), context: context)
    }

    /// Closes the connection, then fails every request in flight: closed
    /// first, so that a task resumed by a failure never finds this connection
    /// still active and sends on it again.
    private func failAll(_ failure: Failure, context: ChannelHandlerContext) {
        let failed = inFlight
        inFlight.removeAll()
        if context.channel.isActive { context.close(promise: nil) }
        for request in failed {
            request.timeout.cancel()
            request.response.fail(failure)
        }
    }
}
