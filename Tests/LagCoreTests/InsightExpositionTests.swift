import LagCore
import Testing

@Suite struct InsightExpositionTests {
    static let t0 = TopicPartition("t", 0)
    static let t1 = TopicPartition("t", 1)

    /// The families fed from `ClusterMetricsState.insights`.
    static let insightFamilies: [MetricsExposition.Family] = [
        MetricsExposition.groupLagSeconds, MetricsExposition.groupMaxLagSeconds, MetricsExposition.groupStatus,
        MetricsExposition.partitionStatus, MetricsExposition.consumptionRate, MetricsExposition.productionRate,
        MetricsExposition.drainSeconds,
    ]

    static let process = ProcessMetrics(version: "0.2.0", librdkafkaVersion: "2.6.1")

    /// Cluster `cluster`, handed over out of order:
    /// - "g" (Stable, one member owning t-0): t-0 at 3 (log end 10), t-1 at 5 (log end 5);
    /// - "h" (Empty, no members): t-0 at 1;
    /// - "n" (Stable, no members): t-0 at 2.
    static func snapshot(cluster: String = "c") -> ClusterSnapshot {
        let member = GroupMember(consumerId: "id", clientId: "client", host: "h", assignment: [t0])
        return ClusterSnapshot(
            cluster: cluster,
            groups: [
                ConsumerGroupSnapshot(id: "n", state: .stable, members: [], committedOffsets: [t0: 2], topicPartitions: [:]),
                ConsumerGroupSnapshot(
                    id: "g", state: .stable, members: [member], committedOffsets: [t0: 3, t1: 5], topicPartitions: [:]),
                ConsumerGroupSnapshot(id: "h", state: .empty, members: [], committedOffsets: [t0: 1], topicPartitions: [:]),
            ],
            partitionOffsets: [
                t0: PartitionOffsets(logStart: 0, logEnd: 10),
                t1: PartitionOffsets(logStart: 0, logEnd: 5),
            ])
    }

    /// Insights for "g" and "h"; none for "n".
    static func insights() -> LagInsights {
        var insights = LagInsights()
        insights.lagSeconds = [
            GroupPartition("g", t0): 12.5, GroupPartition("g", t1): 0, GroupPartition("h", t0): 40,
        ]
        insights.partitionStatus = [
            GroupPartition("g", t0): .warn, GroupPartition("g", t1): .ok, GroupPartition("h", t0): .stop,
        ]
        insights.groups = [
            "g": GroupInsight(
                status: .warn, maxLagSeconds: 12.5, consumptionRate: 2.5, productionRate: 1, drainSeconds: 4.75),
            "h": GroupInsight(status: .stop, maxLagSeconds: 40, consumptionRate: 0, productionRate: 0, drainSeconds: nil),
        ]
        return insights
    }

    static func state(cluster: String = "c", insights: LagInsights?) -> ClusterMetricsState {
        ClusterMetricsState(
            cluster: cluster, labels: [("env", "e")], snapshot: snapshot(cluster: cluster), pollsTotal: 1,
            insights: insights)
    }

