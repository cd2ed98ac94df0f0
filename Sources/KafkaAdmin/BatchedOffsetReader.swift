public import LagCore

/// What a batched ListOffsets produced; ``unread`` lists the partitions it
/// left to librdkafka.
public struct BatchedOffsets: Sendable, Hashable {
    public var offsets: [TopicPartition: Int64] = [:]
    /// Partitions without a leader in the metadata, whose leader could not be
    /// asked (old broker, connection trouble) or that answered with an error.
    public var unread: [TopicPartition] = []

    public init() {}
}

/// Earliest or latest offsets of any number of partitions with one ListOffsets
/// (v6) per partition leader, sent to all leaders at once.
///
/// librdkafka's admin ListOffsets matches every answered partition against
/// the whole request list (quadratic: 40 % of a poll's CPU at 10,000
/// partitions, docs/benchmarks.md), so it is asked in chunks of 1,000 and
/// sends two requests per chunk and broker; this reader decodes in one linear
/// pass and sends one request per broker and offset kind. Like
/// ``BatchedGroupReader`` it uses plaintext connections only and leaves
/// anything it cannot settle (a partition error such as NOT_LEADER, a missing
/// leader, an old broker) to librdkafka.
final class BatchedOffsetReader: Sendable {
    private let pool: BrokerConnectionPool

    init(pool: BrokerConnectionPool) { self.pool = pool }

    func read(
        _ partitions: some Collection<TopicPartition>, spec: OffsetSpec, metadata: ClusterMetadata, timeout: Duration
    ) async -> BatchedOffsets {
        var result = BatchedOffsets()
        guard !partitions.isEmpty else { return result }
        let brokers = Dictionary(metadata.brokers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var leaders: [String: [Int32: Int32]] = [:]
        for topic in metadata.topics where topic.error == nil {
            leaders[topic.name] = Dictionary(topic.partitions.map { ($0.id, $0.leader) }, uniquingKeysWith: { first, _ in first })
        }
        var byLeader: [BrokerInfo: [TopicPartition]] = [:]
        for partition in partitions {
            if let leader = leaders[partition.topic]?[partition.partition], let broker = brokers[leader] {
                byLeader[broker, default: []].append(partition)
            } else {
                result.unread.append(partition)
            }
        }
        result.offsets.reserveCapacity(partitions.count)
        await withTaskGroup(of: BatchedOffsets.self) { tasks in
            for (leader, led) in byLeader {
                tasks.addTask { await self.read(led, spec: spec, at: leader, timeout: timeout) }
            }
            for await answer in tasks {
                result.offsets.merge(answer.offsets) { _, new in new }
                result.unread += answer.unread
            }
        }
        return result
    }

    private func read(_ partitions: [TopicPartition], spec: OffsetSpec, at leader: BrokerInfo, timeout: Duration) async -> BatchedOffsets {
        var result = BatchedOffsets()
        let operation = "ListOffsets"
        do throws(KafkaAdminError) {
            let deadline = ContinuousClock.now + timeout
            let connection = try await pool.connection(
                to: leader, needs: [.listOffsets: OffsetProtocol.version], timeout: timeout, operation: operation)
            var reader = try await connection.send(
                .listOffsets, version: OffsetProtocol.version,
                body: OffsetProtocol.encodeListOffsets(partitions, timestamp: OffsetProtocol.timestamp(of: spec)),
                timeout: max(.milliseconds(1), deadline - .now), operation: operation)
            let listed = try connection.decode(operation) { () throws(KafkaWireFormat.MalformedResponse) in
                try OffsetProtocol.decodeListOffsets(&reader)
            }
            for answer in listed where answer.errorCode == 0 && answer.offset >= 0 {
                result.offsets[answer.partition] = answer.offset
            }
        } catch {
            // The whole request failed: every partition is left to librdkafka.
        }
        result.unread = partitions.filter { result.offsets[$0] == nil }
        return result
    }
}
