public import KafkaAdmin
public import LagCore

/// Reads one consistent view of a cluster's consumer lag through the admin
/// client (librdkafka) and builds an immutable ``ClusterSnapshot``: the poll.
///
/// One collection: Metadata, ListConsumerGroups, then per group (at most
/// ``groupConcurrency`` at a time) a describe, unless the group is listed as
/// Empty or Dead, and its committed offsets, then the log-start and log-end
/// offsets of every partition reported, in chunks of ``listOffsetsChunkSize``.
/// The requests librdkafka sends for that are counted and bounded in
/// docs/benchmarks.md ("Requests per poll"). A shard (`shard: i/N`) describes
/// and fetches only its own groups.
public struct LagCollector: Sendable {
    public var client: KafkaAdminClient
    public var cluster: String
    public var groupFilter: NameFilter
    public var topicFilter: NameFilter
    /// How many groups are read at once. librdkafka remembers only about ten
    /// group coordinators, so a group's describe and its OffsetFetch share one
    /// FindCoordinator only while fewer groups than that are in flight.
    public var groupConcurrency = Self.defaultGroupConcurrency
    /// Measured: docs/benchmarks.md, "Groups read at once".
    public static let defaultGroupConcurrency = 8
    /// Partitions per ListOffsets call: librdkafka matches each answer against
    /// the request list linearly, so one call for 10,000 partitions costs
    /// quadratic time (docs/benchmarks.md).
    public var listOffsetsChunkSize = 1000
    /// Set for `time-lag: exact`: reads the oldest unconsumed record's timestamp.
    public var timestampReader: RecordTimestampReader?
    /// Upper bound for record reads per collection (exact time lag).
    public var maxTimestampReads = 1000
    /// The slice of the cluster this exporter reports (`shard: i/N`): only
    /// groups it owns are described and fetched, and partition gauges cover
    /// only partitions it owns.
    public var shard: Shard = .whole
    /// Whether to read the offsets of every partition the shard reports gauges
    /// for (``ClusterSnapshot/partitionGauges(of:topicFilter:shard:)``), not
    /// only those its groups report: on for `serve`, off for `lag`, which
    /// prints no gauges.
    public var readsPartitionGauges = false

    public init(client: KafkaAdminClient, cluster: String, groupFilter: NameFilter = .all, topicFilter: NameFilter = .all) {
        self.client = client
        self.cluster = cluster
        self.groupFilter = groupFilter
        self.topicFilter = topicFilter
    }

    /// A snapshot plus what could not be read without failing the whole collection.
    public struct Outcome: Sendable {
        public var snapshot: ClusterSnapshot
        /// Groups whose committed offsets could not be read (the whole group,
        /// or any of its partitions); they are left out of the snapshot.
        public var groupFailures: [String: KafkaAdminError]
        /// Groups whose description could not be read; they are reported with
        /// their listed state and without member labels.
        public var describeFailures: [String: KafkaAdminError] = [:]
    }

