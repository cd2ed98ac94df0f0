import LagCore
import Testing

@Suite struct ShardTests {
    // MARK: Parsing

    @Test func parsesIndexOfCount() throws {
        let shard = try Shard(parsing: "2/3")
        #expect(shard.index == 2)
        #expect(shard.count == 3)
        #expect(shard.description == "2/3")
        #expect(try Shard(parsing: "0/1") == .whole)
    }

    @Test(arguments: [
        ("3/3", "must have a shard index below the shard count (0 to 2), got '3/3'"),
        ("0/0", "must have at least 1 shard, got '0/0'"),
        ("-1/3", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got '-1/3'"#),
        ("+1/3", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got '+1/3'"#),
        (" 1/3", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got ' 1/3'"#),
        ("1", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got '1'"#),
        ("1/3/4", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got '1/3/4'"#),
        ("a/3", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got 'a/3'"#),
        ("", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got ''"#),
        ("99999999999999999999/3", #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got '99999999999999999999/3'"#),
    ])
    func rejectsBadShards(text: String, message: String) {
        #expect(throws: ShardError(message)) { try Shard(parsing: text) }
        #expect(throws: ShardError(message)) { try Shard.Setting(parsing: text) }
    }

    @Test func rejectsOutOfRangeIndexAndCount() {
        #expect(throws: ShardError("the shard index must be between 0 and 1 for 2 shards, got 2")) {
            try Shard(index: 2, count: 2)
        }
        #expect(throws: ShardError("the shard count must be at least 1, got 0")) { try Shard(index: 0, count: 0) }
    }

    @Test func parsesSettings() throws {
        #expect(try Shard.Setting(parsing: "1/4") == .fixed(try Shard(index: 1, count: 4)))
        #expect(try Shard.Setting(parsing: "auto/3") == .podOrdinal(count: 3))
        #expect(try Shard.Setting(parsing: "auto/3").description == "auto/3")
        for bad in ["auto/0", "auto/", "auto/x", "auto/-1", "auto"] {
            let message = bad == "auto"
                ? #"must be "i/N" (shard i of N, 0 <= i < N) or "auto/N", got 'auto'"#
                : "must be \"auto/N\" with N >= 1 shards, got '\(bad)'"
            #expect(throws: ShardError(message)) { try Shard.Setting(parsing: bad) }
        }
    }

    // MARK: The pod ordinal

    @Test func podOrdinalIsTheTrailingNumber() {
        #expect(Shard.Setting.ordinal(of: "exporter-2") == 2)
        #expect(Shard.Setting.ordinal(of: "kafka-lag-exporter-10") == 10)
        #expect(Shard.Setting.ordinal(of: "exporter") == nil)
        #expect(Shard.Setting.ordinal(of: "exporter-") == nil)
        #expect(Shard.Setting.ordinal(of: "exporter-2a") == nil)
        #expect(Shard.Setting.ordinal(of: "exporter-7c9f8d-x2x9q") == nil)
    }

    @Test func autoTakesTheIndexFromPodNameThenHostname() throws {
        let auto = Shard.Setting.podOrdinal(count: 3)
        #expect(try auto.resolve(environment: ["POD_NAME": "exporter-2"]) == Shard(index: 2, count: 3))
        #expect(try auto.resolve(environment: ["HOSTNAME": "exporter-1"]) == Shard(index: 1, count: 3))
        #expect(try auto.resolve(environment: ["POD_NAME": "exporter-0", "HOSTNAME": "exporter-2"]) == Shard(index: 0, count: 3))
        #expect(try auto.resolve(environment: ["POD_NAME": "", "HOSTNAME": "exporter-2"]) == Shard(index: 2, count: 3))
        let fixed = Shard.Setting.fixed(try Shard(index: 1, count: 2))
        #expect(try fixed.resolve(environment: ["POD_NAME": "exporter-0"]) == Shard(index: 1, count: 2))
    }

    @Test func autoNamesThePodAndTheOrdinalWhenItCannotResolve() {
        let auto = Shard.Setting.podOrdinal(count: 3)
        #expect(throws: ShardError(
            "ordinal 3 of POD_NAME 'exporter-3' is not below the shard count 3 of 'auto/3': the StatefulSet has more replicas than shards"
        )) { try auto.resolve(environment: ["POD_NAME": "exporter-3"]) }
        #expect(throws: ShardError(
            "'auto/3' takes the shard index from the StatefulSet pod ordinal, but HOSTNAME 'laptop' does not end in -<ordinal>"
        )) { try auto.resolve(environment: ["HOSTNAME": "laptop"]) }
        #expect(throws: ShardError(
            "'auto/3' takes the shard index from the StatefulSet pod ordinal, but neither POD_NAME nor HOSTNAME is set"
        )) { try auto.resolve(environment: [:]) }
    }

    // MARK: The stable hash

    /// Pinned values: a change of the hash moves groups between running shards.
    @Test func hashIsPinned() {
        #expect(Shard.stableHash("") == 0xefd0_1f60_ba99_2926)
        #expect(Shard.stableHash("a") == 0x82a2_a958_a9be_ce5b)
        #expect(Shard.stableHash("orders") == 0x3252_0fbd_b4da_d5b9)
        #expect(Shard.stableHash("kafka-lag-exporter") == 0xef0c_390f_8b41_6169)
        #expect(Shard.stableHash("ü") == 0x9a8f_a3aa_aa09_fd21)
        #expect(Shard.key(of: TopicPartition("orders", 0)) == "orders\u{0}0")
        #expect(Shard.stableHash("orders\u{0}0") == 0x72a0_6563_2640_dc59)
        #expect([2, 3, 5].map { Shard.slot(Shard.stableHash("kafka-lag-exporter"), count: $0) } == [1, 2, 4])
        #expect([2, 3, 5].map { Shard.slot(Shard.stableHash("orders\u{0}0"), count: $0) } == [0, 1, 2])
    }

    /// The groups of the three-shard broker test, pinned: 4 per shard.
    @Test func groupsOfTheBrokerTestSplitEvenly() throws {
        let groups = (0..<12).map { "group-" + ($0 < 10 ? "0" : "") + String($0) }
        let owners = try groups.map { group in try (0..<3).filter { try Shard(index: $0, count: 3).owns(group: group) } }
        #expect(owners == [[2], [2], [1], [2], [0], [1], [2], [0], [1], [1], [0], [0]])
    }

    @Test func wholeOwnsEverything() {
        #expect(Shard.whole.owns(group: "anything"))
        #expect(Shard.whole.owns(group: ""))
        #expect(Shard.whole.owns(partition: TopicPartition("t", 5)))
    }

    @Test(arguments: [1, 2, 3, 5, 7, 16])
    func everyNameHasExactlyOneOwnerAndTheSplitIsEven(count: Int) throws {
        let shards = try (0..<count).map { try Shard(index: $0, count: count) }
        var perShard = Array(repeating: 0, count: count)
        var notOwnedOnce: [String] = []
        for i in 0..<10_000 {
            let owners = shards.filter { $0.owns(group: "group-\(i)") }
            if owners.count != 1 { notOwnedOnce.append("group-\(i)") }
            if let owner = owners.first { perShard[owner.index] += 1 }
            let partition = TopicPartition("topic-\(i % 97)", Int32(i / 97))
            if shards.count(where: { $0.owns(partition: partition) }) != 1 { notOwnedOnce.append("\(partition)") }
        }
        #expect(notOwnedOnce.isEmpty)
        let expected = 10_000.0 / Double(count)
        for n in perShard {
            #expect(abs(Double(n) - expected) <= expected * 0.1, "shard counts \(perShard)")
        }
    }

    // MARK: Partition gauges

    @Test func partitionGaugesSplitTheFilteredTopicsWithoutInternalOnes() throws {
        let topics: [String: [Int32]] = [
            "orders": [0, 1, 2], "payments": [0, 1, 2], "unrelated": [0, 1], "__consumer_offsets": Array(0..<50),
            "skipped": [0],
        ]
        let filter = try NameFilter(deny: ["skipped"])
        let whole = ClusterSnapshot.partitionGauges(of: topics, topicFilter: filter, shard: .whole)
        #expect(whole == Set(
            (0..<3).map { TopicPartition("orders", $0) } + (0..<3).map { TopicPartition("payments", $0) }
                + (0..<2).map { TopicPartition("unrelated", $0) }))
        let parts = try (0..<3).map {
            ClusterSnapshot.partitionGauges(of: topics, topicFilter: filter, shard: try Shard(index: $0, count: 3))
        }
        #expect(parts[0] == [TopicPartition("payments", 2), TopicPartition("unrelated", 0), TopicPartition("unrelated", 1)])
        #expect(parts[1] == [TopicPartition("orders", 0), TopicPartition("orders", 1)])
        #expect(parts[2] == [TopicPartition("orders", 2), TopicPartition("payments", 0), TopicPartition("payments", 1)])
        #expect(parts.reduce(0) { $0 + $1.count } == whole.count)
        #expect(parts.reduce(into: Set()) { $0.formUnion($1) } == whole)
    }

    // MARK: The page of a shard

    static let process = ProcessMetrics(version: "1.2.3", librdkafkaVersion: "2.8.0")

    @Test func unshardedPageHasNoShardInfo() throws {
        let state = ClusterMetricsState(cluster: "prod", snapshot: Fixtures.twoGroupSnapshot(), pollsTotal: 1)
        let page = MetricsExposition.render(clusters: [state], process: Self.process)
        #expect(!page.contains("kafka_lag_exporter_shard_info"))
        #expect(page.contains(#"kafka_partition_latest_offset{cluster_name="prod",topic="payments",partition="0"}"#))
    }

    /// Shard 0/2 owns orders-0 (and unrelated-0, which has no offsets) but its
    /// groups also read orders-1 and payments: their lag stays, their gauges go,
    /// and the shard info follows the build info.
    @Test func shardPageHasGaugesOfOwnedPartitionsOnlyAndTheShardInfo() throws {
        let shard = try Shard(index: 0, count: 2)
        var snapshot = Fixtures.twoGroupSnapshot()
        let full = MetricsExposition.render(
            clusters: [ClusterMetricsState(cluster: "prod", snapshot: snapshot, pollsTotal: 1)], process: Self.process)
        snapshot.gaugePartitions = ClusterSnapshot.partitionGauges(
            of: ["orders": [0, 1], "payments": [0, 1], "unrelated": [0]], topicFilter: .all, shard: shard)
        #expect(snapshot.gaugePartitions == [TopicPartition("orders", 0), TopicPartition("unrelated", 0)])
        let state = ClusterMetricsState(cluster: "prod", snapshot: snapshot, pollsTotal: 1)

        var expected: [Substring] = []
        for line in full.split(separator: "\n") {
            if line.hasPrefix("kafka_partition_"), !line.contains(#"topic="orders",partition="0""#) { continue }
            expected.append(line)
            if line.hasPrefix("kafka_lag_exporter_build_info{") {
                expected += [
                    "# HELP kafka_lag_exporter_shard_info A metric with a constant '1' value labeled by this exporter's shard index and the number of shards",
                    "# TYPE kafka_lag_exporter_shard_info gauge",
                    #"kafka_lag_exporter_shard_info{shard="0",shards="2"} 1"#,
                ]
            }
        }
        var process = Self.process
        process.shard = shard
        let page = MetricsExposition.render(clusters: [state], process: process)
        #expect(page.split(separator: "\n") == expected)
        #expect(page.hasSuffix("\n"))
        #expect(page.contains(#"kafka_partition_latest_offset{cluster_name="prod",topic="orders",partition="0"} 40"#))
        #expect(page.contains(
            #"kafka_consumergroup_group_lag{cluster_name="prod",group="orders-app",topic="orders",partition="1","#
                + #"member_host="/10.0.0.5",consumer_id="consumer-1-abc",client_id="consumer-1"} 15"#))
        #expect(page.contains(#"kafka_lag_exporter_partitions{cluster_name="prod"} 4"#))

        let onlyGauges = try NameFilter(allow: ["kafka_partition_latest_offset"])
        #expect(MetricsExposition.render(clusters: [state], process: process, metricFilter: onlyGauges) == """
            # HELP kafka_partition_latest_offset Latest offset of a partition
            # TYPE kafka_partition_latest_offset gauge
            kafka_partition_latest_offset{cluster_name="prod",topic="orders",partition="0"} 40

            """)
    }
}
