import Foundation
import Synchronization

/// A loopback TCP proxy between Kafka clients and a broker, for fault tests:
/// it forwards whole Kafka protocol frames (a 4-byte big-endian length, then
/// the request or response) and can slow, stall or cut the traffic, switched
/// at run time with ``mode``.
///
/// Clients connect to ``port``; every accepted connection gets its own
/// connection to the upstream broker and two threads (one per direction).
/// The broker must advertise the proxy's port in Metadata, or clients bypass
/// the proxy after bootstrap: start it with `TestBroker.start(advertisedPort:)`.
///
/// The proxy can also answer OffsetFetch for chosen groups with a Kafka error
/// code (``failOffsetFetch(group:errorCode:)``): a deterministic broker-side
/// failure of one group, e.g. `GROUP_AUTHORIZATION_FAILED` (30), while the
/// other groups are served by the real broker.
///
/// It can answer ListGroups with an error too (``failListGroups(errorCode:)``):
/// a poll of the exporter then fails at once, without waiting for a timeout.
///
/// It can answer the describe of chosen groups with members the test makes up
/// (``answerDescribe(group:with:)``): Tansu describes every group without
/// members, so this is how member labels meet a real client and broker.
///
/// And it can hold the requests of one Kafka API (``hold(apiKey:)``) until the
/// test lets them through (``release(apiKey:)``): a state that lasts "until the
/// next request" then lasts exactly as long as the test needs to observe it,
/// however slow the machine. ``heldRequests(apiKey:)`` tells the test that a
/// request has arrived.
///
/// Memory is bounded: a direction holds at most one frame while it waits, and
/// a stalled connection stops reading, so the senders see TCP back-pressure.
public final class TCPProxy: Sendable {
    /// Kafka API keys the tests hold or count (``requestVersions(apiKey:)``).
    public enum APIKey {
        public static let offsetFetch: Int16 = 9
        public static let describeGroups: Int16 = 15
        public static let listGroups: Int16 = 16
        public static let consumerGroupDescribe: Int16 = 69
    }

    /// A made-up member of a consumer group, for ``answerDescribe(group:with:)``.
    public struct Member: Sendable {
        /// The member id (the exporter's `consumer_id`).
        public var memberId: String
        public var clientId: String
        /// As a broker reports it, e.g. "/10.0.0.1".
        public var clientHost: String
        public var groupInstanceId: String?
        /// Topic -> partitions, in the order they are encoded.
        public var assignment: [(topic: String, partitions: [Int32])]

        public init(
            memberId: String, clientId: String, clientHost: String, groupInstanceId: String? = nil,
            assignment: [(topic: String, partitions: [Int32])]
        ) {
            self.memberId = memberId
            self.clientId = clientId
            self.clientHost = clientHost
            self.groupInstanceId = groupInstanceId
            self.assignment = assignment
        }
    }

    /// What the proxy does with each frame.
    public enum Mode: Sendable, Equatable {
        /// Forward at once.
        case passThrough
        /// Hold every frame for this long (from when it was read) before forwarding it.
        case delay(Duration)
        /// Accept connections and read one frame per direction, but forward nothing until the mode changes.
        case stall
        /// Close every open connection and close new ones right after accepting them.
        case disconnect
    }

    /// The proxy's listening port on 127.0.0.1.
    public let port: UInt16
    /// The broker's port on 127.0.0.1.
    public let upstreamPort: UInt16
    private let listener: Int32
    private let state: Mutex<State>

