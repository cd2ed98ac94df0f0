import KafkaAdmin
import LagCore

/// Reads one consistent view of a cluster's consumer lag through the admin
/// client and builds an immutable ``ClusterSnapshot``.
///
/// Requests per collection: one Metadata, one ListGroups per broker, one
/// DescribeGroups per batch of groups, one OffsetFetch per group (run
/// concurrently, bounded), and one ListOffsets per offset kind.
struct LagCollector: Sendable {
    var client: KafkaAdminClient
    var cluster: String
    var groupFilter: NameFilter
    var topicFilter: NameFilter
    /// How many OffsetFetch requests run at once.
    var offsetFetchConcurrency = 16
    /// Groups per DescribeGroups request.
    var describeBatchSize = 500
    /// Partitions per ListOffsets call.
    var listOffsetsChunkSize = 1000
    /// Set for `time-lag: exact`: reads the oldest unconsumed record's timestamp.
    var timestampReader: RecordTimestampReader?
    /// Upper bound for record reads per collection (exact time lag).
    var maxTimestampReads = 1000

    /// A snapshot plus what could not be read without failing the whole collection.
    struct Outcome: Sendable {
        var snapshot: ClusterSnapshot
        /// Groups whose committed offsets could not be read; they are left out.
        var groupFailures: [String: KafkaAdminError]
    }

    /// Collects a snapshot within `timeout` (spent across all requests).
    /// - Throws: when the cluster cannot be reached or listed at all.
    func collect(timeout: Duration) async throws(KafkaAdminError) -> Outcome {
        let deadline = Deadline(after: timeout)
        let metadata = try await client.metadata(timeout: deadline.remaining)
        let listings = try await client.listConsumerGroups(timeout: deadline.remaining)
        let groupIds = listings.map(\.groupId).filter(groupFilter.includes).sorted()
        let listedStates = Dictionary(listings.map { ($0.groupId, $0.state) }, uniquingKeysWith: { first, _ in first })

        var descriptions: [String: ConsumerGroupDescription] = [:]
        for start in stride(from: 0, to: groupIds.count, by: describeBatchSize) {
            let batch = Array(groupIds[start..<min(start + describeBatchSize, groupIds.count)])
            for description in try await client.describeConsumerGroups(batch, timeout: deadline.remaining) {
                descriptions[description.groupId] = description
            }
        }

        let (committed, failures) = await committedOffsets(of: groupIds, deadline: deadline)
        let topicPartitions = metadata.partitionsByTopic
        let groups = groupIds.compactMap { id -> ConsumerGroupSnapshot? in
            guard let offsets = committed[id] else { return nil }
            let description = descriptions[id]
            let members = (description?.members ?? []).map { member in
                GroupMember(consumerId: member.consumerId, clientId: member.clientId, host: member.host, assignment: member.assignment)
            }
            let state = description.flatMap { $0.error == nil ? $0.state : nil } ?? listedStates[id] ?? "Unknown"
            return ConsumerGroupSnapshot(
                id: id, state: state, members: members, committedOffsets: offsets,
                topicPartitions: topicPartitions, topicFilter: topicFilter)
        }

        let partitions = ClusterSnapshot.partitionsOfInterest(groups)
        async let earliest = logOffsets(partitions, spec: .earliest, deadline: deadline)
        async let latest = logOffsets(partitions, spec: .latest, deadline: deadline)
        let start: PartitionOffsetsResult
        let end: PartitionOffsetsResult
        do {
            (start, end) = try await (earliest, latest)
        } catch let error as KafkaAdminError {
            throw error
        } catch {
            // `async let` erases the typed error; the calls only throw KafkaAdminError.
            throw KafkaAdminError(code: .noError, kind: .broker, message: "\(error)", operation: "ListOffsets", brokers: "")
        }
        var offsets: [TopicPartition: PartitionOffsets] = [:]
        offsets.reserveCapacity(partitions.count)
        for partition in partitions {
            offsets[partition] = PartitionOffsets(logStart: start.offsets[partition], logEnd: end.offsets[partition])
        }
        var enriched = groups
        if let timestampReader {
            await readOldestUnconsumed(into: &enriched, offsets: offsets, reader: timestampReader, deadline: deadline)
        }
        let snapshot = ClusterSnapshot(cluster: cluster, groups: enriched, partitionOffsets: offsets, totalGroupCount: listings.count)
        return Outcome(snapshot: snapshot, groupFailures: failures)
    }

