import LagCore
import Testing

/// `MetricsExposition.Renderer`: the page a chunk at a time, as `/metrics`
/// streams it. Its chunks must concatenate to exactly `renderUTF8`'s bytes.
@Suite struct MetricsExpositionRendererTests {
    // MARK: Sample data

    /// `groups` groups ("group-0" … with a quote, a backslash and a newline in
    /// every fifth name), each committed on 3 of `topics` topics x 4 partitions
    /// and with two members sharing its partitions (none for every third group),
    /// polled twice 30 s apart so that the history gives lag in seconds,
    /// statuses, rates and drain times: 40 records produced to every partition,
    /// 0, 60 or 120 consumed from a lag of 200 to 212.
    static func cluster(_ name: String, groups: Int, topics: Int) -> ClusterMetricsState {
        func snapshot(produced: Int64, consumed: Int64) -> ClusterSnapshot {
            var offsets: [TopicPartition: PartitionOffsets] = [:]
            for topic in 0..<topics {
                for partition in Int32(0)..<4 {
                    offsets[TopicPartition("topic-\(topic)", partition)] = PartitionOffsets(
                        logStart: Int64(topic), logEnd: 1_000 + produced)
                }
            }
            let groupSnapshots = (0..<groups).map { index in
                var committed: [TopicPartition: Int64] = [:]
                for topic in 0..<3 {
                    for partition in Int32(0)..<4 {
                        let offset = 800 - Int64((index + Int(partition)) % 13) + consumed * Int64(index % 3)
                        committed[TopicPartition("topic-\((index + topic) % topics)", partition)] = offset
                    }
                }
                let owned = committed.keys.sorted()
                let members = index % 3 == 0 ? [] : (0..<2).map { member in
                    GroupMember(
                        consumerId: "consumer-\(index)-\(member)", clientId: member == 0 ? "client-\(index)" : "",
                        host: "/10.0.\(index % 250).\(member)",
                        assignment: stride(from: member, to: owned.count, by: 2).map { owned[$0] })
                }
                let id = index % 5 == 0 ? "group-\(index) \"odd\" \\ name\n" : "group-\(index)"
                return ConsumerGroupSnapshot(
                    id: id, state: members.isEmpty ? .empty : .stable, members: members, committedOffsets: committed,
                    topicPartitions: [:])
            }
            return ClusterSnapshot(cluster: name, groups: groupSnapshots, partitionOffsets: offsets)
        }
        var history = LagHistory(pollInterval: 30)
        _ = history.record(snapshot(produced: 0, consumed: 0), at: 1_700_000_000)
        let latest = snapshot(produced: 40, consumed: 60)
        let insights = history.record(latest, at: 1_700_000_030)
        var state = ClusterMetricsState(
            cluster: name, labels: [("env", "prod \"eu\""), ("team", "payments")], snapshot: latest,
            lastPollDuration: .milliseconds(1234), lastSuccessTimestamp: 1_700_000_030.5,
            pollErrorsTotal: 2, pollsTotal: 12, insights: insights)
        state.skippedGroups = 1
        return state
    }

    /// Two clusters with history (over 250 KB of text), a cluster
    /// without history and one that never polled; a sharded process.
    static let clusters = [
        cluster("prod", groups: 60, topics: 7),
        cluster("注文", groups: 7, topics: 3),
        MetricsExpositionTests.prod,
        MetricsExpositionTests.dev,
    ]

    static let process = ProcessMetrics(
        version: "0.2.0", librdkafkaVersion: "2.6.1", residentMemoryBytes: 12_345_678, cpuSeconds: 1.25,
        startTimeSeconds: 1_699_999_000, shard: try! Shard(index: 1, count: 3))