    private struct State {
        var mode: Mode = .passThrough
        var stopped = false
        var connections: [ObjectIdentifier: ProxyConnection] = [:]
        /// Group id -> Kafka error code for OffsetFetch answers.
        var offsetFetchFaults: [String: KafkaFrame.OffsetFetchFault] = [:]
        var injectedResponses: [String: Int] = [:]
        /// The Kafka error code every ListGroups is answered with, if any.
        var listGroupsFault: Int16?
        var injectedListGroups = 0
        /// Group id -> the members its describe is answered with.
        var describeAnswers: [String: [Member]] = [:]
        /// Per group: DescribeGroups answers replaced, ConsumerGroupDescribe answers replaced.
        var injectedDescribes: [String: Int] = [:]
        var injectedConsumerGroupDescribes: [String: Int] = [:]
        /// Requests read per API key and version.
        var versions: [Int16: [Int16: Int]] = [:]
        /// Requests read per API key since the start (a request's ticket is the count before it).
        var arrivals: [Int16: Int] = [:]
        /// API keys whose requests are held, and per key the first ticket not yet released.
        var holding: Set<Int16> = []
        var releasedBelow: [Int16: Int] = [:]
        /// Requests waiting in the proxy right now, per API key.
        var held: [Int16: Int] = [:]
        var acceptedConnections = 0
        /// Threads still running (the accept loop and the pumps): ``stop()`` waits for them.
        var runningThreads = 0
    }

