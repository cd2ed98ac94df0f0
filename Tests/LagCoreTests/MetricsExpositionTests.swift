import LagCore
import Testing

@Suite struct MetricsExpositionTests {
    // MARK: Sample data

    /// Cluster "prod" with two groups, handed over out of order:
    ///
    /// - "orders-app" (two members): orders-0 committed at 40, no owner (log end
    ///   40, lag 0); orders-1 at 75 owned by consumer-1 (log end 90, lag 15);
    ///   orders-2 at 10 owned by a member with an empty client id (log end 12, lag 2).
    /// - "billing" (no members): payments-0 at 100 (log end 150, lag 50);
    ///   payments-1 without commit (log 10..20); payments-2 at 7 with an unknown
    ///   log end (log start 3).
    static func snapshot() -> ClusterSnapshot {
        let topicPartitions: [String: [Int32]] = ["orders": [0, 1, 2], "payments": [0, 1, 2]]
        let ordersApp = ConsumerGroupSnapshot(
            id: "orders-app", state: .reconciling, type: .consumer,
            members: [
                GroupMember(
                    consumerId: "consumer-1-abc", clientId: "consumer-1", host: "/10.0.0.5",
                    assignment: [TopicPartition("orders", 1)]
                ),
                GroupMember(
                    consumerId: "consumer-2-def", clientId: "", host: "/10.0.0.6",
                    assignment: [TopicPartition("orders", 2)]
                ),
            ],
            committedOffsets: [
                TopicPartition("orders", 0): 40, TopicPartition("orders", 1): 75, TopicPartition("orders", 2): 10,
            ],
            topicPartitions: topicPartitions
        )
        let billing = ConsumerGroupSnapshot(
            id: "billing", state: .empty, type: .classic, members: [],
            committedOffsets: [TopicPartition("payments", 0): 100, TopicPartition("payments", 2): 7],
            topicPartitions: topicPartitions
        )
        return ClusterSnapshot(
            cluster: "prod",
            groups: [ordersApp, billing],
            partitionOffsets: [
                TopicPartition("orders", 0): PartitionOffsets(logStart: 5, logEnd: 40),
                TopicPartition("orders", 1): PartitionOffsets(logStart: 5, logEnd: 90),
                TopicPartition("orders", 2): PartitionOffsets(logStart: 0, logEnd: 12),
                TopicPartition("payments", 0): PartitionOffsets(logStart: 0, logEnd: 150),
                TopicPartition("payments", 1): PartitionOffsets(logStart: 10, logEnd: 20),
                TopicPartition("payments", 2): PartitionOffsets(logStart: 3, logEnd: nil),
            ]
        )
    }

    static let prod = ClusterMetricsState(
        cluster: "prod", labels: [("env", "eu-1"), ("team", "payments")], snapshot: snapshot(),
        lastPollDuration: .milliseconds(1234), lastSuccessTimestamp: 1_700_000_000.5,
        pollErrorsTotal: 1, pollsTotal: 10
    )

    /// A cluster that never had a successful poll.
    static let dev = ClusterMetricsState(cluster: "dev", labels: [("env", "dev")], pollErrorsTotal: 3, pollsTotal: 3)

    static let process = ProcessMetrics(
        version: "0.2.0", librdkafkaVersion: "2.6.1",
        residentMemoryBytes: 12_345_678, cpuSeconds: 1.25, startTimeSeconds: 1_699_999_000
    )

    static let bareProcess = ProcessMetrics(version: "0.2.0", librdkafkaVersion: "2.6.1")

