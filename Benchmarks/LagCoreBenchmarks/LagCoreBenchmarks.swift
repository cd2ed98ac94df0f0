import Benchmark
import LagCore

// In-process benchmarks of the parts above the broker (docs/benchmarks.md):
// snapshot and lag report building, lag-in-seconds lookups, the history, and
// /metrics rendering, on a synthetic cluster of the issue's target size:
// 200 topics x 50 partitions = 10,000 partitions, 1,000 groups, each group
// committed on one topic (50 partitions): 50,000 group partitions.
//
// Run: `make bench` or
// `KAFKA_LAG_EXPORTER_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark`.

/// A synthetic cluster; deterministic.
struct SyntheticCluster: Sendable {
    var topicPartitions: [String: [Int32]] = [:]
    var groups: [ConsumerGroupSnapshot] = []
    var snapshot: ClusterSnapshot

    /// - Parameters:
    ///   - membersPerGroup: 0 = member-less groups (as the test broker reports them); else the
    ///     group's partitions are assigned round-robin to that many members.
    init(topics: Int, partitions: Int32, groups groupCount: Int, topicsPerGroup: Int = 1,
         membersPerGroup: Int = 0, logEndBase: Int64 = 1_000, cluster: String = "bench") {
        var topicPartitions: [String: [Int32]] = [:]
        for t in 0..<topics { topicPartitions["topic-\(t)"] = Array(0..<partitions) }
        var groups: [ConsumerGroupSnapshot] = []
        groups.reserveCapacity(groupCount)
        for g in 0..<groupCount {
            var committed: [TopicPartition: Int64] = [:]
            var owned: [TopicPartition] = []
            for j in 0..<topicsPerGroup {
                let topic = "topic-\((g + j) % topics)"
                for p in 0..<partitions {
                    let tp = TopicPartition(topic, p)
                    committed[tp] = logEndBase - Int64((g + Int(p)) % 17)
                    owned.append(tp)
                }
            }
            var members: [GroupMember] = []
            if membersPerGroup > 0 {
                members = (0..<membersPerGroup).map { m in
                    GroupMember(consumerId: "consumer-\(g)-\(m)", clientId: "client-\(m)", host: "/10.0.\(m / 250).\(m % 250)",
                                assignment: stride(from: m, to: owned.count, by: membersPerGroup).map { owned[$0] })
                }
            }
            groups.append(ConsumerGroupSnapshot(
                id: "group-\(g)", state: membersPerGroup > 0 ? .stable : .empty, members: members,
                committedOffsets: committed, topicPartitions: topicPartitions))
        }
        var offsets: [TopicPartition: PartitionOffsets] = [:]
        for tp in ClusterSnapshot.partitionsOfInterest(groups) {
            offsets[tp] = PartitionOffsets(logStart: 0, logEnd: logEndBase + Int64(tp.partition))
        }
        self.topicPartitions = topicPartitions
        self.groups = groups
        self.snapshot = ClusterSnapshot(cluster: cluster, groups: groups, partitionOffsets: offsets)
    }

    /// The same cluster one poll later: every log end and commit moved by `step`.
    func advanced(by step: Int64) -> ClusterSnapshot {
        var next = snapshot
        for key in next.partitionOffsets.keys { next.partitionOffsets[key]!.logEnd! += step }
        for index in next.groups.indices {
            for key in next.groups[index].committedOffsets.keys { next.groups[index].committedOffsets[key]! += step / 2 }
        }
        return next
    }
}

/// Mutable state a benchmark keeps across iterations (the benchmark closures are @Sendable).
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A history that has seen `polls` polls of the cluster, 30 s apart.
func warmHistory(_ cluster: SyntheticCluster, polls: Int) -> (LagHistory, LagInsights, Double) {
    var history = LagHistory(pollInterval: 30)
    var insights = LagInsights()
    var now = 1_700_000_000.0
    for poll in 0..<polls {
        insights = history.record(cluster.advanced(by: Int64(poll * 10)), at: now)
        now += 30
    }
    return (history, insights, now)
}

