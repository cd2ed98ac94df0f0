import CRdKafka
import Dispatch
import Foundation
import LagCore
import Logging
import Synchronization

/// Owns one librdkafka client (`rd_kafka_t`) and its background queue.
///
/// Ownership: `init` creates both and `deinit` frees both, exactly once.
/// Every admin result and every client-level event (errors, logs) is delivered
/// on librdkafka's background thread to ``backgroundEventCallback``, so no
/// Swift thread ever blocks waiting for librdkafka.
final class RDKafkaHandle: Sendable {
    /// `rd_kafka_t *`, owned.
    let client: SendableOpaquePointer
    /// `rd_kafka_queue_t *` of the background queue, owned (a reference).
    let backgroundQueue: SendableOpaquePointer
    /// Receives client-level events; kept alive for as long as `client` is,
    /// because the C side holds an unretained pointer to it as conf opaque.
    let events: ClientEvents
    /// The bootstrap servers, for error messages.
    let brokers: String

    /// The client id of every request unless the `client.id` property says otherwise.
    static let defaultClientId = "kafka-lag-exporter"

    /// Properties every client of the exporter starts with; the user's own
    /// override them. `enable.metrics.push=false`: the client's telemetry push
    /// to the broker (KIP-714) has no use for a read-only exporter, costs
    /// requests, and has had bugs of its own.
    static let defaultProperties: [(String, String)] = [
        ("enable.metrics.push", "false"),
    ]

    /// Whether this is a consumer (closed before it is destroyed).
    let isConsumer: Bool

    /// - Parameters:
    ///   - consumerProperties: when given, the client is a consumer with these
    ///     properties set after the user's (for reading record timestamps).
    init(
        configuration: KafkaClientConfiguration, logger: Logger, consumerProperties: [(String, String)]? = nil
    ) throws(KafkaAdminError) {
        let brokers = configuration.bootstrapServers
        func configurationError(_ message: String) -> KafkaAdminError {
            KafkaAdminError(code: .invalidArgument, kind: .configuration, message: message,
                            operation: "configure client", brokers: brokers)
        }
        guard let conf = rd_kafka_conf_new() else { throw configurationError("rd_kafka_conf_new failed") }

        // Defaults first, so that the user's properties override them.
        var properties: [(String, String)] = [
            ("bootstrap.servers", brokers),
            ("client.id", Self.defaultClientId),
        ] + Self.defaultProperties
        properties += configuration.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        properties += consumerProperties ?? []
        // Logs travel through the background queue to swift-log, never to stderr.
        properties.append(("log.queue", "true"))

        for (key, value) in properties {
            if let message = Self.set(key, value, on: conf) {
                rd_kafka_conf_destroy(conf)
                throw configurationError(message)
            }
        }

        let events = ClientEvents(logger: logger)
        rd_kafka_conf_set_background_event_cb(conf, backgroundEventCallback)
        // With log.queue the log callback runs on the thread serving that queue:
        // the background thread. Without it librdkafka would print to stderr.
        rd_kafka_conf_set_log_cb(conf, logCallback)
        // Unretained: `self.events` outlives the client, which deinit destroys first.
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(events).toOpaque())