    /// ListOffsets in chunks of `listOffsetsChunkSize` partitions: librdkafka
    /// matches each answer against the request list linearly, so one call for
    /// 10,000 partitions costs quadratic time (docs/benchmarks.md).
    private func logOffsets(
        _ partitions: Set<TopicPartition>, spec: OffsetSpec, deadline: Deadline
    ) async throws(KafkaAdminError) -> PartitionOffsetsResult {
        let sorted = partitions.sorted()
        var result = PartitionOffsetsResult()
        for start in stride(from: 0, to: sorted.count, by: listOffsetsChunkSize) {
            let chunk = sorted[start..<min(start + listOffsetsChunkSize, sorted.count)]
            let answer = try await client.listOffsets(chunk, spec: spec, timeout: deadline.remaining)
            result.offsets.merge(answer.offsets) { _, new in new }
            result.failures.merge(answer.failures) { _, new in new }
        }
        return result
    }

    /// Exact time lag: the timestamp of the record at each lagging group's
    /// committed offset. A partition is assigned once per read, so groups at
    /// different offsets of the same partition take several rounds; at most
    /// `maxTimestampReads` records per collection. Failures leave the
    /// interpolation as the fallback.
    private func readOldestUnconsumed(
        into groups: inout [ConsumerGroupSnapshot], offsets: [TopicPartition: PartitionOffsets],
        reader: RecordTimestampReader, deadline: Deadline
    ) async {
        var wanted: [TopicPartition: Set<Int64>] = [:]
        var reads = 0
        for group in groups {
            for (partition, committed) in group.committedOffsets.sorted(by: { $0.key < $1.key }) {
                guard let logEnd = offsets[partition]?.logEnd, committed < logEnd, reads < maxTimestampReads else { continue }
                if wanted[partition, default: []].insert(committed).inserted { reads += 1 }
            }
        }
        var rounds = wanted.mapValues { $0.sorted() }
        var found: [TopicPartition: [Int64: Double]] = [:]
        while !rounds.isEmpty {
            let positions = rounds.compactMapValues(\.first)
            guard let read = try? await reader.timestamps(at: positions, timeout: deadline.remaining) else { break }
            for (partition, timestamp) in read { found[partition, default: [:]][positions[partition]!] = timestamp }
            rounds = rounds.mapValues { Array($0.dropFirst()) }.filter { !$0.value.isEmpty }
        }
        for index in groups.indices {
            for (partition, committed) in groups[index].committedOffsets {
                if let timestamp = found[partition]?[committed] {
                    groups[index].oldestUnconsumedTimestamps[partition] = timestamp
                }
            }
        }
    }

    /// One OffsetFetch per group, at most `offsetFetchConcurrency` at a time.
    private func committedOffsets(
        of groupIds: [String], deadline: Deadline
    ) async -> ([String: [TopicPartition: Int64]], [String: KafkaAdminError]) {
        await withTaskGroup(of: (String, Result<[TopicPartition: Int64], KafkaAdminError>).self) { group in
            var pending = groupIds.makeIterator()
            func startNext() -> Bool {
                guard let id = pending.next() else { return false }
                group.addTask {
                    do throws(KafkaAdminError) {
                        return (id, .success(try await client.committedOffsets(group: id, timeout: deadline.remaining)))
                    } catch {
                        return (id, .failure(error))
                    }
                }
                return true
            }
            for _ in 0..<offsetFetchConcurrency where !startNext() { break }
            var offsets: [String: [TopicPartition: Int64]] = [:]
            var failures: [String: KafkaAdminError] = [:]
            for await (id, result) in group {
                switch result {
                case .success(let value): offsets[id] = value
                case .failure(let error): failures[id] = error
                }
                _ = startNext()
            }
            return (offsets, failures)
        }
    }
}

/// A point in time that several requests share as their common time budget.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after duration: Duration) { instant = .now + duration }

    /// Time left, never less than 1 ms (librdkafka then times out at once).
    var remaining: Duration { max(.milliseconds(1), instant - .now) }
}
