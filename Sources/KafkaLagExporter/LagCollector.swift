import KafkaAdmin
import LagCore

/// Reads one consistent view of a cluster's consumer lag through the admin
/// client and builds an immutable ``ClusterSnapshot``.
///
/// Requests per collection: one Metadata, one ListGroups per broker, one
/// FindCoordinator per 1,000 groups, per coordinator one DescribeGroups (of
/// the groups not listed as Empty or Dead) and one OffsetFetch per batch of
/// 250 groups, and one ListOffsets per partition leader and offset kind. Over
/// TLS or SASL, with brokers older than Kafka 3.0, or with `reads: librdkafka`,
/// librdkafka reads instead: per group one FindCoordinator, one describe and
/// one OffsetFetch (bounded concurrency), ListOffsets per broker, offset kind
/// and chunk of partitions. A shard (`shard: i/N`) describes and fetches only
/// its own groups.
struct LagCollector: Sendable {
    var client: KafkaAdminClient
    var cluster: String
    var groupFilter: NameFilter
    var topicFilter: NameFilter
    /// How many groups are read at once. librdkafka remembers only about ten
    /// group coordinators, so a group's describe and its OffsetFetch share one
    /// FindCoordinator only while fewer groups than that are in flight.
    var groupConcurrency = 8
    /// Partitions per ListOffsets call.
    var listOffsetsChunkSize = 1000
    /// Whether to read groups and log offsets with batched requests where the
    /// admin client can (``KafkaAdminClient/readGroupsBatched(_:describing:brokers:timeout:)``,
    /// ``KafkaAdminClient/listOffsetsBatched(_:spec:metadata:timeout:)``);
    /// off: everything through librdkafka (one describe and one OffsetFetch per
    /// group, ListOffsets in chunks).
    var batchesReads = true
    /// Set for `time-lag: exact`: reads the oldest unconsumed record's timestamp.
    var timestampReader: RecordTimestampReader?
    /// Upper bound for record reads per collection (exact time lag).
    var maxTimestampReads = 1000
    /// The slice of the cluster this exporter reports (`shard: i/N`): only
    /// groups it owns are described and fetched, and partition gauges cover
    /// only partitions it owns.
    var shard: Shard = .whole
    /// Whether to read the offsets of every partition the shard reports gauges
    /// for (``ClusterSnapshot/partitionGauges(of:topicFilter:shard:)``), not
    /// only those its groups report: on for `serve`, off for `lag`, which
    /// prints no gauges.
    var readsPartitionGauges = false

    /// A snapshot plus what could not be read without failing the whole collection.
    struct Outcome: Sendable {
        var snapshot: ClusterSnapshot
        /// Groups whose committed offsets could not be read; they are left out.
        var groupFailures: [String: KafkaAdminError]
        /// Groups whose description could not be read; they are reported with
        /// their listed state and without member labels.
        var describeFailures: [String: KafkaAdminError] = [:]
    }