        var errorBuffer = [CChar](repeating: 0, count: 512)
        // rd_kafka_new takes ownership of conf only on success.
        let type = consumerProperties == nil ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let rk = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw configurationError(cString(errorBuffer))
        }
        guard let background = rd_kafka_queue_get_background(rk) else {
            rd_kafka_destroy(rk)
            throw configurationError("librdkafka did not provide a background queue")
        }
        rd_kafka_set_log_queue(rk, background)
        // Client-level errors are enqueued on the main queue; forward them to the
        // background queue so the callback sees them and nothing piles up.
        if let main = rd_kafka_queue_get_main(rk) {
            rd_kafka_queue_forward(main, background)
            rd_kafka_queue_destroy(main)
        }

        self.client = SendableOpaquePointer(pointer: rk)
        self.backgroundQueue = SendableOpaquePointer(pointer: background)
        self.events = events
        self.brokers = brokers
        self.isConsumer = consumerProperties != nil
    }

    deinit {
        // Order matters: drop our queue reference, then destroy the client
        // (which joins the background thread), and only then let `events` go.
        rd_kafka_queue_destroy(backgroundQueue.pointer)
        if isConsumer { rd_kafka_consumer_close(client.pointer) }
        rd_kafka_destroy(client.pointer)
    }

    /// The client's value of property `name` (from librdkafka's copy of the
    /// configuration, which lives as long as the client); nil if unknown.
    func property(_ name: String) -> String? {
        // Owned by the client: not freed here.
        guard let conf = rd_kafka_conf(client.pointer) else { return nil }
        var size = 0
        guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return cString(buffer)
    }

    /// Sets one property; returns librdkafka's complaint, with secret values masked.
    private static func set(_ key: String, _ value: String, on conf: OpaquePointer) -> String? {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
        guard result != RD_KAFKA_CONF_OK else { return nil }
        var message = cString(errorBuffer)
        if KafkaClientConfiguration.isSecret(property: key), !value.isEmpty {
            message = message.replacingOccurrences(of: value, with: "***")
        }
        return "invalid client property '\(key)': \(message)"
    }
}

/// Client-level events (errors, logs) from librdkafka, seen on its background thread.
final class ClientEvents: Sendable {
    private let logger: Logger
    private let lastErrorMessage = Mutex<String?>(nil)
    /// librdkafka repeats some lines many times a second while a broker is
    /// down ("1/1 brokers are down"): an identical line is logged at most once
    /// per `repeatWindow`, then with the number of repeats left out.
    private let recentLines = Mutex<[String: (since: ContinuousClock.Instant, repeats: Int)]>([:])
    static let repeatWindow: Duration = .seconds(30)

    init(logger: Logger) { self.logger = logger }

    /// The newest client-level error, preferring one that names a broker
    /// address over librdkafka's summary "N/N brokers are down".
    var lastError: String? { lastErrorMessage.withLock { $0 } }

    func handle(_ event: OpaquePointer) {
        switch Int32(rd_kafka_event_type(event)) {
        case RD_KAFKA_EVENT_ERROR:
            let code = rd_kafka_event_error(event)
            let message = String(cString: rd_kafka_event_error_string(event))
            lastErrorMessage.withLock { last in
                if code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || last == nil { last = message }
            }
            logger.debug("librdkafka error", metadata: ["error": "\(message)"])
        case RD_KAFKA_EVENT_LOG:
            var facility: UnsafePointer<CChar>?
            var text: UnsafePointer<CChar>?
            var level: Int32 = 0
            guard rd_kafka_event_log(event, &facility, &text, &level) == 0, let text else { return }
            log(level: level, facility: facility, message: text)
        default:
            break
        }
    }

    func log(level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>) {
        let swiftLevel = Self.logLevel(syslog: level)
        guard logger.logLevel <= swiftLevel else { return }
        let source = facility.map { String(cString: $0) } ?? "rdkafka"
        let text = String(cString: message)
        guard let repeats = admit(text, now: .now) else { return }
        var metadata: Logger.Metadata = ["facility": "\(source)"]
        if repeats > 0 { metadata["repeats_suppressed"] = "\(repeats)" }
        logger.log(level: swiftLevel, "\(text)", metadata: metadata)
    }

    /// Whether to log `line` now: nil while an identical line was logged less
    /// than `repeatWindow` ago, otherwise how many repeats were left out since.
    func admit(_ line: String, now: ContinuousClock.Instant) -> Int? {
        recentLines.withLock { recent in
            if let entry = recent[line], now - entry.since < Self.repeatWindow {
                recent[line]?.repeats += 1
                return nil
            }
            if recent.count >= 256 { recent = recent.filter { now - $0.value.since < Self.repeatWindow } }
            let repeats = recent[line]?.repeats ?? 0
            recent[line] = (now, 0)
            return repeats
        }
    }

    /// librdkafka uses syslog levels.
    static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}