    /// The HELP, TYPE and series lines of `family` in `text`, in order.
    static func block(_ family: MetricsExposition.Family, in text: String) -> [String] {
        let name = family.name
        return text.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("# HELP \(name) ") || $0.hasPrefix("# TYPE \(name) ")
                || $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ")
        }
    }

    static func header(_ family: MetricsExposition.Family) -> [String] {
        ["# HELP \(family.name) \(family.help)", "# TYPE \(family.name) \(family.type.rawValue)"]
    }

    /// State-set lines of one group: 1 for `current`, 0 for the other statuses, in code order.
    static func stateSet(_ labels: String, current: LagStatus, extra: String = #",env="e""#) -> [String] {
        LagStatus.allCases.map { status in
            #"kafka_consumergroup_group_status{\#(labels),status="\#(status.description)"\#(extra)} \#(status == current ? 1 : 0)"#
        }
    }

    // MARK: Exact lines

    @Test func lagSecondsPerPartitionWithSevenLabelsAndExtraLabels() {
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process)
        let unknown = #"member_host="unknown",consumer_id="unknown",client_id="unknown""#
        #expect(Self.block(MetricsExposition.groupLagSeconds, in: text) == Self.header(MetricsExposition.groupLagSeconds) + [
            #"kafka_consumergroup_group_lag_seconds{cluster_name="c",group="g",topic="t",partition="0",member_host="h",consumer_id="id",client_id="client",env="e"} 12.5"#,
            #"kafka_consumergroup_group_lag_seconds{cluster_name="c",group="g",topic="t",partition="1",\#(unknown),env="e"} 0.0"#,
            #"kafka_consumergroup_group_lag_seconds{cluster_name="c",group="h",topic="t",partition="0",\#(unknown),env="e"} 40.0"#,
        ])
    }

    @Test func maxLagSeconds() {
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process)
        #expect(Self.block(MetricsExposition.groupMaxLagSeconds, in: text) == Self.header(MetricsExposition.groupMaxLagSeconds) + [
            #"kafka_consumergroup_group_max_lag_seconds{cluster_name="c",group="g",env="e"} 12.5"#,
            #"kafka_consumergroup_group_max_lag_seconds{cluster_name="c",group="h",env="e"} 40.0"#,
        ])
    }

    @Test func groupStatusIsAStateSet() {
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process)
        let expected = Self.header(MetricsExposition.groupStatus)
            + Self.stateSet(#"cluster_name="c",group="g""#, current: .warn)
            + Self.stateSet(#"cluster_name="c",group="h""#, current: .stop)
        #expect(Self.block(MetricsExposition.groupStatus, in: text) == expected)
        #expect(expected[2] == #"kafka_consumergroup_group_status{cluster_name="c",group="g",status="OK",env="e"} 0"#)
        #expect(expected[3] == #"kafka_consumergroup_group_status{cluster_name="c",group="g",status="WARN",env="e"} 1"#)
        #expect(expected.count == 2 + 12)
    }

    @Test func partitionStatusIsTheNumericCode() {
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process)
        #expect(Self.block(MetricsExposition.partitionStatus, in: text) == Self.header(MetricsExposition.partitionStatus) + [
            #"kafka_consumergroup_partition_status{cluster_name="c",group="g",topic="t",partition="0",env="e"} 2"#,
            #"kafka_consumergroup_partition_status{cluster_name="c",group="g",topic="t",partition="1",env="e"} 1"#,
            #"kafka_consumergroup_partition_status{cluster_name="c",group="h",topic="t",partition="0",env="e"} 4"#,
        ])
    }

    @Test func ratesAndDrain() {
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process)
        #expect(Self.block(MetricsExposition.consumptionRate, in: text) == Self.header(MetricsExposition.consumptionRate) + [
            #"kafka_consumergroup_group_consumption_rate{cluster_name="c",group="g",env="e"} 2.5"#,
            #"kafka_consumergroup_group_consumption_rate{cluster_name="c",group="h",env="e"} 0.0"#,
        ])
        #expect(Self.block(MetricsExposition.productionRate, in: text) == Self.header(MetricsExposition.productionRate) + [
            #"kafka_consumergroup_group_production_rate{cluster_name="c",group="g",env="e"} 1.0"#,
            #"kafka_consumergroup_group_production_rate{cluster_name="c",group="h",env="e"} 0.0"#,
        ])
        // "h" has no drain estimate: no series.
        #expect(Self.block(MetricsExposition.drainSeconds, in: text) == Self.header(MetricsExposition.drainSeconds) + [
            #"kafka_consumergroup_group_drain_seconds{cluster_name="c",group="g",env="e"} 4.75"#,
        ])
    }

    @Test func headersComeOnceInFamilyOrder() {
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process)
        let helpNames = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }
            .map { String($0.dropFirst(7).prefix { $0 != " " }) }
        let absent: Set = [
            MetricsExposition.pollTime.name, MetricsExposition.lastSuccessfulPoll.name,
            MetricsExposition.residentMemory.name, MetricsExposition.cpuSeconds.name, MetricsExposition.startTime.name,
            MetricsExposition.shardInfo.name,  // unsharded
        ]
        #expect(helpNames == MetricsExposition.families.map(\.name).filter { !absent.contains($0) })
        #expect(text.split(separator: "\n").count { $0.hasPrefix("# TYPE ") } == helpNames.count)
    }

    // MARK: Absence

    @Test(arguments: [nil, LagInsights()])
    func noInsightFamiliesWithoutInsights(_ insights: LagInsights?) {
        let text = MetricsExposition.render(clusters: [Self.state(insights: insights)], process: Self.process)
        for family in Self.insightFamilies {
            #expect(Self.block(family, in: text).isEmpty, "\(family.name)")
            #expect(!text.contains(family.name + "{"), "\(family.name)")
            #expect(!text.contains("# HELP \(family.name) "), "\(family.name)")
        }
        // The other families are unaffected.
        #expect(Self.block(MetricsExposition.groupLag, in: text).count == 2 + 4)
    }

    @Test func insightsOfAnotherClusterDoNotLeak() {
        let text = MetricsExposition.render(
            clusters: [Self.state(cluster: "a", insights: nil), Self.state(cluster: "b", insights: Self.insights())],
            process: Self.process)
        for family in Self.insightFamilies {
            let series = Self.block(family, in: text).dropFirst(2)
            #expect(!series.isEmpty, "\(family.name)")
            #expect(series.allSatisfy { $0.contains(#"{cluster_name="b","#) }, "\(family.name)")
        }
    }

    // MARK: Unsafe values

    @Test func nanInfinityAndNegativeValuesAreNeverWritten() {
        var insights = LagInsights()
        insights.lagSeconds = [
            GroupPartition("g", Self.t0): .nan, GroupPartition("g", Self.t1): .infinity,
            GroupPartition("h", Self.t0): -1, GroupPartition("n", Self.t0): 7,
        ]
        insights.partitionStatus = [GroupPartition("n", Self.t0): .ok]
        insights.groups = [
            "g": GroupInsight(
                status: .rewind, maxLagSeconds: .nan, consumptionRate: .infinity, productionRate: -1,
                drainSeconds: -.infinity),
            "h": GroupInsight(
                status: .ok, maxLagSeconds: -.infinity, consumptionRate: .nan, productionRate: .infinity,
                drainSeconds: .nan),
            "n": GroupInsight(
                status: .stall, maxLagSeconds: 7, consumptionRate: 0.5, productionRate: 0.25, drainSeconds: -0.5),
        ]
        let text = MetricsExposition.render(clusters: [Self.state(insights: insights)], process: Self.process)
        let unknown = #"member_host="unknown",consumer_id="unknown",client_id="unknown""#
        #expect(Self.block(MetricsExposition.groupLagSeconds, in: text) == Self.header(MetricsExposition.groupLagSeconds) + [
            #"kafka_consumergroup_group_lag_seconds{cluster_name="c",group="n",topic="t",partition="0",\#(unknown),env="e"} 7.0"#,
        ])
        #expect(Self.block(MetricsExposition.groupMaxLagSeconds, in: text) == Self.header(MetricsExposition.groupMaxLagSeconds) + [
            #"kafka_consumergroup_group_max_lag_seconds{cluster_name="c",group="n",env="e"} 7.0"#,
        ])
        #expect(Self.block(MetricsExposition.consumptionRate, in: text) == Self.header(MetricsExposition.consumptionRate) + [
            #"kafka_consumergroup_group_consumption_rate{cluster_name="c",group="n",env="e"} 0.5"#,
        ])
        #expect(Self.block(MetricsExposition.productionRate, in: text) == Self.header(MetricsExposition.productionRate) + [
            #"kafka_consumergroup_group_production_rate{cluster_name="c",group="n",env="e"} 0.25"#,
        ])
        // Every drain value is unusable: no family at all.
        #expect(Self.block(MetricsExposition.drainSeconds, in: text).isEmpty)
        // Statuses are unaffected by unusable numbers.
        #expect(Self.block(MetricsExposition.groupStatus, in: text) == Self.header(MetricsExposition.groupStatus)
            + Self.stateSet(#"cluster_name="c",group="g""#, current: .rewind)
            + Self.stateSet(#"cluster_name="c",group="h""#, current: .ok)
            + Self.stateSet(#"cluster_name="c",group="n""#, current: .stall))
        #expect(Self.block(MetricsExposition.partitionStatus, in: text) == Self.header(MetricsExposition.partitionStatus) + [
            #"kafka_consumergroup_partition_status{cluster_name="c",group="n",topic="t",partition="0",env="e"} 1"#,
        ])
        // No series anywhere carries NaN, Inf or a negative value.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            let number = Double(value)
            #expect(number != nil, "\(line)")
            #expect(number?.isFinite == true, "\(line)")
            #expect(!value.hasPrefix("-"), "\(line)")
        }
        for family in Self.insightFamilies {
            for line in Self.block(family, in: text).dropFirst(2) {
                let value = line.lowercased().split(separator: " ").last ?? ""
                #expect(!value.contains("nan") && !value.contains("inf"), "\(line)")
            }
        }
    }

    // MARK: Metric filter

    @Test func metricFilterKeepsOnlyGroupStatus() throws {
        let filter = try NameFilter(allow: ["kafka_consumergroup_group_status"])
        let text = MetricsExposition.render(
            clusters: [Self.state(cluster: "z", insights: Self.insights()), Self.state(cluster: "a", insights: Self.insights())],
            process: Self.process, metricFilter: filter)
        let lines = Self.header(MetricsExposition.groupStatus)
            + Self.stateSet(#"cluster_name="z",group="g""#, current: .warn)
            + Self.stateSet(#"cluster_name="z",group="h""#, current: .stop)
            + Self.stateSet(#"cluster_name="a",group="g""#, current: .warn)
            + Self.stateSet(#"cluster_name="a",group="h""#, current: .stop)
        #expect(text == lines.joined(separator: "\n") + "\n")
        #expect(MetricsExposition.renderUTF8(
            clusters: [Self.state(cluster: "z", insights: Self.insights()), Self.state(cluster: "a", insights: Self.insights())],
            process: Self.process, metricFilter: filter) == Array(text.utf8))
    }

    @Test func metricFilterDenyingInsightFamilies() throws {
        let filter = try NameFilter(deny: [".*_seconds", ".*_status", ".*_rate"])
        let text = MetricsExposition.render(clusters: [Self.state(insights: Self.insights())], process: Self.process, metricFilter: filter)
        for family in Self.insightFamilies {
            #expect(Self.block(family, in: text).isEmpty, "\(family.name)")
        }
        #expect(!Self.block(MetricsExposition.groupLag, in: text).isEmpty)
    }

    // MARK: From the history

    /// Two polls 10 s apart of a group stuck at 10 on a log end of 50.
    @Test func renderedFromLagHistory() {
        var history = LagHistory(windowSize: 2, pollInterval: 10)
        let member = GroupMember(consumerId: "id", clientId: "client", host: "h", assignment: [Self.t0])
        let snapshot = ClusterSnapshot(
            cluster: "c",
            groups: [
                ConsumerGroupSnapshot(
                    id: "g", state: .stable, members: [member], committedOffsets: [Self.t0: 10], topicPartitions: [:]),
            ],
            partitionOffsets: [Self.t0: PartitionOffsets(logStart: 0, logEnd: 50)])
        _ = history.record(snapshot, at: 1_700_000_000)
        let insights = history.record(snapshot, at: 1_700_000_010)
        let state = ClusterMetricsState(cluster: "c", snapshot: snapshot, insights: insights)
        let text = MetricsExposition.render(clusters: [state], process: Self.process)
        let labels = #"cluster_name="c",group="g""#
        let partition = #"topic="t",partition="0""#
        #expect(Self.block(MetricsExposition.groupLagSeconds, in: text).dropFirst(2) == [
            #"kafka_consumergroup_group_lag_seconds{\#(labels),\#(partition),member_host="h",consumer_id="id",client_id="client"} 10.0"#,
        ])
        #expect(Self.block(MetricsExposition.groupMaxLagSeconds, in: text).dropFirst(2) == [
            #"kafka_consumergroup_group_max_lag_seconds{\#(labels)} 10.0"#,
        ])
        #expect(Array(Self.block(MetricsExposition.groupStatus, in: text).dropFirst(2))
            == Self.stateSet(labels, current: .stall, extra: ""))
        #expect(Self.block(MetricsExposition.partitionStatus, in: text).dropFirst(2) == [
            #"kafka_consumergroup_partition_status{\#(labels),\#(partition)} 5"#,
        ])
        #expect(Self.block(MetricsExposition.consumptionRate, in: text).dropFirst(2) == [
            #"kafka_consumergroup_group_consumption_rate{\#(labels)} 0.0"#,
        ])
        #expect(Self.block(MetricsExposition.productionRate, in: text).dropFirst(2) == [
            #"kafka_consumergroup_group_production_rate{\#(labels)} 0.0"#,
        ])
        #expect(Self.block(MetricsExposition.drainSeconds, in: text).isEmpty)
    }
}
