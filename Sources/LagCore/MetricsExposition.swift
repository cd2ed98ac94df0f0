/// What the exporter knows about one cluster when a scrape arrives.
public struct ClusterMetricsState: Sendable {
    /// The `cluster_name` label.
    public var cluster: String
    /// Extra constant labels from the configuration, appended in this order to
    /// every lag, offset and poll-time series of this cluster, after the
    /// standard labels. Names are assumed valid and distinct from the standard ones.
    public var labels: [(String, String)]
    /// The last successful poll; nil before the first success.
    public var snapshot: ClusterSnapshot?
    /// How long the last successful poll took.
    public var lastPollDuration: Duration?
    /// Unix time in seconds of the last successful poll.
    public var lastSuccessTimestamp: Double?
    /// Failed polls since start.
    public var pollErrorsTotal: Int
    /// All polls since start, successful and failed.
    public var pollsTotal: Int
    /// Lag in seconds, statuses and rates from the cluster's history, for `snapshot`.
    public var insights: LagInsights?
    /// Groups left out of the last successful poll because their committed
    /// offsets could not be read (e.g. not authorized).
    public var skippedGroups: Int = 0

    public init(
        cluster: String,
        labels: [(String, String)] = [],
        snapshot: ClusterSnapshot? = nil,
        lastPollDuration: Duration? = nil,
        lastSuccessTimestamp: Double? = nil,
        pollErrorsTotal: Int = 0,
        pollsTotal: Int = 0,
        insights: LagInsights? = nil
    ) {
        self.cluster = cluster
        self.labels = labels
        self.snapshot = snapshot
        self.lastPollDuration = lastPollDuration
        self.lastSuccessTimestamp = lastSuccessTimestamp
        self.pollErrorsTotal = pollErrorsTotal
        self.pollsTotal = pollsTotal
        self.insights = insights
    }
}

/// Facts about the exporter process itself; nil values are not exported.
public struct ProcessMetrics: Sendable {
    public var version: String
    public var librdkafkaVersion: String
    public var residentMemoryBytes: Int?
    public var cpuSeconds: Double?
    /// Unix time in seconds the process started.
    public var startTimeSeconds: Double?
    /// This exporter's slice of the clusters (`shard: i/N`); reported only when N > 1.
    public var shard: Shard

    public init(
        version: String,
        librdkafkaVersion: String,
        residentMemoryBytes: Int? = nil,
        cpuSeconds: Double? = nil,
        startTimeSeconds: Double? = nil,
        shard: Shard = .whole
    ) {
        self.version = version
        self.librdkafkaVersion = librdkafkaVersion
        self.residentMemoryBytes = residentMemoryBytes
        self.cpuSeconds = cpuSeconds
        self.startTimeSeconds = startTimeSeconds
        self.shard = shard
    }
}