    /// Starts listening on `port` (a free one when nil) and forwards to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: UInt16, port requested: UInt16? = nil) throws {
        let port = try requested ?? TestBroker.freeLoopbackPort()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestBrokerError("TCPProxy: socket() failed: errno \(errno)") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = TestBroker.loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            let failure = errno
            close(descriptor)
            throw TestBrokerError("TCPProxy: cannot listen on 127.0.0.1:\(port): errno \(failure)")
        }
        self.port = port
        self.upstreamPort = upstreamPort
        self.listener = descriptor
        self.state = Mutex(State(runningThreads: 1))
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// The current mode; setting it takes effect for frames already waiting too.
    /// Setting `.disconnect` closes every open connection at once.
    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set {
            let closing = state.withLock { state in
                state.mode = newValue
                return newValue == .disconnect ? Array(state.connections.values) : []
            }
            closing.forEach { $0.shutDown() }
        }
    }

    /// Answers every later OffsetFetch of `group` with `errorCode` (a Kafka
    /// protocol error, e.g. 30 for GROUP_AUTHORIZATION_FAILED) instead of the
    /// broker's answer. The request still reaches the broker. Versions 2 and
    /// newer (those with a top-level error code) are supported.
    public func failOffsetFetch(group: String, errorCode: Int16) {
        state.withLock { $0.offsetFetchFaults[group] = .group(errorCode: errorCode) }
    }

    /// Answers one partition of every later OffsetFetch of `group` with
    /// `errorCode` (e.g. 88 for UNSTABLE_OFFSET_COMMIT) and offset -1; the
    /// group's other partitions keep the broker's answer. OffsetFetch v8 and
    /// newer (librdkafka's admin client sends those).
    public func failOffsetFetch(group: String, topic: String, partition: Int32, errorCode: Int16) {
        state.withLock { state in
            var errors: [String: [Int32: Int16]] = [:]
            if case .partitions(let existing)? = state.offsetFetchFaults[group] { errors = existing }
            errors[topic, default: [:]][partition] = errorCode
            state.offsetFetchFaults[group] = .partitions(errors)
        }
    }

    /// Lets OffsetFetch of `group` through again.
    public func clearOffsetFetchFault(group: String) {
        _ = state.withLock { $0.offsetFetchFaults.removeValue(forKey: group) }
    }

    /// How many OffsetFetch answers for `group` the proxy has replaced.
    public func injectedResponses(group: String) -> Int {
        state.withLock { $0.injectedResponses[group] ?? 0 }
    }

    /// Answers every later ListGroups with `errorCode` (a Kafka protocol error,
    /// e.g. 31 for CLUSTER_AUTHORIZATION_FAILED) and no groups, instead of the
    /// broker's answer; the request still reaches the broker.
    public func failListGroups(errorCode: Int16) {
        state.withLock { $0.listGroupsFault = errorCode }
    }

    /// How many ListGroups answers the proxy has replaced.
    public var injectedListGroupsResponses: Int { state.withLock { $0.injectedListGroups } }

    /// Answers every later describe of `group` with `members`, as a Stable
    /// group of the consumer protocol (assignor "range"); the requests still
    /// reach the broker.
    ///
    /// librdkafka (2.10 and later) describes a group with ConsumerGroupDescribe
    /// (KIP-848) first and falls back to DescribeGroups when the group is not a
    /// consumer-protocol group. Tansu answers ConsumerGroupDescribe for any
    /// group without error (state Empty, no members), which librdkafka takes as
    /// final. So a ConsumerGroupDescribe that names only chosen groups is
    /// answered GROUP_ID_NOT_FOUND, as Kafka answers for a classic group, and
    /// the DescribeGroups that follows (versions 0 to 5) gets the group's entry
    /// replaced.
    public func answerDescribe(group: String, with members: [Member]) {
        state.withLock { $0.describeAnswers[group] = members }
    }

    /// How many DescribeGroups answers for `group` the proxy has replaced.
    public func injectedDescribes(group: String) -> Int {
        state.withLock { $0.injectedDescribes[group] ?? 0 }
    }

    /// How many ConsumerGroupDescribe answers for `group` the proxy has replaced.
    public func injectedConsumerGroupDescribes(group: String) -> Int {
        state.withLock { $0.injectedConsumerGroupDescribes[group] ?? 0 }
    }

    /// Requests of Kafka API `apiKey` read so far, per API version.
    public func requestVersions(apiKey: Int16) -> [Int16: Int] {
        state.withLock { $0.versions[apiKey] ?? [:] }
    }

    /// From now on, requests with Kafka API key `apiKey` (``APIKey``) wait in
    /// the proxy, unforwarded, until ``release(apiKey:)`` or
    /// ``stopHolding(apiKey:)``; the connection's later requests wait behind
    /// them. Faults (``failListGroups(errorCode:)``) apply to a held request as
    /// it is forwarded, so one set meanwhile applies to it. The client's own
    /// timeout still applies (it gives up and may close the connection, which
    /// drops the held request).
    public func hold(apiKey: Int16) {
        state.withLock { state in
            state.holding.insert(apiKey)
            state.releasedBelow[apiKey] = state.arrivals[apiKey, default: 0]
        }
    }

    /// Forwards the requests of `apiKey` held now; later ones are held again.
    public func release(apiKey: Int16) {
        state.withLock { $0.releasedBelow[apiKey] = $0.arrivals[apiKey, default: 0] }
    }

    /// Forwards the held requests of `apiKey` and holds none from now on.
    public func stopHolding(apiKey: Int16) {
        _ = state.withLock { $0.holding.remove(apiKey) }
    }

    /// Requests of `apiKey` waiting in the proxy right now.
    public func heldRequests(apiKey: Int16) -> Int {
        state.withLock { $0.held[apiKey, default: 0] }
    }

    /// Connections accepted since the start.
    public var acceptedConnections: Int { state.withLock { $0.acceptedConnections } }

    /// Connections open right now.
    public var openConnections: Int { state.withLock { $0.connections.count } }

    /// Stops accepting, closes every connection and waits (up to 5 s) for the threads to end. Idempotent.
    public func stop() {
        let (wasStopped, open) = state.withLock { state in
            let wasStopped = state.stopped
            state.stopped = true
            return (wasStopped, Array(state.connections.values))
        }
        guard !wasStopped else { return }
        // Unblocks accept(); the descriptor is closed once the accept loop is gone.
        shutdown(listener, Int32(SHUT_RDWR))
        open.forEach { $0.shutDown() }
        let deadline = ContinuousClock.now + .seconds(5)
        while state.withLock({ $0.runningThreads }) > 0 && ContinuousClock.now < deadline {
            usleep(5_000)
        }
        close(listener)
    }

    // MARK: - Threads

    private func acceptLoop() {
        defer { threadEnded() }
        while true {
            let client = accept(listener, nil, nil)
            if state.withLock({ $0.stopped }) {
                if client >= 0 { close(client) }
                return
            }
            guard client >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let refuse = state.withLock { state in
                state.acceptedConnections += 1
                return state.mode == .disconnect
            }
            guard !refuse, let upstream = Self.connectLoopback(port: upstreamPort) else {
                close(client)
                continue
            }
            let connection = ProxyConnection(client: client, upstream: upstream)
            let registered = state.withLock { state in
                guard !state.stopped else { return false }
                state.connections[ObjectIdentifier(connection)] = connection
                state.runningThreads += 2
                return true
            }
            guard registered else {
                connection.shutDown()
                _ = connection.pumpEnded()
                _ = connection.pumpEnded()
                return
            }
            Thread { [self] in pump(connection, direction: .request) }.start()
            Thread { [self] in pump(connection, direction: .response) }.start()
        }
    }

    private enum Direction { case request, response }

    /// Moves frames one way until either side closes; then closes both.
    private func pump(_ connection: ProxyConnection, direction: Direction) {
        let (source, destination) = direction == .request
            ? (connection.client, connection.upstream) : (connection.upstream, connection.client)
        frames: while var frame = Self.readFrame(source) {
            switch direction {
            case .request:
                // Held first: a fault applies to the request as it is forwarded,
                // so a fault set while a request waits applies to it.
                guard waitWhileHeld(frame, on: connection) else { break frames }
                noteFaults(frame, on: connection)
            case .response:
                replaceFaultedAnswer(&frame, on: connection)
            }
            guard waitUntilForwarding(connection), Self.writeAll(destination, frame) else { break }
        }
        connection.shutDown()
        if connection.pumpEnded() {
            state.withLock { _ = $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
        }
        threadEnded()
    }

    /// Applies the mode to one frame read just now: true to forward it, false to drop the connection.
    private func waitUntilForwarding(_ connection: ProxyConnection) -> Bool {
        let clock = ContinuousClock()
        let arrived = clock.now
        while true {
            let (mode, stopped) = state.withLock { ($0.mode, $0.stopped) }
            if stopped || connection.isShutDown { return false }
            // A held frame must not keep a connection the client has given up on.
            if mode != .passThrough && connection.clientHasClosed() { return false }
            switch mode {
            case .passThrough:
                return true
            case .delay(let duration):
                let remaining = arrived + duration - clock.now
                if remaining <= .zero { return true }
                let nap = min(remaining, .milliseconds(10)).components
                usleep(UInt32(nap.seconds * 1_000_000 + nap.attoseconds / 1_000_000_000_000 + 1))
            case .stall:
                usleep(10_000)
            case .disconnect:
                return false
            }
        }
    }

    private func threadEnded() {
        state.withLock { $0.runningThreads -= 1 }
    }

    /// Counts a request and, while its API is held, waits until the test
    /// releases it: true to go on, false to drop the connection (the client or
    /// the proxy has gone).
    private func waitWhileHeld(_ frame: [UInt8], on connection: ProxyConnection) -> Bool {
        guard frame.count >= 4, let apiKey = KafkaFrame.apiKey(frame) else { return true }
        let apiVersion = Int16(bitPattern: UInt16(frame[2]) << 8 | UInt16(frame[3]))
        let (ticket, isHeld) = state.withLock { state in
            state.versions[apiKey, default: [:]][apiVersion, default: 0] += 1
            let ticket = state.arrivals[apiKey, default: 0]
            state.arrivals[apiKey] = ticket + 1
            let isHeld = state.holding.contains(apiKey) && ticket >= state.releasedBelow[apiKey, default: 0]
            if isHeld { state.held[apiKey, default: 0] += 1 }
            return (ticket, isHeld)
        }
        guard isHeld else { return true }
        defer { state.withLock { $0.held[apiKey, default: 0] -= 1 } }
        while true {
            let (released, stopped) = state.withLock { state in
                (!state.holding.contains(apiKey) || ticket < state.releasedBelow[apiKey, default: 0], state.stopped)
            }
            if released { return true }
            if stopped || connection.isShutDown || connection.clientHasClosed() { return false }
            usleep(5_000)
        }
    }

    // MARK: - Injected errors

    /// Remembers the correlation id of an OffsetFetch that names a faulted
    /// group, of every ListGroups while ListGroups fails, and of a describe
    /// (DescribeGroups, ConsumerGroupDescribe) that names a chosen group.
    private func noteFaults(_ frame: [UInt8], on connection: ProxyConnection) {
        switch KafkaFrame.apiKey(frame) {
        case KafkaFrame.APIKey.listGroups:
            guard let errorCode = state.withLock({ $0.listGroupsFault }),
                  let (request, _) = KafkaFrame.request(frame, apiKey: KafkaFrame.APIKey.listGroups) else { return }
            connection.expectFault(
                correlationId: request.correlationId, .listGroups(apiVersion: request.apiVersion, errorCode: errorCode))
            return
        case KafkaFrame.APIKey.describeGroups:
            guard let (request, groups) = KafkaFrame.describeGroupsRequest(frame) else { return }
            let answers = state.withLock { $0.describeAnswers }
            let chosen = groups.reduce(into: [String: [Member]]()) { chosen, group in chosen[group] = answers[group] }
            guard !chosen.isEmpty else { return }
            connection.expectFault(correlationId: request.correlationId, .describeGroups(apiVersion: request.apiVersion, members: chosen))
            return
        case KafkaFrame.APIKey.consumerGroupDescribe:
            guard let (request, groups) = KafkaFrame.consumerGroupDescribeRequest(frame) else { return }
            let answers = state.withLock { $0.describeAnswers }
            // Only requests for chosen groups alone: the others' answers would need the broker's.
            guard !groups.isEmpty, groups.allSatisfy({ answers[$0] != nil }) else { return }
            connection.expectFault(correlationId: request.correlationId, .consumerGroupDescribe(groups: groups))
            return
        default:
            break
        }
        guard let request = KafkaFrame.offsetFetchRequest(frame), request.apiVersion >= 2 else { return }
        let faults = state.withLock { $0.offsetFetchFaults }
        let chosen = request.groups.reduce(into: [String: KafkaFrame.OffsetFetchFault]()) { chosen, group in chosen[group] = faults[group] }
        guard !chosen.isEmpty else { return }
        connection.expectFault(correlationId: request.correlationId, .offsetFetch(apiVersion: request.apiVersion, faults: chosen))
    }

    /// Replaces the broker's answer to a faulted request: the faulted groups'
    /// part of an OffsetFetch answer with their error, a whole ListGroups
    /// answer, the chosen groups' part of a DescribeGroups answer, or a whole
    /// ConsumerGroupDescribe answer.
    private func replaceFaultedAnswer(_ frame: inout [UInt8], on connection: ProxyConnection) {
        guard frame.count >= 4 else { return }
        let correlationId = KafkaFrame.int32(frame, at: 0)
        switch connection.takeFault(correlationId: correlationId) {
        case .offsetFetch(let apiVersion, let faults)?:
            guard let replaced = KafkaFrame.offsetFetchResponse(frame, apiVersion: apiVersion, faults: faults) else { return }
            frame = replaced
            state.withLock { state in
                for group in faults.keys { state.injectedResponses[group, default: 0] += 1 }
            }
        case .listGroups(let apiVersion, let errorCode)?:
            frame = KafkaFrame.listGroupsResponse(correlationId: correlationId, apiVersion: apiVersion, errorCode: errorCode)
            state.withLock { $0.injectedListGroups += 1 }
        case .describeGroups(let apiVersion, let members)?:
            guard let replaced = KafkaFrame.describeGroupsResponse(frame, apiVersion: apiVersion, replacing: members) else { return }
            frame = replaced
            state.withLock { state in
                for group in members.keys { state.injectedDescribes[group, default: 0] += 1 }
            }
        case .consumerGroupDescribe(let groups)?:
            frame = KafkaFrame.consumerGroupDescribeErrorResponse(
                correlationId: correlationId, groups: groups, errorCode: KafkaFrame.ErrorCode.groupIdNotFound)
            state.withLock { state in
                for group in groups { state.injectedConsumerGroupDescribes[group, default: 0] += 1 }
            }
        case nil:
            return
        }
    }

    // MARK: - Sockets

    private static let maximumFrameSize = 64 << 20

    /// One whole frame without its length prefix, or nil at end of stream or on an error.
    private static func readFrame(_ descriptor: Int32) -> [UInt8]? {
        guard let prefix = readExactly(descriptor, count: 4) else { return nil }
        let size = Int(KafkaFrame.int32(prefix, at: 0))
        guard size >= 0, size <= maximumFrameSize else { return nil }
        return readExactly(descriptor, count: size)
    }

    private static func readExactly(_ descriptor: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + filled, count - filled, 0) }
            if received > 0 {
                filled += received
            } else if received < 0 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return buffer
    }

    /// Writes the length prefix and the frame.
    private static func writeAll(_ descriptor: Int32, _ frame: [UInt8]) -> Bool {
        let bytes = KafkaFrame.bigEndian(Int32(frame.count)) + frame
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                sent += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    private static func connectLoopback(port: UInt16) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = TestBroker.loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }
}

