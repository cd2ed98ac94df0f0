import CRdKafka
import Dispatch
import Foundation
import KafkaAdmin
import LagCore
import Synchronization

/// Produces records **one record per batch** (linger 0, one message per batch,
/// a flush after each): the test broker's ListOffsets is only exact that way.
///
/// Owns its `rd_kafka_t`; `deinit` destroys it once.
public final class TestProducer: Sendable {
    private let client: ClientHandle
    private let deliveries: DeliveryLog

    /// - Parameter properties: extra librdkafka properties (e.g. `security.protocol`, `ssl.ca.location`).
    public init(bootstrapServers: String, properties: [String: String] = [:]) throws {
        let deliveries = DeliveryLog()
        client = try ClientHandle(
            type: RD_KAFKA_PRODUCER,
            properties: [
                "bootstrap.servers": bootstrapServers, "linger.ms": "0", "batch.num.messages": "1",
                "acks": "all", "message.timeout.ms": "10000",
            ].merging(properties) { _, extra in extra },
            configure: { conf in
                rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
                // Unretained: `self.deliveries` outlives the client (destroyed first in ClientHandle.deinit).
                rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(deliveries).toOpaque())
            }
        )
        self.deliveries = deliveries
    }

    /// Appends `count` records to one partition, each in its own batch, and
    /// returns once all are acknowledged.
    public func produce(topic: String, partition: Int32, count: Int, payload: String = "record") async throws {
        let client = self.client
        let deliveries = self.deliveries
        try await runBlocking {
            guard let topicHandle = rd_kafka_topic_new(client.pointer, topic, nil) else {
                throw TestBrokerError("rd_kafka_topic_new(\(topic)) failed")
            }
            defer { rd_kafka_topic_destroy(topicHandle) }
            for index in 0..<count {
                let body = Array("\(payload)-\(index)".utf8)
                let status = body.withUnsafeBytes { bytes in
                    rd_kafka_produce(topicHandle, partition, RD_KAFKA_MSG_F_COPY,
                                     UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count, nil, 0, nil)
                }
                guard status == 0 else {
                    throw TestBrokerError("produce to \(topic)-\(partition) failed: \(String(cString: rd_kafka_err2str(rd_kafka_last_error())))")
                }
                let flushed = rd_kafka_flush(client.pointer, 10_000)
                guard flushed == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw TestBrokerError("flush to \(topic)-\(partition) failed: \(String(cString: rd_kafka_err2str(flushed)))")
                }
            }
            if let failure = deliveries.takeFailure() { throw TestBrokerError("delivery to \(topic)-\(partition) failed: \(failure)") }
        }
    }
}

/// Delivery failures reported by librdkafka, read after each flush.
final class DeliveryLog: Sendable {
    private let failure = Mutex<String?>(nil)
    func record(_ message: String) { failure.withLock { $0 = $0 ?? message } }
    func takeFailure() -> String? {
        failure.withLock { stored in
            let taken = stored
            stored = nil
            return taken
        }
    }
}

private func deliveryReportCallback(
    _ rk: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque, message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
    Unmanaged<DeliveryLog>.fromOpaque(opaque).takeUnretainedValue()
        .record(String(cString: rd_kafka_err2str(message.pointee.err)))
}

/// Owns one `rd_kafka_t` for the test clients; `deinit` destroys it once.
final class ClientHandle: Sendable {
    private let handle: UncheckedPointer
    var pointer: OpaquePointer { handle.pointer }
    private let isConsumer: Bool

    init(type: rd_kafka_type_t, properties: [String: String], configure: (OpaquePointer) -> Void = { _ in }) throws {
        guard let conf = rd_kafka_conf_new() else { throw TestBrokerError("rd_kafka_conf_new failed") }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key })
        where rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            throw TestBrokerError("client property \(key): \(cString(errorBuffer))")
        }
        configure(conf)
        // rd_kafka_new takes ownership of conf only on success.
        guard let client = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw TestBrokerError("rd_kafka_new failed: \(cString(errorBuffer))")
        }
        handle = UncheckedPointer(pointer: client)
        isConsumer = type == RD_KAFKA_CONSUMER
    }

    deinit {
        if isConsumer { rd_kafka_consumer_close(handle.pointer) }
        rd_kafka_destroy(handle.pointer)
    }
}

/// A librdkafka client handle that crosses threads; librdkafka's `rd_kafka_t`
/// is thread-safe, and the owner (``ClientHandle``) frees it.
struct UncheckedPointer: @unchecked Sendable {
    // @unchecked: OpaquePointer is not Sendable; the pointee is thread-safe (see above).
    let pointer: OpaquePointer
}

private let blockingQueue = DispatchQueue(label: "kafka-test-support.blocking", attributes: .concurrent)

/// Runs CPU-heavy synchronous test work (rendering an exposition of 10,000
/// series with 2,000 labels, say) off Swift's cooperative pool. That pool has
/// one thread per core and runs every test of the process: work that holds one
/// of its threads for seconds stalls the other tests for as long, and their
/// deadlines (a broker's readiness, an HTTP answer) then pass while they wait.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await runBlocking(body)
}

/// Runs blocking librdkafka calls (flush, consumer poll) off Swift's cooperative pool.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        blockingQueue.async { continuation.resume(with: Result { try body() }) }
    }
}