    /// Collects a snapshot within `timeout` (spent across all requests).
    /// - Throws: when the cluster cannot be reached or listed at all.
    func collect(timeout: Duration) async throws(KafkaAdminError) -> Outcome {
        let deadline = Deadline(after: timeout)
        let metadata = try await client.metadata(timeout: deadline.remaining)
        let listings = try await client.listConsumerGroups(timeout: deadline.remaining)
        let groupIds = listings.map(\.groupId).filter { groupFilter.includes($0) && shard.owns(group: $0) }.sorted()
        let listedStates = Dictionary(listings.map { ($0.groupId, $0.state) }, uniquingKeysWith: { first, _ in first })

        let topicPartitions = metadata.partitionsByTopic
        // Partition gauges cover partitions known before any group is read: their
        // log-start offsets are read while the groups are. Log-end offsets are
        // read after the committed offsets, so a commit can never look ahead of
        // the log end it is compared with.
        let owned = readsPartitionGauges
            ? ClusterSnapshot.partitionGauges(of: topicPartitions, topicFilter: topicFilter, shard: shard) : []
        async let ownedStart = logOffsets(owned, spec: .earliest, metadata: metadata, deadline: deadline)

        // A group listed as Empty or Dead has no members by definition: only the others need a describe.
        let describe = Set(listings.lazy.filter { !Self.memberlessStates.contains($0.state) }.map(\.groupId))
        let reads = await readGroups(groupIds, describing: describe, brokers: metadata.brokers, deadline: deadline)
        let groups = groupIds.compactMap { id -> ConsumerGroupSnapshot? in
            guard let offsets = reads.committed[id] else { return nil }
            let description = reads.descriptions[id]
            let members = (description?.members ?? []).map { member in
                GroupMember(consumerId: member.consumerId, clientId: member.clientId, host: member.host, assignment: member.assignment)
            }
            let state = description.flatMap { $0.error == nil ? $0.state : nil } ?? listedStates[id] ?? "Unknown"
            return ConsumerGroupSnapshot(
                id: id, state: state, members: members, committedOffsets: offsets,
                topicPartitions: topicPartitions, topicFilter: topicFilter)
        }

        var partitions = ClusterSnapshot.partitionsOfInterest(groups)
        var gaugePartitions: Set<TopicPartition>?
        if readsPartitionGauges {
            partitions.formUnion(owned)
            // nil (all of them) when the groups report no partition beyond the owned ones.
            gaugePartitions = owned.count == partitions.count ? nil : owned
        }
        async let otherStart = logOffsets(partitions.subtracting(owned), spec: .earliest, metadata: metadata, deadline: deadline)
        async let latest = logOffsets(partitions, spec: .latest, metadata: metadata, deadline: deadline)
        var start = try await ownedStart.get()
        let others = try await otherStart.get()
        let end = try await latest.get()
        start.offsets.merge(others.offsets) { _, new in new }
        var offsets: [TopicPartition: PartitionOffsets] = [:]
        offsets.reserveCapacity(partitions.count)
        for partition in partitions {
            offsets[partition] = PartitionOffsets(logStart: start.offsets[partition], logEnd: end.offsets[partition])
        }
        var enriched = groups
        if let timestampReader {
            await readOldestUnconsumed(into: &enriched, offsets: offsets, reader: timestampReader, deadline: deadline)
        }
        let snapshot = ClusterSnapshot(
            cluster: cluster, groups: enriched, partitionOffsets: offsets, totalGroupCount: listings.count,
            gaugePartitions: gaugePartitions)
        return Outcome(snapshot: snapshot, groupFailures: reads.failures, describeFailures: reads.describeFailures)
    }