    /// Collects a snapshot within `timeout` (spent across all requests).
    /// - Throws: when the cluster cannot be reached or listed at all, when any
    ///   read goes unanswered (timed out, connection lost), or when its log
    ///   offsets cannot be read.
    public func collect(timeout: Duration) async throws(KafkaAdminError) -> Outcome {
        let deadline = Deadline(after: timeout)
        let metadata = try await client.metadata(timeout: deadline.remaining)
        let listings = try await client.listConsumerGroups(timeout: deadline.remaining)
        let groupIds = listings.map(\.groupId).filter { groupFilter.includes($0) && shard.owns(group: $0) }.sorted()
        let listed = Dictionary(listings.map { ($0.groupId, $0) }, uniquingKeysWith: { first, _ in first })

        let topicPartitions = metadata.partitionsByTopic
        // Partition gauges cover partitions known before any group is read: their
        // log-start offsets are read while the groups are. Log-end offsets are
        // read after the committed offsets, so a commit can never look ahead of
        // the log end it is compared with.
        let owned = readsPartitionGauges
            ? ClusterSnapshot.partitionGauges(of: topicPartitions, topicFilter: topicFilter, shard: shard) : []
        async let ownedStart = logOffsets(owned, spec: .earliest, deadline: deadline)

        // A group listed as Empty or Dead has no members by definition: only the others need a describe.
        let describe = Set(listings.lazy.filter(\.state.canHaveMembers).map(\.groupId))
        let reads = await readGroups(groupIds, describing: describe, deadline: deadline)
        // A read the cluster did not answer (timed out, connection lost) makes
        // the whole poll fail, so the last good snapshot stays: publishing the
        // rest would make the unread groups vanish. Errors the broker answered
        // with (e.g. not authorized) leave out only their group.
        if let lost = Self.unanswered(reads.failures) ?? Self.unanswered(reads.describeFailures) { throw lost }
        let groups = groupIds.compactMap { id -> ConsumerGroupSnapshot? in
            guard let offsets = reads.committed[id], let listing = listed[id] else { return nil }
            return ConsumerGroupSnapshot(
                listing: listing, description: reads.descriptions[id], committedOffsets: offsets,
                topicPartitions: topicPartitions, topicFilter: topicFilter)
        }

        var partitions = ClusterSnapshot.partitionsOfInterest(groups)
        var gaugePartitions: Set<TopicPartition>?
        if readsPartitionGauges {
            partitions.formUnion(owned)
            // nil (all of them) when the groups report no partition beyond the owned ones.
            gaugePartitions = owned.count == partitions.count ? nil : owned
        }
        async let otherStart = logOffsets(partitions.subtracting(owned), spec: .earliest, deadline: deadline)
        async let latest = logOffsets(partitions, spec: .latest, deadline: deadline)
        var start = try await ownedStart.get()
        let others = try await otherStart.get()
        let end = try await latest.get()
        if let lost = Self.unanswered(start.failures) ?? Self.unanswered(others.failures) ?? Self.unanswered(end.failures) {
            throw lost
        }
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

    /// The first error (in key order) of a read the cluster did not answer, if any.
    private static func unanswered<Key: Comparable>(_ failures: [Key: KafkaAdminError]) -> KafkaAdminError? {
        failures.filter { $0.value.kind == .connectivity }.min { $0.key < $1.key }?.value
    }

    /// Log offsets of `partitions`, in chunks of ``listOffsetsChunkSize``
    /// (librdkafka sends one ListOffsets per partition leader and chunk).
    /// (A Result, not a typed throw: `async let` would erase the error type.)
    private func logOffsets(
        _ partitions: Set<TopicPartition>, spec: OffsetSpec, deadline: Deadline
    ) async -> Result<PartitionOffsetsResult, KafkaAdminError> {
        var result = PartitionOffsetsResult()
        let sorted = partitions.sorted()
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

    /// What the group reads of one collection produced.
    private struct GroupReads {
        var descriptions: [String: ConsumerGroupDescription] = [:]
        var describeFailures: [String: KafkaAdminError] = [:]
        var committed: [String: PartitionMap<Int64>] = [:]
        var failures: [String: KafkaAdminError] = [:]
    }

    /// Per group: a describe (only for groups in `describing`), then its
    /// committed offsets (OffsetFetch), at most ``groupConcurrency`` groups at
    /// a time. Back to back, the two requests of a group find its coordinator
    /// in librdkafka's cache. A failed describe leaves the group with its
    /// listed state and no members; a failed OffsetFetch, or one with an error
    /// for any partition, leaves the group out of this poll: a partition
    /// whose commit is unknown is never shown as one without a commit.
    private func readGroups(
        _ groupIds: [String], describing: Set<String>, deadline: Deadline
    ) async -> GroupReads {
        typealias Described = Result<ConsumerGroupDescription, KafkaAdminError>?
        typealias Read = (id: String, description: Described, offsets: Result<PartitionOffsetsResult, KafkaAdminError>)
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
                case .success(let answer):
                    if let (_, error) = answer.failures.min(by: { $0.key < $1.key }) {
                        reads.failures[read.id] = error
                    } else {
                        reads.committed[read.id] = PartitionMap(answer.offsets)
                    }
                case .failure(let error): reads.failures[read.id] = error
                }
                _ = startNext()
            }
            return reads
        }
    }
}
