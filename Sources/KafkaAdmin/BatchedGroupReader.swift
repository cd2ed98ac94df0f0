public import LagCore
import NIOCore

/// What a batched group read produced; ``unread`` lists the groups it left to
/// the one-group-per-request path.
public struct BatchedGroupReads: Sendable {
    public var descriptions: [String: ConsumerGroupDescription] = [:]
    /// Groups the broker refused to describe for good (e.g. not authorized).
    public var describeFailures: [String: KafkaAdminError] = [:]
    public var committed: [String: PartitionMap<Int64>] = [:]
    /// Groups whose committed offsets the broker refused for good (e.g. not authorized).
    public var failures: [String: KafkaAdminError] = [:]
    /// Groups not read here (coordinator not found or moved, a broker too old
    /// for batched requests, a connection problem): read them one by one.
    public var unread: [String] = []

    public init() {}
}

/// Reads the descriptions and committed offsets of many consumer groups with a
/// handful of requests instead of three per group: one FindCoordinator (v4)
/// per `coordinatorBatchSize` groups, then per coordinator one DescribeGroups
/// (v5) and one OffsetFetch (v8) per `groupBatchSize` groups.
///
/// librdkafka's admin API sends one FindCoordinator, one describe and one
/// OffsetFetch per group and remembers only about ten coordinators; at
/// thousands of groups those requests are most of a poll's cost, on both the
/// exporter and the broker (docs/benchmarks.md). This reader speaks just these
/// requests itself, over plaintext connections kept open between polls
/// (``BrokerConnectionPool``). Anything it cannot settle it leaves in ``BatchedGroupReads/unread``
/// for librdkafka, which also owns TLS, SASL and retries, so the batched path
/// can only make a poll cheaper, never change its answer.
final class BatchedGroupReader: Sendable {
    let coordinatorBatchSize: Int
    let groupBatchSize: Int
    /// Batches (a describe and an OffsetFetch each) in flight at once, over all coordinators.
    let batchesInFlight: Int
    private let pool: BrokerConnectionPool

    init(pool: BrokerConnectionPool, coordinatorBatchSize: Int = 1000, groupBatchSize: Int = 250, batchesInFlight: Int = 4) {
        self.pool = pool
        self.coordinatorBatchSize = max(1, coordinatorBatchSize)
        self.groupBatchSize = max(1, groupBatchSize)
        self.batchesInFlight = max(1, batchesInFlight)
    }

    /// Errors that are the broker's final word about a group; any other error
    /// sends the group to librdkafka, which retries or reports it.
    static let finalErrorCodes: Set<Int16> = [30]  // GROUP_AUTHORIZATION_FAILED

    func read(
        _ groupIds: [String], describing: Set<String>, brokers: [BrokerInfo], timeout: Duration
    ) async -> BatchedGroupReads {
        var reads = BatchedGroupReads()
        guard !groupIds.isEmpty else { return reads }
        let deadline = ContinuousClock.now + timeout
        func remaining() -> Duration { max(.milliseconds(1), deadline - .now) }

        guard let coordinators = await findCoordinators(groupIds, brokers: brokers, timeout: remaining) else {
            reads.unread = groupIds
            return reads
        }
        var batches: [(coordinator: BrokerInfo, groups: [String])] = []
        var byCoordinator: [BrokerInfo: [String]] = [:]
        for id in groupIds {
            if let coordinator = coordinators[id] { byCoordinator[coordinator, default: []].append(id) } else { reads.unread.append(id) }
        }
        for (coordinator, ids) in byCoordinator.sorted(by: { $0.key.id < $1.key.id }) {
            for start in stride(from: 0, to: ids.count, by: groupBatchSize) {
                batches.append((coordinator, Array(ids[start..<min(start + groupBatchSize, ids.count)])))
            }
        }

        await withTaskGroup(of: BatchedGroupReads.self) { tasks in
            var pending = batches.makeIterator()
            func startNext() -> Bool {
                guard let batch = pending.next() else { return false }
                tasks.addTask {
                    await self.readBatch(batch.groups, describing: describing, at: batch.coordinator, timeout: remaining())
                }
                return true
            }
            for _ in 0..<batchesInFlight where !startNext() { break }
            for await batch in tasks {
                reads.descriptions.merge(batch.descriptions) { _, new in new }
                reads.describeFailures.merge(batch.describeFailures) { _, new in new }
                reads.committed.merge(batch.committed) { _, new in new }
                reads.failures.merge(batch.failures) { _, new in new }
                reads.unread += batch.unread
                _ = startNext()
            }
        }
        return reads
    }

    /// The coordinator of each group whose lookup succeeded; nil when no broker answered at all.
    private func findCoordinators(
        _ groupIds: [String], brokers: [BrokerInfo], timeout: () -> Duration
    ) async -> [String: BrokerInfo]? {
        for broker in brokers.sorted(by: { $0.id < $1.id }) {
            let operation = "FindCoordinator"
            guard let connection = try? await pool.connection(
                to: broker, needs: GroupProtocol.versions, timeout: timeout(), operation: operation) else { continue }
            var coordinators: [String: BrokerInfo] = [:]
            do throws(KafkaAdminError) {
                for start in stride(from: 0, to: groupIds.count, by: coordinatorBatchSize) {
                    let keys = groupIds[start..<min(start + coordinatorBatchSize, groupIds.count)]
                    var reader = try await connection.send(
                        .findCoordinator, version: 4, body: GroupProtocol.encodeFindCoordinator(groups: keys),
                        timeout: timeout(), operation: operation)
                    let answers = try connection.decode(operation) { () throws(KafkaWireFormat.MalformedResponse) in
                        try GroupProtocol.decodeFindCoordinator(&reader)
                    }
                    for found in answers where found.errorCode == 0 {
                        coordinators[found.key] = BrokerInfo(id: found.nodeId, host: found.host, port: found.port)
                    }
                }
                return coordinators
            } catch {
                connection.close()
                return coordinators.isEmpty ? nil : coordinators
            }
        }
        return nil
    }