    /// Log offsets of `partitions`: batched first (one ListOffsets per leader,
    /// when batching is on and possible), then through librdkafka for the
    /// partitions left, in chunks of `listOffsetsChunkSize`: librdkafka matches
    /// each answer against the request list linearly, so one call for 10,000
    /// partitions costs quadratic time (docs/benchmarks.md).
    /// (A Result, not a typed throw: `async let` would erase the error type.)
    private func logOffsets(
        _ partitions: Set<TopicPartition>, spec: OffsetSpec, metadata: ClusterMetadata, deadline: Deadline
    ) async -> Result<PartitionOffsetsResult, KafkaAdminError> {
        var result = PartitionOffsetsResult()
        guard !partitions.isEmpty else { return .success(result) }
        var left = Array(partitions)
        if batchesReads {
            let batched = await client.listOffsetsBatched(partitions, spec: spec, metadata: metadata, timeout: deadline.remaining)
            result.offsets = batched.offsets
            left = batched.unread
        }
        let sorted = left.sorted()
        for start in stride(from: 0, to: sorted.count, by: listOffsetsChunkSize) {
            let chunk = sorted[start..<min(start + listOffsetsChunkSize, sorted.count)]
            do throws(KafkaAdminError) {
                let answer = try await client.listOffsets(chunk, spec: spec, timeout: deadline.remaining)
                result.offsets.merge(answer.offsets) { _, new in new }
                result.failures.merge(answer.failures) { _, new in new }
            } catch {
                return .failure(error)
            }
        }
        return .success(result)
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
            for (partition, committed) in group.committedOffsets {
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

    /// Group states that cannot have members, so a describe would add nothing.
    static let memberlessStates: Set<String> = ["Empty", "Dead"]

    /// What the group reads of one collection produced.
    private struct GroupReads {
        var descriptions: [String: ConsumerGroupDescription] = [:]
        var describeFailures: [String: KafkaAdminError] = [:]
        var committed: [String: PartitionMap<Int64>] = [:]
        var failures: [String: KafkaAdminError] = [:]
    }

    /// Describes the groups in `describing` and reads every group's committed
    /// offsets: batched first (a few requests for all groups, when the
    /// connection is plaintext and the brokers are new enough), then one by one
    /// through librdkafka for whatever the batched read left unread. A failed
    /// describe leaves the group with its listed state and no members; a failed
    /// OffsetFetch leaves the group out.
    private func readGroups(
        _ groupIds: [String], describing: Set<String>, brokers: [BrokerInfo], deadline: Deadline
    ) async -> GroupReads {
        guard batchesReads else { return await readGroupsOneByOne(groupIds, describing: describing, deadline: deadline) }
        let batched = await client.readGroupsBatched(
            groupIds, describing: describing, brokers: brokers, timeout: deadline.remaining)
        var reads = await readGroupsOneByOne(batched.unread, describing: describing, deadline: deadline)
        reads.descriptions.merge(batched.descriptions) { single, _ in single }
        reads.describeFailures.merge(batched.describeFailures) { single, _ in single }
        reads.committed.merge(batched.committed) { single, _ in single }
        reads.failures.merge(batched.failures) { single, _ in single }
        return reads
    }

    /// Per group: a describe (only for groups in `describing`), then its
    /// committed offsets (OffsetFetch), at most `groupConcurrency` groups at a
    /// time. Back to back, the two requests of a group find its coordinator in
    /// librdkafka's cache.
    private func readGroupsOneByOne(
        _ groupIds: [String], describing: Set<String>, deadline: Deadline
    ) async -> GroupReads {
        typealias Described = Result<ConsumerGroupDescription, KafkaAdminError>?
        typealias Read = (id: String, description: Described, offsets: Result<[TopicPartition: Int64], KafkaAdminError>)
        return await withTaskGroup(of: Read.self, returning: GroupReads.self) { group in
            var pending = groupIds.makeIterator()
            func startNext() -> Bool {
                guard let id = pending.next() else { return false }
                let describes = describing.contains(id)
                group.addTask {
                    var description: Described = nil
                    if describes {
                        do throws(KafkaAdminError) {
                            let described = try await client.describeConsumerGroups([id], timeout: deadline.remaining).first
                            description = described.map { $0.error.map(Result.failure) ?? .success($0) }
                        } catch {
                            description = .failure(error)
                        }
                    }
                    do throws(KafkaAdminError) {
                        return (id, description, .success(try await client.committedOffsets(group: id, timeout: deadline.remaining)))
                    } catch {
                        return (id, description, .failure(error))
                    }
                }
                return true
            }
            for _ in 0..<max(1, groupConcurrency) where !startNext() { break }
            var reads = GroupReads()
            reads.committed.reserveCapacity(groupIds.count)
            for await read in group {
                switch read.description {
                case .success(let description): reads.descriptions[read.id] = description
                case .failure(let error): reads.describeFailures[read.id] = error
                case nil: break
                }
                switch read.offsets {
                case .success(let value): reads.committed[read.id] = PartitionMap(value)
                case .failure(let error): reads.failures[read.id] = error
                }
                _ = startNext()
            }
            return reads
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