    /// One group "g" on topic "t" partition 0: committed 3, log 0..10, owned by one member.
    static func singleGroupState(
        cluster: String = "c", group: String = "g", topic: String = "t", labels: [(String, String)] = []
    ) -> ClusterMetricsState {
        let partition = TopicPartition(topic, 0)
        let member = GroupMember(consumerId: "id", clientId: "client", host: "h", assignment: [partition])
        let snapshot = ClusterSnapshot(
            cluster: cluster,
            groups: [
                ConsumerGroupSnapshot(
                    id: group, state: .stable, members: [member], committedOffsets: [partition: 3], topicPartitions: [:]
                ),
            ],
            partitionOffsets: [partition: PartitionOffsets(logStart: 0, logEnd: 10)]
        )
        return ClusterMetricsState(cluster: cluster, labels: labels, snapshot: snapshot, pollsTotal: 1)
    }

    /// Lines of `text` that are series (not comments) of the metric `name`.
    static func series(_ name: String, in text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
    }

    // MARK: Full text

    @Test func fullExpositionOfTwoClusters() {
        let extra = #"env="eu-1",team="payments""#
        let unknown = #"member_host="unknown",consumer_id="unknown",client_id="unknown""#
        let member1 = #"member_host="/10.0.0.5",consumer_id="consumer-1-abc",client_id="consumer-1""#
        let member2 = #"member_host="/10.0.0.6",consumer_id="consumer-2-def",client_id="unknown""#
        let billing0 = #"cluster_name="prod",group="billing",topic="payments",partition="0""#
        let billing2 = #"cluster_name="prod",group="billing",topic="payments",partition="2""#
        let orders0 = #"cluster_name="prod",group="orders-app",topic="orders",partition="0""#
        let orders1 = #"cluster_name="prod",group="orders-app",topic="orders",partition="1""#
        let orders2 = #"cluster_name="prod",group="orders-app",topic="orders",partition="2""#
        let expected = """
            # HELP kafka_consumergroup_group_offset Last group consumed offset of a partition
            # TYPE kafka_consumergroup_group_offset gauge
            kafka_consumergroup_group_offset{\(billing0),\(unknown),\(extra)} 100
            kafka_consumergroup_group_offset{\(billing2),\(unknown),\(extra)} 7
            kafka_consumergroup_group_offset{\(orders0),\(unknown),\(extra)} 40
            kafka_consumergroup_group_offset{\(orders1),\(member1),\(extra)} 75
            kafka_consumergroup_group_offset{\(orders2),\(member2),\(extra)} 10
            # HELP kafka_consumergroup_group_lag Group offset lag of a partition
            # TYPE kafka_consumergroup_group_lag gauge
            kafka_consumergroup_group_lag{\(billing0),\(unknown),\(extra)} 50
            kafka_consumergroup_group_lag{\(orders0),\(unknown),\(extra)} 0
            kafka_consumergroup_group_lag{\(orders1),\(member1),\(extra)} 15
            kafka_consumergroup_group_lag{\(orders2),\(member2),\(extra)} 2
            # HELP kafka_consumergroup_group_max_lag Max group offset lag
            # TYPE kafka_consumergroup_group_max_lag gauge
            kafka_consumergroup_group_max_lag{cluster_name="prod",group="billing",\(extra)} 50
            kafka_consumergroup_group_max_lag{cluster_name="prod",group="orders-app",\(extra)} 15
            # HELP kafka_consumergroup_group_sum_lag Sum of group offset lag
            # TYPE kafka_consumergroup_group_sum_lag gauge
            kafka_consumergroup_group_sum_lag{cluster_name="prod",group="billing",\(extra)} 50
            kafka_consumergroup_group_sum_lag{cluster_name="prod",group="orders-app",\(extra)} 17
            # HELP kafka_consumergroup_group_topic_sum_lag Sum of group offset lag across topic partitions
            # TYPE kafka_consumergroup_group_topic_sum_lag gauge
            kafka_consumergroup_group_topic_sum_lag{cluster_name="prod",group="billing",topic="payments",\(extra)} 50
            kafka_consumergroup_group_topic_sum_lag{cluster_name="prod",group="orders-app",topic="orders",\(extra)} 17
            # HELP kafka_consumergroup_group_info A metric with a constant '1' value labeled by the group's state and protocol type (classic or consumer)
            # TYPE kafka_consumergroup_group_info gauge
            kafka_consumergroup_group_info{cluster_name="prod",group="billing",state="Empty",type="classic",\(extra)} 1
            kafka_consumergroup_group_info{cluster_name="prod",group="orders-app",state="Reconciling",type="consumer",\(extra)} 1
            # HELP kafka_consumergroup_group_members Members of the group
            # TYPE kafka_consumergroup_group_members gauge
            kafka_consumergroup_group_members{cluster_name="prod",group="billing",\(extra)} 0
            kafka_consumergroup_group_members{cluster_name="prod",group="orders-app",\(extra)} 2
            # HELP kafka_partition_latest_offset Latest offset of a partition
            # TYPE kafka_partition_latest_offset gauge
            kafka_partition_latest_offset{cluster_name="prod",topic="orders",partition="0",\(extra)} 40
            kafka_partition_latest_offset{cluster_name="prod",topic="orders",partition="1",\(extra)} 90
            kafka_partition_latest_offset{cluster_name="prod",topic="orders",partition="2",\(extra)} 12
            kafka_partition_latest_offset{cluster_name="prod",topic="payments",partition="0",\(extra)} 150
            kafka_partition_latest_offset{cluster_name="prod",topic="payments",partition="1",\(extra)} 20
            # HELP kafka_partition_earliest_offset Earliest offset of a partition
            # TYPE kafka_partition_earliest_offset gauge
            kafka_partition_earliest_offset{cluster_name="prod",topic="orders",partition="0",\(extra)} 5
            kafka_partition_earliest_offset{cluster_name="prod",topic="orders",partition="1",\(extra)} 5
            kafka_partition_earliest_offset{cluster_name="prod",topic="orders",partition="2",\(extra)} 0
            kafka_partition_earliest_offset{cluster_name="prod",topic="payments",partition="0",\(extra)} 0
            kafka_partition_earliest_offset{cluster_name="prod",topic="payments",partition="1",\(extra)} 10
            kafka_partition_earliest_offset{cluster_name="prod",topic="payments",partition="2",\(extra)} 3
            # HELP kafka_consumergroup_poll_time_ms Group time poll time
            # TYPE kafka_consumergroup_poll_time_ms gauge
            kafka_consumergroup_poll_time_ms{cluster_name="prod",\(extra)} 1234
            # HELP kafka_lag_exporter_poll_errors_total Failed polls of the cluster since the exporter started
            # TYPE kafka_lag_exporter_poll_errors_total counter
            kafka_lag_exporter_poll_errors_total{cluster_name="prod"} 1
            kafka_lag_exporter_poll_errors_total{cluster_name="dev"} 3
            # HELP kafka_lag_exporter_polls_total Polls of the cluster since the exporter started, successful and failed
            # TYPE kafka_lag_exporter_polls_total counter
            kafka_lag_exporter_polls_total{cluster_name="prod"} 10
            kafka_lag_exporter_polls_total{cluster_name="dev"} 3
            # HELP kafka_lag_exporter_last_successful_poll_timestamp_seconds Unix time in seconds of the last successful poll of the cluster
            # TYPE kafka_lag_exporter_last_successful_poll_timestamp_seconds gauge
            kafka_lag_exporter_last_successful_poll_timestamp_seconds{cluster_name="prod"} 1700000000.5
            # HELP kafka_lag_exporter_groups Consumer groups reported in the last successful poll of the cluster
            # TYPE kafka_lag_exporter_groups gauge
            kafka_lag_exporter_groups{cluster_name="prod"} 2
            # HELP kafka_lag_exporter_skipped_groups Consumer groups left out of the last successful poll of the cluster because their offsets could not be read
            # TYPE kafka_lag_exporter_skipped_groups gauge
            kafka_lag_exporter_skipped_groups{cluster_name="prod"} 0
            # HELP kafka_lag_exporter_partitions Partitions with a known earliest or latest offset in the last successful poll of the cluster
            # TYPE kafka_lag_exporter_partitions gauge
            kafka_lag_exporter_partitions{cluster_name="prod"} 6
            # HELP kafka_lag_exporter_build_info A metric with a constant '1' value labeled by the exporter version and the librdkafka version in use
            # TYPE kafka_lag_exporter_build_info gauge
            kafka_lag_exporter_build_info{version="0.2.0",librdkafka_version="2.6.1"} 1
            # HELP process_resident_memory_bytes Resident memory size in bytes.
            # TYPE process_resident_memory_bytes gauge
            process_resident_memory_bytes 12345678
            # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
            # TYPE process_cpu_seconds_total counter
            process_cpu_seconds_total 1.25
            # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
            # TYPE process_start_time_seconds gauge
            process_start_time_seconds 1699999000.0

            """
        let text = MetricsExposition.render(clusters: [Self.prod, Self.dev], process: Self.process)
        #expect(text == expected)
        if text != expected {
            // Show the first differing line to make a failure readable.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let index = zip(lines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(lines.count, expectedLines.count)
            #expect(lines.dropFirst(index).first == expectedLines.dropFirst(index).first)
        }
    }