    /// One batch on its coordinator: the describe (for the groups in
    /// `describing`) and the OffsetFetch, pipelined on one connection.
    private func readBatch(
        _ groupIds: [String], describing: Set<String>, at coordinator: BrokerInfo, timeout: Duration
    ) async -> BatchedGroupReads {
        var reads = BatchedGroupReads()
        let describe = groupIds.filter(describing.contains)
        let connection: BrokerConnection
        do throws(KafkaAdminError) {
            connection = try await pool.connection(
                to: coordinator, needs: GroupProtocol.versions, timeout: timeout, operation: "OffsetFetch")
        } catch {
            reads.unread = groupIds
            return reads
        }
        async let describeAnswer = describe.isEmpty ? .success([]) : describeGroups(describe, on: connection, timeout: timeout)
        let fetched = await fetchOffsets(groupIds, on: connection, timeout: timeout)

        let broker = connection.address
        let offsets = Self.settle(fetched, asked: groupIds, operation: "OffsetFetch", broker: broker) { $0.offsets }
        let described = Self.settle(await describeAnswer, asked: describe, operation: "DescribeGroups", broker: broker) { group in
            ConsumerGroupDescription(
                groupId: group.groupId, state: group.state, isSimple: group.protocolType.isEmpty,
                partitionAssignor: group.protocolData, coordinator: coordinator, members: group.members)
        }
        // A group left to librdkafka is read there in full: keep nothing of it from this batch.
        let unread = offsets.unread.union(described.unread)
        reads.committed = offsets.values.filter { !unread.contains($0.key) }
        reads.failures = offsets.failures.filter { !unread.contains($0.key) }
        reads.descriptions = described.values.filter { !unread.contains($0.key) }
        reads.describeFailures = described.failures.filter { !unread.contains($0.key) }
        reads.unread = groupIds.filter(unread.contains)
        return reads
    }

    /// Sorts a batched answer by group: the value of each group answered
    /// without an error, the error of each group refused for good
    /// (``finalErrorCodes``), and as unread every group the answer lacks, has
    /// another error for, or the whole of `asked` when the request failed.
    private static func settle<Answer: GroupAnswer, Value>(
        _ result: Result<[Answer], KafkaAdminError>, asked ids: [String], operation: String, broker: String,
        value: (Answer) -> Value
    ) -> (values: [String: Value], failures: [String: KafkaAdminError], unread: Set<String>) {
        guard case .success(let answers) = result else { return ([:], [:], Set(ids)) }
        let answered = Dictionary(answers.map { ($0.groupId, $0) }, uniquingKeysWith: { first, _ in first })
        var settled: (values: [String: Value], failures: [String: KafkaAdminError], unread: Set<String>) = ([:], [:], [])
        for id in ids {
            guard let answer = answered[id] else { settled.unread.insert(id); continue }
            if answer.errorCode == 0 {
                settled.values[id] = value(answer)
            } else if finalErrorCodes.contains(answer.errorCode) {
                settled.failures[id] = KafkaAdminError(brokerCode: answer.errorCode, operation: "\(operation)(\(id))", brokers: broker)
            } else {
                settled.unread.insert(id)
            }
        }
        return settled
    }

    private func describeGroups(
        _ groupIds: [String], on connection: BrokerConnection, timeout: Duration
    ) async -> Result<[GroupProtocol.DescribedGroup], KafkaAdminError> {
        await Result { () async throws(KafkaAdminError) in
            var reader = try await connection.send(
                .describeGroups, version: 5, body: GroupProtocol.encodeDescribeGroups(groupIds), timeout: timeout,
                operation: "DescribeGroups")
            return try connection.decode("DescribeGroups") { () throws(KafkaWireFormat.MalformedResponse) in
                try GroupProtocol.decodeDescribeGroups(&reader)
            }
        }
    }

    private func fetchOffsets(
        _ groupIds: [String], on connection: BrokerConnection, timeout: Duration
    ) async -> Result<[GroupProtocol.FetchedGroup], KafkaAdminError> {
        await Result { () async throws(KafkaAdminError) in
            var reader = try await connection.send(
                .offsetFetch, version: 8, body: GroupProtocol.encodeOffsetFetch(groups: groupIds), timeout: timeout,
                operation: "OffsetFetch")
            return try connection.decode("OffsetFetch") { () throws(KafkaWireFormat.MalformedResponse) in
                try GroupProtocol.decodeOffsetFetch(&reader)
            }
        }
    }
}

extension Result where Failure == KafkaAdminError {
    /// `Result(catching:)` for an async body with a typed error.
    init(_ body: () async throws(KafkaAdminError) -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