    /// Every chunk of `renderer`, until it reports the page complete.
    static func chunks(of renderer: inout MetricsExposition.Renderer) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var chunk: [UInt8] = []
        while renderer.nextChunk(into: &chunk) {
            chunks.append(chunk)
        }
        return chunks
    }

    // MARK: Same bytes

    @Test(arguments: [1, 7, 100, 1_000, 4_096, 65_536, MetricsExposition.Renderer.defaultChunkSize])
    func chunksConcatenateToTheWholePage(chunkSize: Int) {
        let selection = MetricsExposition.FamilySelection(.all)
        let whole = MetricsExposition.renderUTF8(clusters: Self.clusters, process: Self.process, selection: selection)
        #expect(whole.count > 250_000)
        let families = String(decoding: whole, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        #expect(families == MetricsExposition.families.map(\.name))
        var renderer = MetricsExposition.Renderer(
            clusters: Self.clusters, process: Self.process, selection: selection, chunkSize: chunkSize)
        let chunks = Self.chunks(of: &renderer)

        #expect(Array(chunks.joined()) == whole)
        #expect(renderer.isFinished)
        #expect(chunks.count >= whole.count / (chunkSize + 2_000))
        // A chunk stops only once full (the last one excepted), at the end of a series.
        #expect(chunks.dropLast().allSatisfy { $0.count >= chunkSize })
        #expect(chunks.allSatisfy { $0.last == UInt8(ascii: "\n") })
        // Past the limit by at most one item: a series, or the six of a group's status.
        let longestLine = whole.split(separator: UInt8(ascii: "\n")).map(\.count).max() ?? 0
        #expect(chunks.allSatisfy { $0.count < chunkSize + 6 * (longestLine + 1) + 1_000 })
    }

    @Test func oneSeriesPerChunkAtTheSmallestSize() throws {
        let selection = MetricsExposition.FamilySelection(.all)
        var renderer = MetricsExposition.Renderer(
            clusters: [MetricsExpositionTests.prod], process: MetricsExpositionTests.bareProcess, selection: selection,
            chunkSize: 1)
        let chunks = Self.chunks(of: &renderer).map { String(decoding: $0, as: UTF8.self) }
        // The first chunk carries its family's header, the others a series each.
        #expect(chunks.prefix(3) == [
            """
            # HELP kafka_consumergroup_group_offset Last group consumed offset of a partition
            # TYPE kafka_consumergroup_group_offset gauge
            kafka_consumergroup_group_offset{cluster_name="prod",group="billing",topic="payments",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",env="eu-1",team="payments"} 100

            """,
            #"kafka_consumergroup_group_offset{cluster_name="prod",group="billing",topic="payments",partition="2",member_host="unknown",consumer_id="unknown",client_id="unknown",env="eu-1",team="payments"} 7"#
                + "\n",
            #"kafka_consumergroup_group_offset{cluster_name="prod",group="orders-app",topic="orders",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",env="eu-1",team="payments"} 40"#
                + "\n",
        ])
        #expect(chunks.joined() == MetricsExposition.render(
            clusters: [MetricsExpositionTests.prod], process: MetricsExpositionTests.bareProcess))
    }

    @Test func filteredFamiliesAreLeftOutOfTheChunksToo() throws {
        let filter = try NameFilter(
            allow: ["kafka_consumergroup_group_lag.*", "kafka_partition_.*", "process_.*"],
            deny: ["kafka_partition_earliest_offset"])
        let selection = MetricsExposition.FamilySelection(filter)
        var renderer = MetricsExposition.Renderer(
            clusters: Self.clusters, process: Self.process, selection: selection, chunkSize: 512)
        let text = String(decoding: Array(Self.chunks(of: &renderer).joined()), as: UTF8.self)
        #expect(text == MetricsExposition.render(clusters: Self.clusters, process: Self.process, metricFilter: filter))
        let families = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        #expect(families == [
            "kafka_consumergroup_group_lag", "kafka_consumergroup_group_lag_seconds", "kafka_partition_latest_offset",
            "process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
        ])
    }

    // MARK: End of the page

    @Test func anEmptyPageHasNoChunkAndIsFinishedAtOnce() throws {
        let selection = MetricsExposition.FamilySelection(try NameFilter(allow: ["none"]))
        var renderer = MetricsExposition.Renderer(clusters: Self.clusters, process: Self.process, selection: selection)
        #expect(renderer.isFinished)
        var chunk: [UInt8] = Array("left over".utf8)
        let more = renderer.nextChunk(into: &chunk)
        #expect(!more)
        #expect(chunk.isEmpty)
        #expect(MetricsExposition.renderUTF8(clusters: Self.clusters, process: Self.process, selection: selection).isEmpty)
    }

    @Test func isFinishedTurnsTrueWithTheLastChunk() {
        var renderer = MetricsExposition.Renderer(
            clusters: Self.clusters, process: Self.process, selection: .init(.all), chunkSize: 16_384)
        var chunk: [UInt8] = []
        var sizes: [Int] = []
        while !renderer.isFinished {
            let written = renderer.nextChunk(into: &chunk)
            #expect(written)
            sizes.append(chunk.count)
        }
        // The last chunk holds the exporter's own families.
        #expect(String(decoding: chunk, as: UTF8.self).hasSuffix("process_start_time_seconds 1699999000.0\n"))
        let more = renderer.nextChunk(into: &chunk)
        #expect(!more)
        #expect(chunk.isEmpty)
        #expect(sizes.reduce(0, +) == MetricsExposition.renderUTF8(
            clusters: Self.clusters, process: Self.process, selection: .init(.all)).count)
    }
}