extension TestBroker {
    /// A broker behind a ``TCPProxy`` whose port it advertises, so every
    /// request of every client (after bootstrap too) passes the proxy.
    public static func startBehindProxy() async throws -> (TestBroker, TCPProxy) {
        let brokerPort = try TestBroker.freeLoopbackPort()
        let proxy = try TCPProxy(upstreamPort: brokerPort)
        do {
            return (try await TestBroker.start(port: brokerPort, advertisedPort: proxy.port), proxy)
        } catch {
            proxy.stop()
            throw error
        }
    }
}

/// One proxied connection: the client's socket and the upstream socket.
///
/// Both descriptors are shut down by whichever side ends first (that wakes the
/// other pump) and closed by the pump that ends last, so no descriptor is
/// closed while a thread may still use it.
private final class ProxyConnection: Sendable {
    enum Fault: Sendable {
        /// Group -> Kafka error code, for the faulted groups of one OffsetFetch.
        case offsetFetch(apiVersion: Int16, faults: [String: KafkaFrame.OffsetFetchFault])
        /// A ListGroups answered with this error and no groups.
        case listGroups(apiVersion: Int16, errorCode: Int16)
        /// Group -> made-up members, for the chosen groups of one DescribeGroups.
        case describeGroups(apiVersion: Int16, members: [String: [TCPProxy.Member]])
        /// A ConsumerGroupDescribe of chosen groups only, answered GROUP_ID_NOT_FOUND.
        case consumerGroupDescribe(groups: [String])
    }

    private struct State {
        var isShutDown = false
        var runningPumps = 2
        var faults: [Int32: Fault] = [:]
    }

    let client: Int32
    let upstream: Int32
    private let state = Mutex(State())

    init(client: Int32, upstream: Int32) {
        self.client = client
        self.upstream = upstream
    }

    var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Wakes both pumps (their reads and writes fail from now on).
    func shutDown() {
        state.withLock { $0.isShutDown = true }
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(upstream, Int32(SHUT_RDWR))
    }

    /// Whether the client closed its end (a peek, so nothing is consumed).
    func clientHasClosed() -> Bool {
        var byte: UInt8 = 0
        return recv(client, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0
    }

    /// Called once per pump; the last one closes both descriptors and returns true.
    func pumpEnded() -> Bool {
        let last = state.withLock { state in
            state.runningPumps -= 1
            return state.runningPumps == 0
        }
        if last {
            close(client)
            close(upstream)
        }
        return last
    }

    func expectFault(correlationId: Int32, _ fault: Fault) {
        state.withLock { $0.faults[correlationId] = fault }
    }

    func takeFault(correlationId: Int32) -> Fault? {
        state.withLock { $0.faults.removeValue(forKey: correlationId) }
    }
}