/// Renders the `/metrics` page: kafka-lag-exporter's metric families plus the
/// exporter's own, from the latest snapshot of every cluster. See docs/metrics.md.
public enum MetricsExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    // MARK: Families, in output order

    public static let groupOffset = Family(
        name: "kafka_consumergroup_group_offset", help: "Last group consumed offset of a partition", type: .gauge)
    public static let groupLag = Family(
        name: "kafka_consumergroup_group_lag", help: "Group offset lag of a partition", type: .gauge)
    public static let groupLagSeconds = Family(
        name: "kafka_consumergroup_group_lag_seconds", help: "Group time lag of a partition", type: .gauge)
    public static let groupMaxLag = Family(
        name: "kafka_consumergroup_group_max_lag", help: "Max group offset lag", type: .gauge)
    public static let groupMaxLagSeconds = Family(
        name: "kafka_consumergroup_group_max_lag_seconds", help: "Max group time lag", type: .gauge)
    public static let groupSumLag = Family(
        name: "kafka_consumergroup_group_sum_lag", help: "Sum of group offset lag", type: .gauge)
    public static let groupTopicSumLag = Family(
        name: "kafka_consumergroup_group_topic_sum_lag", help: "Sum of group offset lag across topic partitions",
        type: .gauge)
    public static let groupStatus = Family(
        name: "kafka_consumergroup_group_status",
        help: "Status of the group (worst of its partitions): 1 for the current status, 0 for the others", type: .gauge)
    public static let partitionStatus = Family(
        name: "kafka_consumergroup_partition_status",
        help: "Status of a group's partition: 1 OK, 2 WARN, 3 ERR, 4 STOP, 5 STALL, 6 REWIND", type: .gauge)
    public static let consumptionRate = Family(
        name: "kafka_consumergroup_group_consumption_rate",
        help: "Records per second the group consumed over the status window", type: .gauge)
    public static let productionRate = Family(
        name: "kafka_consumergroup_group_production_rate",
        help: "Records per second produced to the group's partitions over the status window", type: .gauge)
    public static let drainSeconds = Family(
        name: "kafka_consumergroup_group_drain_seconds",
        help: "Estimated seconds until the group's lag is consumed at current rates (absent while lag is not shrinking)",
        type: .gauge)
    public static let partitionLatestOffset = Family(
        name: "kafka_partition_latest_offset", help: "Latest offset of a partition", type: .gauge)
    public static let partitionEarliestOffset = Family(
        name: "kafka_partition_earliest_offset", help: "Earliest offset of a partition", type: .gauge)
    public static let pollTime = Family(
        name: "kafka_consumergroup_poll_time_ms", help: "Group time poll time", type: .gauge)
    public static let pollErrors = Family(
        name: "kafka_lag_exporter_poll_errors_total",
        help: "Failed polls of the cluster since the exporter started", type: .counter)
    public static let polls = Family(
        name: "kafka_lag_exporter_polls_total",
        help: "Polls of the cluster since the exporter started, successful and failed", type: .counter)
    public static let lastSuccessfulPoll = Family(
        name: "kafka_lag_exporter_last_successful_poll_timestamp_seconds",
        help: "Unix time in seconds of the last successful poll of the cluster", type: .gauge)
    public static let groups = Family(
        name: "kafka_lag_exporter_groups",
        help: "Consumer groups reported in the last successful poll of the cluster", type: .gauge)
    public static let skippedGroups = Family(
        name: "kafka_lag_exporter_skipped_groups",
        help: "Consumer groups left out of the last successful poll of the cluster because their offsets could not be read",
        type: .gauge)
    public static let partitions = Family(
        name: "kafka_lag_exporter_partitions",
        help: "Partitions with a known earliest or latest offset in the last successful poll of the cluster",
        type: .gauge)
    public static let buildInfo = Family(
        name: "kafka_lag_exporter_build_info",
        help: "A metric with a constant '1' value labeled by the exporter version and the librdkafka version in use",
        type: .gauge)
    public static let shardInfo = Family(
        name: "kafka_lag_exporter_shard_info",
        help: "A metric with a constant '1' value labeled by this exporter's shard index and the number of shards",
        type: .gauge)
    public static let residentMemory = Family(
        name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge)
    public static let cpuSeconds = Family(
        name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", type: .counter)
    public static let startTime = Family(
        name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.",
        type: .gauge)

    /// Every family the exporter can emit, in output order.
    public static let families: [Family] = [
        groupOffset, groupLag, groupLagSeconds, groupMaxLag, groupMaxLagSeconds, groupSumLag, groupTopicSumLag,
        groupStatus, partitionStatus, consumptionRate, productionRate, drainSeconds,
        partitionLatestOffset, partitionEarliestOffset, pollTime,
        pollErrors, polls, lastSuccessfulPoll, groups, skippedGroups, partitions,
        buildInfo, shardInfo, residentMemory, cpuSeconds, startTime,
    ]

    // MARK: Rendering

    /// Prometheus text exposition format 0.0.4. Metric families whose name does not fully match
    /// `metricFilter` (a NameFilter: allow/deny regexes on metric names) are left out entirely.
    ///
    /// Families come in the order of ``families``; within one, series are ordered
    /// by cluster (input order), group, topic and partition. A family without
    /// series is left out, HELP and TYPE included. No NaN or Inf is ever written.
    public static func render(
        clusters: [ClusterMetricsState], process: ProcessMetrics, metricFilter: NameFilter = .all
    ) -> String {
        write(clusters: clusters, process: process, metricFilter: metricFilter).text
    }

    /// The same text as ``render(clusters:process:metricFilter:)``, as UTF-8
    /// bytes, for an HTTP body without a detour through `String`.
    public static func renderUTF8(
        clusters: [ClusterMetricsState], process: ProcessMetrics, metricFilter: NameFilter = .all
    ) -> [UInt8] {
        write(clusters: clusters, process: process, selection: FamilySelection(metricFilter)).bytes
    }

    /// ``renderUTF8(clusters:process:metricFilter:)`` with the filter's
    /// decisions made beforehand: what a server does once, not per scrape.
    public static func renderUTF8(
        clusters: [ClusterMetricsState], process: ProcessMetrics, selection: FamilySelection
    ) -> [UInt8] {
        write(clusters: clusters, process: process, selection: selection).bytes
    }

    /// Which of ``families`` a metric filter includes: one regex match per
    /// family, decided once.
    public struct FamilySelection: Sendable {
        fileprivate let included: Set<String>

        public init(_ metricFilter: NameFilter) {
            included = Set(families.lazy.map(\.name).filter(metricFilter.includes))
        }

        public func includes(_ family: Family) -> Bool { included.contains(family.name) }
    }

    private static func write(
        clusters: [ClusterMetricsState], process: ProcessMetrics, metricFilter: NameFilter
    ) -> ExpositionWriter {
        write(clusters: clusters, process: process, selection: FamilySelection(metricFilter))
    }

    private static func write(
        clusters: [ClusterMetricsState], process: ProcessMetrics, selection: FamilySelection
    ) -> ExpositionWriter {
        func isIncluded(_ family: Family) -> Bool { selection.includes(family) }
        let needsOwners = isIncluded(groupOffset) || isIncluded(groupLag) || isIncluded(groupLagSeconds)
        let needsRows = needsOwners || isIncluded(groupMaxLag) || isIncluded(groupSumLag)
            || isIncluded(groupTopicSumLag) || isIncluded(groupMaxLagSeconds) || isIncluded(groupStatus)
            || isIncluded(partitionStatus) || isIncluded(consumptionRate) || isIncluded(productionRate)
            || isIncluded(drainSeconds)
        let needsOffsets = isIncluded(partitionLatestOffset) || isIncluded(partitionEarliestOffset)

        let prepared = clusters.map {
            PreparedCluster($0, rows: needsRows, owners: needsOwners, offsets: needsOffsets)
        }
        var writer = ExpositionWriter(reservingCapacity: estimatedSize(prepared))

        if isIncluded(groupOffset) { writePartitionSeries(groupOffset, prepared, value: .offset, to: &writer) }
        if isIncluded(groupLag) { writePartitionSeries(groupLag, prepared, value: .lag, to: &writer) }
        if isIncluded(groupLagSeconds) { writePartitionSeries(groupLagSeconds, prepared, value: .lagSeconds, to: &writer) }
        if isIncluded(groupMaxLag) { writeGroupAggregate(groupMaxLag, prepared, max: true, to: &writer) }
        if isIncluded(groupMaxLagSeconds) {
            writeGroupInsight(groupMaxLagSeconds, prepared, to: &writer) { $0.maxLagSeconds }
        }
        if isIncluded(groupSumLag) { writeGroupAggregate(groupSumLag, prepared, max: false, to: &writer) }
        if isIncluded(groupTopicSumLag) { writeTopicSums(prepared, to: &writer) }
        if isIncluded(groupStatus) { writeGroupStatus(prepared, to: &writer) }
        if isIncluded(partitionStatus) { writePartitionStatus(prepared, to: &writer) }
        if isIncluded(consumptionRate) { writeGroupInsight(consumptionRate, prepared, to: &writer) { $0.consumptionRate } }
        if isIncluded(productionRate) { writeGroupInsight(productionRate, prepared, to: &writer) { $0.productionRate } }
        if isIncluded(drainSeconds) { writeGroupInsight(drainSeconds, prepared, to: &writer) { $0.drainSeconds } }
        if isIncluded(partitionLatestOffset) { writeLogOffsets(partitionLatestOffset, prepared, latest: true, to: &writer) }
        if isIncluded(partitionEarliestOffset) {
            writeLogOffsets(partitionEarliestOffset, prepared, latest: false, to: &writer)
        }
        if isIncluded(pollTime) {
            writer.startFamily(pollTime)
            for cluster in prepared {
                guard let duration = cluster.state.lastPollDuration else { continue }
                writer.beginSeries()
                writer.appendRaw(cluster.clusterLabel)
                writer.appendRaw(cluster.extraLabels)
                writer.endSeries(duration.milliseconds)
            }
        }
        if isIncluded(pollErrors) {
            writeClusterValues(pollErrors, prepared, to: &writer) { Int64($0.state.pollErrorsTotal) }
        }
        if isIncluded(polls) {
            writeClusterValues(polls, prepared, to: &writer) { Int64($0.state.pollsTotal) }
        }
        if isIncluded(lastSuccessfulPoll) {
            writer.startFamily(lastSuccessfulPoll)
            for cluster in prepared {
                guard let timestamp = cluster.state.lastSuccessTimestamp, timestamp.isFinite else { continue }
                writer.beginSeries()
                writer.appendRaw(cluster.clusterLabel)
                writer.endSeries(timestamp)
            }
        }
        if isIncluded(groups) {
            writeClusterValues(groups, prepared, to: &writer) { $0.state.snapshot.map { Int64($0.groups.count) } }
        }
        if isIncluded(skippedGroups) {
            writeClusterValues(skippedGroups, prepared, to: &writer) { cluster in
                cluster.state.snapshot.map { _ in Int64(cluster.state.skippedGroups) }
            }
        }
        if isIncluded(partitions) {
            writeClusterValues(partitions, prepared, to: &writer) { cluster in
                cluster.state.snapshot.map { snapshot in
                    Int64(snapshot.partitionOffsets.values.count { $0.logStart != nil || $0.logEnd != nil })
                }
            }
        }
        if isIncluded(buildInfo) {
            writer.startFamily(buildInfo)
            writer.beginSeries()
            writer.firstLabel("version", process.version)
            writer.label("librdkafka_version", process.librdkafkaVersion)
            writer.endSeries(Int64(1))
        }
        if isIncluded(shardInfo), process.shard.count > 1 {
            writer.startFamily(shardInfo)
            writer.beginSeries()
            writer.firstLabel("shard", String(process.shard.index))
            writer.label("shards", String(process.shard.count))
            writer.endSeries(Int64(1))
        }
        if isIncluded(residentMemory), let bytes = process.residentMemoryBytes {
            writer.startFamily(residentMemory)
            writer.beginSeries()
            writer.endUnlabeled(Int64(bytes))
        }
        if isIncluded(cpuSeconds), let seconds = process.cpuSeconds, seconds.isFinite {
            writer.startFamily(cpuSeconds)
            writer.beginSeries()
            writer.endUnlabeled(seconds)
        }
        if isIncluded(startTime), let seconds = process.startTimeSeconds, seconds.isFinite {
            writer.startFamily(startTime)
            writer.beginSeries()
            writer.endUnlabeled(seconds)
        }
        return writer
    }

    // MARK: Family writers

    /// Which value a per-partition series carries.
    private enum PartitionValue { case offset, lag, lagSeconds }

    /// kafka_consumergroup_group_offset / _lag / _lag_seconds: one series per
    /// committed partition (with a known lag or lag in seconds for those).
    private static func writePartitionSeries(
        _ family: Family, _ clusters: [PreparedCluster], value: PartitionValue, to writer: inout ExpositionWriter
    ) {
        writer.startFamily(family)
        for cluster in clusters {
            for row in cluster.rows {
                if value == .lag, row.lag < 0 { continue }
                let group = cluster.groups[Int(row.group)]
                let partition = group.partitions[Int(row.partition)]
                var seconds: Double?
                if value == .lagSeconds {
                    seconds = cluster.state.insights?.lagSeconds[GroupPartition(group.id, partition)]
                    guard let seconds, seconds.isFinite, seconds >= 0 else { continue }
                }
                writer.beginSeries()
                writer.appendRaw(cluster.groupLabels[Int(row.group)])
                writer.label("topic", partition.topic)
                writer.label("partition", partition.partition)
                if row.owner >= 0 {
                    writer.appendRaw(cluster.memberLabels[Int(row.group)][Int(row.owner)])
                } else {
                    writer.appendRaw(unknownMemberLabels)
                }
                writer.appendRaw(cluster.extraLabels)
                switch value {
                case .offset: writer.endSeries(row.committed)
                case .lag: writer.endSeries(row.lag)
                case .lagSeconds: writer.endSeries((seconds ?? 0) + 0.0)  // + 0.0 turns -0.0 into 0.0
                }
            }
        }
    }

    /// A `{cluster_name,group}` family from the group insights; no series where the value is unknown.
    private static func writeGroupInsight(
        _ family: Family, _ clusters: [PreparedCluster], to writer: inout ExpositionWriter,
        value: (GroupInsight) -> Double?
    ) {
        writer.startFamily(family)
        for cluster in clusters {
            guard let insights = cluster.state.insights else { continue }
            for (index, group) in cluster.groups.enumerated() {
                guard let insight = insights.groups[group.id], let number = value(insight), number.isFinite, number >= 0 else {
                    continue
                }
                writer.beginSeries()
                writer.appendRaw(cluster.groupLabels[index])
                writer.appendRaw(cluster.extraLabels)
                writer.endSeries(number + 0.0)  // + 0.0 turns -0.0 into 0.0
            }
        }
    }

    /// kafka_consumergroup_group_status: the OpenMetrics state-set convention,
    /// one series per status, 1 for the group's current one.
    private static func writeGroupStatus(_ clusters: [PreparedCluster], to writer: inout ExpositionWriter) {
        writer.startFamily(groupStatus)
        for cluster in clusters {
            guard let insights = cluster.state.insights else { continue }
            for (index, group) in cluster.groups.enumerated() {
                guard let insight = insights.groups[group.id] else { continue }
                for status in LagStatus.allCases {
                    writer.beginSeries()
                    writer.appendRaw(cluster.groupLabels[index])
                    writer.label("status", status.description)
                    writer.appendRaw(cluster.extraLabels)
                    writer.endSeries(Int64(status == insight.status ? 1 : 0))
                }
            }
        }
    }

    /// kafka_consumergroup_partition_status: Burrow's numeric code per committed partition.
    private static func writePartitionStatus(_ clusters: [PreparedCluster], to writer: inout ExpositionWriter) {
        writer.startFamily(partitionStatus)
        for cluster in clusters {
            guard let insights = cluster.state.insights else { continue }
            for row in cluster.rows {
                let group = cluster.groups[Int(row.group)]
                let partition = group.partitions[Int(row.partition)]
                guard let status = insights.partitionStatus[GroupPartition(group.id, partition)] else { continue }
                writer.beginSeries()
                writer.appendRaw(cluster.groupLabels[Int(row.group)])
                writer.label("topic", partition.topic)
                writer.label("partition", partition.partition)
                writer.appendRaw(cluster.extraLabels)
                writer.endSeries(Int64(status.rawValue))
            }
        }
    }

    /// kafka_consumergroup_group_max_lag / _sum_lag over a group's partitions
    /// with a known lag; none for a group without any.
    private static func writeGroupAggregate(
        _ family: Family, _ clusters: [PreparedCluster], max: Bool, to writer: inout ExpositionWriter
    ) {
        writer.startFamily(family)
        for cluster in clusters {
            let rows = cluster.rows
            var start = 0
            while start < rows.count {
                let group = rows[start].group
                var end = start
                var value: Int64 = -1
                while end < rows.count, rows[end].group == group {
                    let lag = rows[end].lag
                    if lag >= 0 { value = max ? Swift.max(value, lag) : saturatingAdd(Swift.max(value, 0), lag) }
                    end += 1
                }
                if value >= 0 {
                    writer.beginSeries()
                    writer.appendRaw(cluster.groupLabels[Int(group)])
                    writer.appendRaw(cluster.extraLabels)
                    writer.endSeries(value)
                }
                start = end
            }
        }
    }

    /// kafka_consumergroup_group_topic_sum_lag over a group's partitions of one
    /// topic with a known lag; none for a group and topic without any.
    private static func writeTopicSums(_ clusters: [PreparedCluster], to writer: inout ExpositionWriter) {
        writer.startFamily(groupTopicSumLag)
        for cluster in clusters {
            let rows = cluster.rows
            var start = 0
            while start < rows.count {
                let groupIndex = rows[start].group
                let group = cluster.groups[Int(groupIndex)]
                let topic = group.partitions[Int(rows[start].partition)].topic
                var end = start
                var sum: Int64 = -1
                while end < rows.count, rows[end].group == groupIndex,
                      group.partitions[Int(rows[end].partition)].topic == topic {
                    let lag = rows[end].lag
                    if lag >= 0 { sum = saturatingAdd(Swift.max(sum, 0), lag) }
                    end += 1
                }
                if sum >= 0 {
                    writer.beginSeries()
                    writer.appendRaw(cluster.groupLabels[Int(groupIndex)])
                    writer.label("topic", topic)
                    writer.appendRaw(cluster.extraLabels)
                    writer.endSeries(sum)
                }
                start = end
            }
        }
    }

    /// kafka_partition_latest_offset / _earliest_offset for every gauge
    /// partition of the snapshot (``ClusterSnapshot/gaugePartitions``) with a known value.
    private static func writeLogOffsets(
        _ family: Family, _ clusters: [PreparedCluster], latest: Bool, to writer: inout ExpositionWriter
    ) {
        writer.startFamily(family)
        for cluster in clusters {
            for topic in cluster.logOffsets {
                for (partition, offsets) in topic.partitions {
                    guard let value = latest ? offsets.logEnd : offsets.logStart else { continue }
                    writer.beginSeries()
                    writer.appendRaw(cluster.clusterLabel)
                    writer.appendRaw(topic.label)
                    writer.label("partition", partition)
                    writer.appendRaw(cluster.extraLabels)
                    writer.endSeries(value)
                }
            }
        }
    }

    /// A family with one `{cluster_name}` series per cluster that has a value.
    private static func writeClusterValues(
        _ family: Family, _ clusters: [PreparedCluster], to writer: inout ExpositionWriter,
        value: (PreparedCluster) -> Int64?
    ) {
        writer.startFamily(family)
        for cluster in clusters {
            guard let value = value(cluster) else { continue }
            writer.beginSeries()
            writer.appendRaw(cluster.clusterLabel)
            writer.endSeries(value)
        }
    }

    private static let unknownMemberLabels = Array(
        #",member_host="unknown",consumer_id="unknown",client_id="unknown""#.utf8)

    private static func saturatingAdd(_ lhs: Int64, _ rhs: Int64) -> Int64 {
        let (sum, overflow) = lhs.addingReportingOverflow(rhs)
        return overflow ? Int64.max : sum
    }

    /// A generous guess of the output size, so the string grows at most once or twice.
    private static func estimatedSize(_ prepared: [PreparedCluster]) -> Int {
        var size = 4096
        for cluster in prepared {
            let fixed = cluster.clusterLabel.count + cluster.extraLabels.count
            // Offset and lag series: name, labels, member labels, value.
            size += cluster.rows.count * 2 * (fixed + 180)
            size += cluster.groups.count * 3 * (fixed + 100)
            size += cluster.logOffsetCount * 2 * (fixed + 80)
            size += 6 * (fixed + 80)
        }
        return size
    }
}

/// One cluster's state made ready for rendering: pre-escaped label fragments,
/// groups and partitions in output order, and one compact row per committed partition.
private struct PreparedCluster {
    /// One committed partition of one group.
    struct Row {
        /// Index into `groups`.
        var group: Int32
        /// Index into the group's `partitions`.
        var partition: Int32
        /// Index into the group's `members`; -1 when no member owns the partition.
        var owner: Int32
        var committed: Int64
        /// -1 when the log-end offset is unknown.
        var lag: Int64
    }

    let state: ClusterMetricsState
    /// `{cluster_name="..."`
    let clusterLabel: [UInt8]
    /// `,name="value"` for each extra label, or empty.
    let extraLabels: [UInt8]
    /// Sorted by id, each with its partitions sorted.
    let groups: [ConsumerGroupSnapshot]
    /// `{cluster_name="...",group="..."` for each of `groups`.
    private(set) var groupLabels: [[UInt8]]
    /// `,member_host="...",consumer_id="...",client_id="..."` for each member of
    /// each of `groups` (empty values become "unknown"); empty unless owners are needed.
    private(set) var memberLabels: [[[UInt8]]]
    /// Groups, then topics and partitions, in order.
    let rows: [Row]
    /// The log offsets of one topic.
    struct TopicOffsets {
        /// `,topic="..."`
        var label: [UInt8]
        /// Sorted by partition.
        var partitions: [(Int32, PartitionOffsets)]
    }

    /// Sorted by topic; empty unless the partition offsets are needed.
    let logOffsets: [TopicOffsets]
    var logOffsetCount: Int { state.snapshot?.partitionOffsets.count ?? 0 }

    init(_ state: ClusterMetricsState, rows needsRows: Bool, owners needsOwners: Bool, offsets needsOffsets: Bool) {
        self.state = state
        var clusterLabel: [UInt8] = []
        Self.appendLabel("{cluster_name", state.cluster, to: &clusterLabel)
        self.clusterLabel = clusterLabel
        var extraLabels: [UInt8] = []
        for (name, value) in state.labels {
            Self.appendLabel("," + name, value, to: &extraLabels)
        }
        self.extraLabels = extraLabels
        groupLabels = []
        memberLabels = []

        guard let snapshot = state.snapshot else {
            groups = []
            rows = []
            logOffsets = []
            return
        }

        if needsOffsets {
            // Grouping by topic first sorts far fewer strings than sorting all partitions.
            var byTopic: [String: [(Int32, PartitionOffsets)]] = [:]
            for (partition, offsets) in snapshot.partitionOffsets
            where snapshot.gaugePartitions?.contains(partition) ?? true {
                byTopic[partition.topic, default: []].append((partition.partition, offsets))
            }
            logOffsets = byTopic.sorted { $0.key < $1.key }.map { topic, partitions in
                var label: [UInt8] = []
                Self.appendLabel(",topic", topic, to: &label)
                return TopicOffsets(label: label, partitions: partitions.sorted { $0.0 < $1.0 })
            }
        } else {
            logOffsets = []
        }

        guard needsRows else {
            groups = []
            rows = []
            return
        }
        // Snapshots keep groups and partitions sorted; sort only if someone did not.
        var groups = snapshot.groups
        if !Self.isSorted(groups, by: { $0.id < $1.id }) { groups.sort { $0.id < $1.id } }
        for index in groups.indices where !Self.isSorted(groups[index].partitions, by: <) {
            groups[index].partitions.sort()
        }
        self.groups = groups
        groupLabels = groups.map { group in
            var label = clusterLabel
            Self.appendLabel(",group", group.id, to: &label)
            return label
        }
        if needsOwners {
            memberLabels = groups.map { group in
                group.members.map { member in
                    var labels: [UInt8] = []
                    Self.appendLabel(",member_host", member.host.isEmpty ? "unknown" : member.host, to: &labels)
                    Self.appendLabel(",consumer_id", member.consumerId.isEmpty ? "unknown" : member.consumerId, to: &labels)
                    Self.appendLabel(",client_id", member.clientId.isEmpty ? "unknown" : member.clientId, to: &labels)
                    return labels
                }
            }
        }

        var rows: [Row] = []
        rows.reserveCapacity(groups.reduce(0) { $0 + $1.committedOffsets.count })
        for (groupIndex, group) in groups.enumerated() {
            let owners = needsOwners ? OwnerLookup(group) : OwnerLookup.none
            for (partitionIndex, partition) in group.partitions.enumerated() {
                guard let committed = group.committedOffsets[partition] else { continue }
                let lag = Lag.offsetLag(committed: committed, logEnd: snapshot.partitionOffsets[partition]?.logEnd)
                rows.append(Row(
                    group: Int32(truncatingIfNeeded: groupIndex),
                    partition: Int32(truncatingIfNeeded: partitionIndex),
                    owner: owners.owner(of: partition, in: group),
                    committed: committed,
                    lag: lag ?? -1
                ))
            }
        }
        self.rows = rows
    }

    /// `prefix="escaped value"`, where `prefix` carries the leading `{` or `,` and the name.
    private static func appendLabel(_ prefix: String, _ value: String, to bytes: inout [UInt8]) {
        ExpositionWriter.append(prefix, to: &bytes)
        bytes.append(UInt8(ascii: "="))
        bytes.append(UInt8(ascii: "\""))
        ExpositionWriter.appendEscapedLabelValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    private static func isSorted<T>(_ elements: [T], by areInIncreasingOrder: (T, T) -> Bool) -> Bool {
        var index = elements.startIndex + 1
        while index < elements.endIndex {
            if areInIncreasingOrder(elements[index], elements[index - 1]) { return false }
            index += 1
        }
        return true
    }
}

/// The owning member of each partition, as `ConsumerGroupSnapshot.owner(of:)`
/// (the first member listing it), without a linear scan per partition for big groups.
private enum OwnerLookup {
    case none
    case scan
    case table([TopicPartition: Int32])

    init(_ group: ConsumerGroupSnapshot) {
        let assigned = group.members.reduce(0) { $0 + $1.assignment.count }
        if assigned == 0 {
            self = .none
        } else if assigned <= 16 {
            self = .scan
        } else {
            var table: [TopicPartition: Int32] = [:]
            table.reserveCapacity(assigned)
            for (index, member) in group.members.enumerated() {
                for partition in member.assignment where table[partition] == nil {
                    table[partition] = Int32(truncatingIfNeeded: index)
                }
            }
            self = .table(table)
        }
    }

    func owner(of partition: TopicPartition, in group: ConsumerGroupSnapshot) -> Int32 {
        switch self {
        case .none:
            return -1
        case .scan:
            guard let index = group.members.firstIndex(where: { $0.assignment.contains(partition) }) else { return -1 }
            return Int32(truncatingIfNeeded: index)
        case .table(let table):
            return table[partition] ?? -1
        }
    }
}