func seriesCount(_ bytes: [UInt8]) -> Int {
    var lines = 0
    var atLineStart = true
    var comment = false
    for byte in bytes {
        if atLineStart { comment = byte == UInt8(ascii: "#"); atLineStart = false }
        if byte == UInt8(ascii: "\n") {
            if !comment { lines += 1 }
            atLineStart = true
        }
    }
    return lines
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 50
    )

    // 1,000 groups over 10,000 partitions; groups without members (like the test broker's).
    let large = SyntheticCluster(topics: 200, partitions: 50, groups: 1_000)
    let medium = SyntheticCluster(topics: 20, partitions: 50, groups: 100)
    let small = SyntheticCluster(topics: 2, partitions: 50, groups: 10)

    // --- Snapshot building: ConsumerGroupSnapshot.init for every group + ClusterSnapshot.
    Benchmark("Snapshot build 1000 groups x 50 partitions") { benchmark in
        for _ in benchmark.scaledIterations {
            var groups: [ConsumerGroupSnapshot] = []
            groups.reserveCapacity(large.groups.count)
            for group in large.groups {
                groups.append(ConsumerGroupSnapshot(
                    id: group.id, state: group.state, members: group.members,
                    committedOffsets: group.committedOffsets, topicPartitions: large.topicPartitions))
            }
            blackHole(ClusterSnapshot(cluster: "bench", groups: groups, partitionOffsets: large.snapshot.partitionOffsets))
        }
    }

    // --- Lag computation: the LagReport (rows + per-group summaries), three sizes.
    for (name, cluster) in [("10 groups x 50 partitions", small), ("100 groups x 50 partitions", medium),
                            ("1000 groups x 50 partitions", large)] {
        Benchmark("LagReport \(name)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(LagReport(snapshot: cluster.snapshot)) }
        }
    }

    // Groups with members: the owner of each partition is looked up per row.
    let withMembers = SyntheticCluster(topics: 200, partitions: 50, groups: 100, topicsPerGroup: 20, membersPerGroup: 100)
    Benchmark("LagReport 100 groups x 1000 partitions, 100 members each") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(LagReport(snapshot: withMembers.snapshot)) }
    }

    // --- Time lag: LookupTable.
    var fullTable = LookupTable(limit: 60)
    for index in 0..<60 { _ = fullTable.add(.init(offset: Int64(index * 100), time: 1_700_000_000 + Double(index) * 30)) }
    let table = fullTable
    Benchmark("LookupTable.lagSeconds x 10000 (60-point table)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let now = 1_700_000_000.0 + 60 * 30
        for iteration in benchmark.scaledIterations {
            blackHole(table.lagSeconds(committed: Int64(iteration % 6_000), now: now))
        }
    }
    Benchmark("LookupTable.add x 10000 (60-point table, sliding)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var sliding = table
        var time = 1_700_100_000.0
        for iteration in benchmark.scaledIterations {
            time += 30
            blackHole(sliding.add(.init(offset: 10_000 + Int64(iteration), time: time)))
        }
    }

    // --- LagHistory.record at 10,000 partitions (1,000 groups, 50,000 group partitions), steady state.
    let primed = warmHistory(large, polls: 12)
    let history = Box(primed.0)
    let clock = Box(primed.2)
    let nextPolls = (0..<4).map { large.advanced(by: Int64(200 + $0 * 10)) }
    Benchmark("LagHistory.record 10000 partitions, 1000 groups") { benchmark in
        for iteration in benchmark.scaledIterations {
            clock.value += 30
            blackHole(history.value.record(nextPolls[iteration % nextPolls.count], at: clock.value))
        }
    }

    // --- /metrics rendering. Without history: group_offset + group_lag = 100,000
    // partition series, plus 20,000 partition offsets and the group aggregates.
    let process = ProcessMetrics(version: "bench", librdkafkaVersion: "2.8.0", residentMemoryBytes: 20_000_000,
                                 cpuSeconds: 1.5, startTimeSeconds: 1_700_000_000)
    let plain = [ClusterMetricsState(cluster: "bench", labels: [("environment", "bench")], snapshot: large.snapshot,
                                     lastPollDuration: .milliseconds(420), lastSuccessTimestamp: 1_700_000_000,
                                     pollsTotal: 10)]
    let insightful = [ClusterMetricsState(cluster: "bench", labels: [("environment", "bench")], snapshot: large.snapshot,
                                          lastPollDuration: .milliseconds(420), lastSuccessTimestamp: 1_700_000_000,
                                          pollsTotal: 10, insights: primed.1)]
    let plainSeries = seriesCount(MetricsExposition.renderUTF8(clusters: plain, process: process))
    let insightfulSeries = seriesCount(MetricsExposition.renderUTF8(clusters: insightful, process: process))
    Benchmark("renderUTF8 \(plainSeries) series (1000 groups, 10000 partitions, no history)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(MetricsExposition.renderUTF8(clusters: plain, process: process)) }
    }
    Benchmark("renderUTF8 \(insightfulSeries) series (1000 groups, 10000 partitions, with history)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(MetricsExposition.renderUTF8(clusters: insightful, process: process)) }
    }
}