/// A continuation resumed exactly once: by the result, or earlier by task
/// cancellation (a result arriving after that is dropped).
final class ResumeOnce<Value: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Result<Value, KafkaAdminError>, Never>)
        case cancelled
        case finished
    }
    private let state = Mutex<State>(.idle)
    private let cancelledError: KafkaAdminError

    init(cancelledError: KafkaAdminError) { self.cancelledError = cancelledError }

    func attach(_ continuation: CheckedContinuation<Result<Value, KafkaAdminError>, Never>) {
        let cancelledAlready = state.withLock { state in
            if case .cancelled = state {
                state = .finished
                return true
            }
            state = .waiting(continuation)
            return false
        }
        if cancelledAlready { continuation.resume(returning: .failure(cancelledError)) }
    }

    /// Whether a result is still wanted (not resumed, not cancelled).
    var isPending: Bool {
        state.withLock { state in
            switch state {
            case .idle, .waiting: true
            case .cancelled, .finished: false
            }
        }
    }

    func resume(_ result: Result<Value, KafkaAdminError>) {
        take(next: .finished)?.resume(returning: result)
    }

    func cancel() {
        take(next: .cancelled)?.resume(returning: .failure(cancelledError))
    }

    private func take(next: State) -> CheckedContinuation<Result<Value, KafkaAdminError>, Never>? {
        state.withLock { state in
            switch state {
            case .waiting(let continuation):
                state = .finished
                return continuation
            case .idle:
                state = next
                return nil
            case .cancelled, .finished:
                return nil
            }
        }
    }
}

/// One admin request in flight, as the C callback sees it: a closure that
/// turns the result event into a value and resumes the awaiting task once.
final class PendingAdminRequest: Sendable {
    private let completion: @Sendable (OpaquePointer) -> Void
    init(_ completion: @escaping @Sendable (OpaquePointer) -> Void) { self.completion = completion }
    func complete(with event: OpaquePointer) { completion(event) }
}

/// The admin result event types; each carries the opaque of its request.
private let adminResultEventTypes: Set<Int32> = [
    RD_KAFKA_EVENT_CREATETOPICS_RESULT, RD_KAFKA_EVENT_DELETETOPICS_RESULT,
    RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
    RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT,
    RD_KAFKA_EVENT_DELETEGROUPS_RESULT, RD_KAFKA_EVENT_LISTOFFSETS_RESULT,
]

/// librdkafka's log callback; `rk`'s opaque is the client's ``ClientEvents``.
private func logCallback(_ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?) {
    guard let rk, let message, let opaque = rd_kafka_opaque(rk) else { return }
    Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue().log(level: level, facility: facility, message: message)
}

/// librdkafka's background-queue callback. Runs on librdkafka's background
/// thread; owns `event` and destroys it. Never calls `rd_kafka_destroy`.
private func backgroundEventCallback(_ rk: OpaquePointer?, _ event: OpaquePointer?, _ opaque: UnsafeMutableRawPointer?) {
    guard let event else { return }
    defer { rd_kafka_event_destroy(event) }
    if adminResultEventTypes.contains(Int32(rd_kafka_event_type(event))) {
        guard let requestOpaque = rd_kafka_event_opaque(event) else { return }
        // Balances the passRetained in `RDKafkaHandle.adminRequest`: one event per request.
        let request = Unmanaged<PendingAdminRequest>.fromOpaque(requestOpaque).takeRetainedValue()
        request.complete(with: event)
    } else if let opaque {
        Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue().handle(event)
    }
}