    @Test func nilSnapshotClusterContributesOnlyItsSelfMetrics() {
        let expected = """
            # HELP kafka_lag_exporter_poll_errors_total Failed polls of the cluster since the exporter started
            # TYPE kafka_lag_exporter_poll_errors_total counter
            kafka_lag_exporter_poll_errors_total{cluster_name="dev"} 3
            # HELP kafka_lag_exporter_polls_total Polls of the cluster since the exporter started, successful and failed
            # TYPE kafka_lag_exporter_polls_total counter
            kafka_lag_exporter_polls_total{cluster_name="dev"} 3
            # HELP kafka_lag_exporter_build_info A metric with a constant '1' value labeled by the exporter version and the librdkafka version in use
            # TYPE kafka_lag_exporter_build_info gauge
            kafka_lag_exporter_build_info{version="0.2.0",librdkafka_version="2.6.1"} 1

            """
        #expect(MetricsExposition.render(clusters: [Self.dev], process: Self.bareProcess) == expected)
    }

    @Test func nilSnapshotWithEarlierSuccessKeepsPollTimeAndTimestamp() {
        var state = Self.dev
        state.lastPollDuration = .seconds(2) + .microseconds(999_999)
        state.lastSuccessTimestamp = 1_700_000_000
        let text = MetricsExposition.render(clusters: [state], process: Self.bareProcess)
        #expect(Self.series("kafka_consumergroup_poll_time_ms", in: text) == [
            #"kafka_consumergroup_poll_time_ms{cluster_name="dev",env="dev"} 2999"#,
        ])
        #expect(Self.series("kafka_lag_exporter_last_successful_poll_timestamp_seconds", in: text) == [
            #"kafka_lag_exporter_last_successful_poll_timestamp_seconds{cluster_name="dev"} 1700000000.0"#,
        ])
        #expect(!text.contains("kafka_consumergroup_group"))
        #expect(!text.contains("kafka_partition_"))
        #expect(!text.contains("kafka_lag_exporter_groups"))
        #expect(!text.contains("kafka_lag_exporter_skipped_groups"))
        #expect(!text.contains("kafka_lag_exporter_partitions"))
    }

    @Test func noClustersStillExportsBuildInfo() {
        let text = MetricsExposition.render(clusters: [], process: Self.bareProcess)
        #expect(text == """
            # HELP kafka_lag_exporter_build_info A metric with a constant '1' value labeled by the exporter version and the librdkafka version in use
            # TYPE kafka_lag_exporter_build_info gauge
            kafka_lag_exporter_build_info{version="0.2.0",librdkafka_version="2.6.1"} 1

            """)
    }

    // MARK: Escaping

    @Test func labelValuesAreEscaped() {
        let state = Self.singleGroupState(
            cluster: #"c"1"#, group: "say \"hi\"\\now\nbye", topic: "注文\\t\u{1F600}",
            labels: [("note", "line1\nline2 \"q\" \\ é")]
        )
        let process = ProcessMetrics(version: "1.0 \"beta\"", librdkafkaVersion: #"2\6"#)
        let text = MetricsExposition.render(clusters: [state], process: process)
        #expect(Self.series("kafka_consumergroup_group_lag", in: text) == [
            #"kafka_consumergroup_group_lag{cluster_name="c\"1",group="say \"hi\"\\now\nbye",topic="注文\\t😀",partition="0",member_host="h",consumer_id="id",client_id="client",note="line1\nline2 \"q\" \\ é"} 7"#,
        ])
        #expect(Self.series("kafka_consumergroup_group_topic_sum_lag", in: text) == [
            #"kafka_consumergroup_group_topic_sum_lag{cluster_name="c\"1",group="say \"hi\"\\now\nbye",topic="注文\\t😀",note="line1\nline2 \"q\" \\ é"} 7"#,
        ])
        #expect(Self.series("kafka_lag_exporter_polls_total", in: text) == [
            #"kafka_lag_exporter_polls_total{cluster_name="c\"1"} 1"#,
        ])
        #expect(Self.series("kafka_lag_exporter_build_info", in: text) == [
            #"kafka_lag_exporter_build_info{version="1.0 \"beta\"",librdkafka_version="2\\6"} 1"#,
        ])
        // No raw line feed inside a value: every line is a comment or a series.
        for line in text.split(separator: "\n") {
            #expect(line.hasPrefix("# ") || line.hasPrefix("kafka_") || line.hasPrefix("process_"))
        }
    }

    @Test func memberLabelsComeFromTheOwnerAndEmptyOnesBecomeUnknown() {
        let partition = TopicPartition("t", 0)
        let group = ConsumerGroupSnapshot(
            id: "g", state: .stable,
            members: [GroupMember(consumerId: "", clientId: "", host: "", assignment: [partition])],
            committedOffsets: [partition: 1], topicPartitions: [:]
        )
        let state = ClusterMetricsState(
            cluster: "c",
            snapshot: ClusterSnapshot(cluster: "c", groups: [group], partitionOffsets: [:])
        )
        let text = MetricsExposition.render(clusters: [state], process: Self.bareProcess)
        #expect(Self.series("kafka_consumergroup_group_offset", in: text) == [
            #"kafka_consumergroup_group_offset{cluster_name="c",group="g",topic="t",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown"} 1"#,
        ])
    }

    /// Big groups use a lookup table for owners; it must agree with `owner(of:)`,
    /// including the first member winning a partition listed twice.
    @Test func ownersOfABigGroupMatchOwnerOf() {
        let partitions = (0..<40).map { TopicPartition("t", Int32($0)) }
        let members = [
            GroupMember(consumerId: "a", clientId: "ca", host: "ha", assignment: Array(partitions[0..<20])),
            GroupMember(consumerId: "b", clientId: "cb", host: "hb", assignment: Array(partitions[15..<30])),
        ]
        let group = ConsumerGroupSnapshot(
            id: "g", state: .stable, members: members,
            committedOffsets: Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(5)) }),
            topicPartitions: [:]
        )
        let state = ClusterMetricsState(
            cluster: "c", snapshot: ClusterSnapshot(cluster: "c", groups: [group], partitionOffsets: [:])
        )
        let text = MetricsExposition.render(clusters: [state], process: Self.bareProcess)
        let expected = partitions.map { partition in
            let owner = group.owner(of: partition)
            let host = owner?.host ?? "unknown"
            let id = owner?.consumerId ?? "unknown"
            let client = owner?.clientId ?? "unknown"
            return #"kafka_consumergroup_group_offset{cluster_name="c",group="g",topic="t",partition="\#(partition.partition)",member_host="\#(host)",consumer_id="\#(id)",client_id="\#(client)"} 5"#
        }
        #expect(Self.series("kafka_consumergroup_group_offset", in: text).map(String.init) == expected)
        // Without log-end offsets there is no lag at all, so no aggregates either.
        #expect(!text.contains("kafka_consumergroup_group_lag"))
        #expect(!text.contains("_sum_lag"))
        #expect(!text.contains("_max_lag"))
    }

    @Test func groupWithoutAnyKnownLagHasNoAggregates() {
        // "billing" of the sample, alone: payments-0 is known; drop its log end.
        var snapshot = Self.snapshot()
        snapshot.partitionOffsets[TopicPartition("payments", 0)] = PartitionOffsets(logStart: 0, logEnd: nil)
        let state = ClusterMetricsState(cluster: "prod", snapshot: snapshot)
        let text = MetricsExposition.render(clusters: [state], process: Self.bareProcess)
        #expect(Self.series("kafka_consumergroup_group_max_lag", in: text) == [
            #"kafka_consumergroup_group_max_lag{cluster_name="prod",group="orders-app"} 15"#,
        ])
        #expect(Self.series("kafka_consumergroup_group_sum_lag", in: text) == [
            #"kafka_consumergroup_group_sum_lag{cluster_name="prod",group="orders-app"} 17"#,
        ])
        #expect(Self.series("kafka_consumergroup_group_topic_sum_lag", in: text) == [
            #"kafka_consumergroup_group_topic_sum_lag{cluster_name="prod",group="orders-app",topic="orders"} 17"#,
        ])
        // Its committed offsets are still exported.
        #expect(Self.series("kafka_consumergroup_group_offset", in: text).count == 5)
    }

    @Test func topicSumsArePerGroupAndTopic() {
        let partitions = [TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0), TopicPartition("c", 0)]
        let group = ConsumerGroupSnapshot(
            id: "g", state: .empty, members: [],
            committedOffsets: [partitions[0]: 1, partitions[1]: 2, partitions[2]: 3, partitions[3]: 4],
            topicPartitions: [:]
        )
        let snapshot = ClusterSnapshot(
            cluster: "c", groups: [group],
            partitionOffsets: [
                partitions[0]: PartitionOffsets(logStart: 0, logEnd: 11),
                partitions[1]: PartitionOffsets(logStart: 0, logEnd: 22),
                partitions[2]: PartitionOffsets(logStart: 0, logEnd: 1),  // committed ahead: lag 0
                partitions[3]: PartitionOffsets(logStart: 0, logEnd: nil),
            ]
        )
        let text = MetricsExposition.render(
            clusters: [ClusterMetricsState(cluster: "c", snapshot: snapshot)], process: Self.bareProcess
        )
        #expect(Self.series("kafka_consumergroup_group_topic_sum_lag", in: text) == [
            #"kafka_consumergroup_group_topic_sum_lag{cluster_name="c",group="g",topic="a"} 30"#,
            #"kafka_consumergroup_group_topic_sum_lag{cluster_name="c",group="g",topic="b"} 0"#,
        ])
        #expect(Self.series("kafka_consumergroup_group_sum_lag", in: text) == [
            #"kafka_consumergroup_group_sum_lag{cluster_name="c",group="g"} 30"#,
        ])
        #expect(Self.series("kafka_consumergroup_group_max_lag", in: text) == [
            #"kafka_consumergroup_group_max_lag{cluster_name="c",group="g"} 20"#,
        ])
    }

    // MARK: Metric filter

    @Test func allowListKeepsOnlyMatchingFamilies() throws {
        let filter = try NameFilter(allow: ["kafka_consumergroup_group_lag"])
        let text = MetricsExposition.render(clusters: [Self.prod, Self.dev], process: Self.process, metricFilter: filter)
        let extra = #"env="eu-1",team="payments""#
        #expect(text == """
            # HELP kafka_consumergroup_group_lag Group offset lag of a partition
            # TYPE kafka_consumergroup_group_lag gauge
            kafka_consumergroup_group_lag{cluster_name="prod",group="billing",topic="payments",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",\(extra)} 50
            kafka_consumergroup_group_lag{cluster_name="prod",group="orders-app",topic="orders",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",\(extra)} 0
            kafka_consumergroup_group_lag{cluster_name="prod",group="orders-app",topic="orders",partition="1",member_host="/10.0.0.5",consumer_id="consumer-1-abc",client_id="consumer-1",\(extra)} 15
            kafka_consumergroup_group_lag{cluster_name="prod",group="orders-app",topic="orders",partition="2",member_host="/10.0.0.6",consumer_id="consumer-2-def",client_id="unknown",\(extra)} 2

            """)
    }

    @Test func denyListDropsWholeFamilies() throws {
        let filter = try NameFilter(deny: ["kafka_consumergroup_group_offset", "process_.*", "kafka_partition_.*"])
        let text = MetricsExposition.render(clusters: [Self.prod, Self.dev], process: Self.process, metricFilter: filter)
        let all = MetricsExposition.render(clusters: [Self.prod, Self.dev], process: Self.process)
        #expect(!text.contains("kafka_consumergroup_group_offset"))
        #expect(!text.contains("process_"))
        #expect(!text.contains("kafka_partition_"))
        // Everything else is exactly as without the filter.
        let kept = all.split(separator: "\n").filter {
            !$0.contains("kafka_consumergroup_group_offset") && !$0.contains("process_")
                && !$0.contains("kafka_partition_")
        }
        #expect(text.split(separator: "\n") == kept)
    }

    @Test func filterMatchesWholeNames() throws {
        // "kafka_consumergroup_group_lag" must not pull in *_max_lag or *_sum_lag.
        let filter = try NameFilter(allow: ["kafka_consumergroup_group_lag", "kafka_lag_exporter_.*"])
        let text = MetricsExposition.render(clusters: [Self.prod], process: Self.process, metricFilter: filter)
        let families = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(families == [
            "kafka_consumergroup_group_lag",
            "kafka_lag_exporter_poll_errors_total", "kafka_lag_exporter_polls_total",
            "kafka_lag_exporter_last_successful_poll_timestamp_seconds",
            "kafka_lag_exporter_groups", "kafka_lag_exporter_skipped_groups", "kafka_lag_exporter_partitions",
            "kafka_lag_exporter_build_info",
        ])
    }

    // MARK: Values

    @Test func neverWritesNaNOrInf() {
        var state = Self.prod
        state.lastSuccessTimestamp = .infinity
        let process = ProcessMetrics(
            version: "v", librdkafkaVersion: "l", residentMemoryBytes: nil, cpuSeconds: .nan, startTimeSeconds: -.infinity
        )
        let text = MetricsExposition.render(clusters: [state, Self.dev], process: process)
        #expect(!text.contains("NaN"))
        #expect(!text.contains("Inf"))
        #expect(!text.contains("kafka_lag_exporter_last_successful_poll_timestamp_seconds"))
        #expect(!text.contains("process_"))
        // Every value is a plain number: an integer, or a decimal for the doubles.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let value = line.split(separator: " ").last!
            #expect(value.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" }, "\(line)")
        }
    }

    @Test func integersHaveNoExponentOrFraction() {
        let partition = TopicPartition("t", 0)
        let group = ConsumerGroupSnapshot(
            id: "g", state: .empty, members: [], committedOffsets: [partition: 1_000_000_000_000_000],
            topicPartitions: [:]
        )
        let snapshot = ClusterSnapshot(
            cluster: "c", groups: [group],
            partitionOffsets: [partition: PartitionOffsets(logStart: 0, logEnd: Int64.max)]
        )
        let text = MetricsExposition.render(
            clusters: [ClusterMetricsState(cluster: "c", snapshot: snapshot)],
            process: ProcessMetrics(version: "v", librdkafkaVersion: "l", residentMemoryBytes: 1 << 40)
        )
        #expect(text.contains(#"kafka_consumergroup_group_offset{cluster_name="c",group="g",topic="t",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown"} 1000000000000000"#))
        #expect(text.contains(#"kafka_consumergroup_group_lag{cluster_name="c",group="g",topic="t",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown"} 9222372036854775807"#))
        #expect(text.contains(#"kafka_partition_latest_offset{cluster_name="c",topic="t",partition="0"} 9223372036854775807"#))
        #expect(text.contains("process_resident_memory_bytes 1099511627776\n"))
    }

    @Test func negativeValuesArePrintedAsIs() {
        let partition = TopicPartition("t", 0)
        let group = ConsumerGroupSnapshot(
            id: "g", state: .empty, members: [], committedOffsets: [partition: -5], topicPartitions: [:]
        )
        let snapshot = ClusterSnapshot(
            cluster: "c", groups: [group], partitionOffsets: [partition: PartitionOffsets(logStart: -1, logEnd: nil)]
        )
        let text = MetricsExposition.render(
            clusters: [ClusterMetricsState(cluster: "c", snapshot: snapshot)], process: Self.bareProcess
        )
        #expect(Self.series("kafka_consumergroup_group_offset", in: text) == [
            #"kafka_consumergroup_group_offset{cluster_name="c",group="g",topic="t",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown"} -5"#,
        ])
        #expect(Self.series("kafka_partition_earliest_offset", in: text) == [
            #"kafka_partition_earliest_offset{cluster_name="c",topic="t",partition="0"} -1"#,
        ])
    }

    @Test func utf8RenderingIsTheSameText() throws {
        let filter = try NameFilter(deny: ["kafka_consumergroup_group_max_lag"])
        let clusters = [Self.prod, Self.dev, Self.singleGroupState(group: "注文 \"x\"")]
        let bytes = MetricsExposition.renderUTF8(clusters: clusters, process: Self.process, metricFilter: filter)
        let text = MetricsExposition.render(clusters: clusters, process: Self.process, metricFilter: filter)
        #expect(bytes == Array(text.utf8))
    }

    @Test func seriesFollowGroupTopicPartitionOrderEvenForUnsortedInput() {
        var snapshot = Self.snapshot()
        snapshot.groups.reverse()
        snapshot.groups[0].partitions.reverse()
        let sorted = MetricsExposition.render(clusters: [Self.prod], process: Self.process)
        var state = Self.prod
        state.snapshot = snapshot
        #expect(MetricsExposition.render(clusters: [state], process: Self.process) == sorted)
    }

    @Test func familiesAreListedInOutputOrder() {
        #expect(MetricsExposition.families.map(\.name) == [
            "kafka_consumergroup_group_offset", "kafka_consumergroup_group_lag", "kafka_consumergroup_group_lag_seconds",
            "kafka_consumergroup_group_max_lag", "kafka_consumergroup_group_max_lag_seconds",
            "kafka_consumergroup_group_sum_lag", "kafka_consumergroup_group_topic_sum_lag",
            "kafka_consumergroup_group_status", "kafka_consumergroup_partition_status",
            "kafka_consumergroup_group_consumption_rate", "kafka_consumergroup_group_production_rate",
            "kafka_consumergroup_group_drain_seconds", "kafka_consumergroup_group_info", "kafka_consumergroup_group_members",
            "kafka_partition_latest_offset", "kafka_partition_earliest_offset",
            "kafka_consumergroup_poll_time_ms",
            "kafka_lag_exporter_poll_errors_total", "kafka_lag_exporter_polls_total",
            "kafka_lag_exporter_last_successful_poll_timestamp_seconds",
            "kafka_lag_exporter_groups", "kafka_lag_exporter_skipped_groups", "kafka_lag_exporter_partitions",
            "kafka_lag_exporter_build_info",
            "kafka_lag_exporter_shard_info", "process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds",
        ])
        #expect(MetricsExposition.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}