extension RDKafkaHandle {
    /// Issues one admin request and awaits its result event without blocking a thread.
    ///
    /// `start` receives the client, the options and the reply queue and must call
    /// exactly one librdkafka admin function with them; librdkafka then emits
    /// exactly one result event (also on timeout or invalid arguments).
    /// `parse` runs on the background thread and copies what it needs out of the
    /// event, which is destroyed when it returns.
    func adminRequest<Value: Sendable>(
        _ operation: String,
        kind adminOperation: rd_kafka_admin_op_t,
        timeout: Duration,
        start: (_ client: OpaquePointer, _ options: OpaquePointer, _ queue: OpaquePointer) -> Void,
        parse: @escaping @Sendable (_ event: OpaquePointer) throws(KafkaAdminError) -> Value
    ) async throws(KafkaAdminError) -> Value {
        let brokers = self.brokers
        let events = self.events
        let once = ResumeOnce<Value>(cancelledError: KafkaAdminError(
            code: .timedOut, kind: .connectivity, message: "cancelled before the broker answered",
            operation: operation, brokers: brokers))
        let pending = PendingAdminRequest { event in
            // Parse only while someone still waits (not after a cancellation).
            guard once.isPending else { return }
            let topLevel = rd_kafka_event_error(event)
            if topLevel != RD_KAFKA_RESP_ERR_NO_ERROR {
                once.resume(.failure(KafkaAdminError(
                    code: .init(rawValue: topLevel.rawValue),
                    message: rd_kafka_event_error_string(event).map { String(cString: $0) } ?? "unknown error",
                    operation: operation, brokers: brokers, detail: events.lastError)))
                return
            }
            once.resume(Result { () throws(KafkaAdminError) in try parse(event) })
        }
        let result: Result<Value, KafkaAdminError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                once.attach(continuation)
                guard let options = rd_kafka_AdminOptions_new(client.pointer, adminOperation) else {
                    once.resume(.failure(KafkaAdminError(
                        code: .invalidArgument, message: "rd_kafka_AdminOptions_new failed", operation: operation, brokers: brokers)))
                    return
                }
                // librdkafka copies the options when the request is issued.
                defer { rd_kafka_AdminOptions_destroy(options) }
                var errorBuffer = [CChar](repeating: 0, count: 256)
                let timeoutMs = Int32(clamping: timeout.milliseconds)
                let error = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errorBuffer, errorBuffer.count)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    once.resume(.failure(KafkaAdminError(
                        code: .init(rawValue: error.rawValue), message: cString(errorBuffer), operation: operation, brokers: brokers)))
                    return
                }
                // +1 for librdkafka: released by the background callback, which
                // receives exactly one result event per request.
                rd_kafka_AdminOptions_set_opaque(options, Unmanaged.passRetained(pending).toOpaque())
                start(client.pointer, options, backgroundQueue.pointer)
            }
        } onCancel: {
            once.cancel()
        }
        return try result.get()
    }

    /// Runs a blocking librdkafka call on `queue` (by default a dedicated
    /// concurrent one), never on Swift's cooperative pool.
    ///
    /// The call holds the client and lets go of it *before* resuming the
    /// caller, so the caller's last reference is the last one and the client
    /// is destroyed in the caller's scope. Were the dispatch block the last
    /// holder, `rd_kafka_destroy` could run on that thread while the process is
    /// already exiting, and librdkafka's broker threads would meet OpenSSL's
    /// exit-time cleanup mid-handshake (a SIGSEGV after `lag` had printed its
    /// error). A cancelled caller does not wait: see
    /// ``KafkaAdminClient/waitUntilAllClientsAreDestroyed(timeout:)``.
    func blocking<Value: Sendable>(
        on queue: DispatchQueue = RDKafkaHandle.blockingQueue,
        _ body: @escaping @Sendable (_ client: OpaquePointer) -> Result<Value, KafkaAdminError>
    ) async throws(KafkaAdminError) -> Value {
        let once = ResumeOnce<Value>(cancelledError: KafkaAdminError(
            code: .timedOut, kind: .connectivity, message: "cancelled before the broker answered",
            operation: "request", brokers: brokers))
        let result: Result<Value, KafkaAdminError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                once.attach(continuation)
                // +1 for the call, released before the caller resumes.
                let retained = Unmanaged.passRetained(self)
                queue.async {
                    let result = body(retained.takeUnretainedValue().client.pointer)
                    retained.release()
                    once.resume(result)
                }
            }
        } onCancel: {
            once.cancel()
        }
        return try result.get()
    }

    static let blockingQueue = DispatchQueue(label: "kafka-admin.blocking", attributes: .concurrent)
}

/// The NUL-terminated text librdkafka wrote into an error buffer.
package func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
}
