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
    public static let groupInfo = Family(
        name: "kafka_consumergroup_group_info",
        help: "A metric with a constant '1' value labeled by the group's state and protocol type (classic or consumer)",
        type: .gauge)
    public static let groupMembers = Family(
        name: "kafka_consumergroup_group_members", help: "Members of the group", type: .gauge)
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
        groupStatus, partitionStatus, consumptionRate, productionRate, drainSeconds, groupInfo, groupMembers,
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
        String(decoding: renderUTF8(clusters: clusters, process: process, metricFilter: metricFilter), as: UTF8.self)
    }

    /// The same text as ``render(clusters:process:metricFilter:)``, as UTF-8
    /// bytes, for an HTTP body without a detour through `String`.
    public static func renderUTF8(
        clusters: [ClusterMetricsState], process: ProcessMetrics, metricFilter: NameFilter = .all
    ) -> [UInt8] {
        renderUTF8(clusters: clusters, process: process, selection: FamilySelection(metricFilter))
    }

    /// ``renderUTF8(clusters:process:metricFilter:)`` with the filter's
    /// decisions made beforehand: what a server does once, not per scrape.
    ///
    /// The whole page in one buffer: a ``Renderer`` whose one chunk is everything.
    public static func renderUTF8(
        clusters: [ClusterMetricsState], process: ProcessMetrics, selection: FamilySelection
    ) -> [UInt8] {
        var renderer = Renderer(
            clusters: clusters, process: process, selection: selection, chunkSize: .max, capacity: estimatedSize)
        var bytes: [UInt8] = []
        _ = renderer.nextChunk(into: &bytes)
        return bytes
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

    /// Renders the page a chunk at a time, so that a server can send (or
    /// compress) each chunk before the next one is written and never holds
    /// the whole text.
    ///
    /// The chunks, concatenated, are byte for byte the text of
    /// ``renderUTF8(clusters:process:selection:)``, which is this renderer
    /// with one chunk for everything: the same family writers, which stop
    /// once a chunk holds `chunkSize` bytes and resume there on the next call.
    /// They stop between two series (for `kafka_consumergroup_group_status`,
    /// two groups), so a chunk is a little longer than `chunkSize` and always
    /// ends with a complete line.
    ///
    ///     var renderer = MetricsExposition.Renderer(clusters: clusters, process: process, selection: selection)
    ///     var chunk: [UInt8] = []
    ///     while renderer.nextChunk(into: &chunk) { send(chunk) }
    ///
    /// The clusters' label fragments and row order are prepared once, on
    /// creation; the text is written on demand.
    public struct Renderer {
        /// 128 KiB: large enough that the per-chunk cost (a write, a compressor
        /// call) is noise, small enough to be nothing next to the state it renders.
        public static let defaultChunkSize = 128 * 1024

        private let clusters: [PreparedCluster]
        private let process: ProcessMetrics
        private let selection: FamilySelection
        /// The families to write, in output order.
        private let sections: [Section]
        private var writer: ExpositionWriter
        /// The capacity a fresh chunk buffer gets.
        private let chunkCapacity: Int
        /// Where writing resumes: the section, whether its family was started,
        /// the cluster and the item (row, group, partition) within that cluster.
        private var section = 0
        private var sectionStarted = false
        private var cluster = 0
        private var item = 0

        /// - Parameter chunkSize: the bytes after which a chunk ends (at the end of the current series).
        public init(
            clusters: [ClusterMetricsState], process: ProcessMetrics, selection: FamilySelection,
            chunkSize: Int = defaultChunkSize
        ) {
            precondition(chunkSize > 0, "chunkSize must be positive")
            // A series rarely passes 4 KiB, so a chunk rarely outgrows its buffer.
            let capacity = chunkSize > Int.max - 4096 ? chunkSize : chunkSize + 4096
            self.init(clusters: clusters, process: process, selection: selection, chunkSize: chunkSize) { _ in capacity }
        }

        /// - Parameter capacity: the size of a chunk buffer, from the prepared clusters.
        fileprivate init(
            clusters: [ClusterMetricsState], process: ProcessMetrics, selection: FamilySelection, chunkSize: Int,
            capacity: ([PreparedCluster]) -> Int
        ) {
            let sections = Section.all.filter { $0.isIncluded(in: selection) }
            let needsOwners = sections.contains { $0.needsOwners }
            let needsRows = sections.contains { $0.needsRows }
            let needsOffsets = sections.contains { $0.needsLogOffsets }
            let prepared = clusters.map {
                PreparedCluster($0, rows: needsRows, owners: needsOwners, offsets: needsOffsets)
            }
            self.clusters = prepared
            self.process = process
            self.selection = selection
            self.sections = sections
            chunkCapacity = capacity(prepared)
            writer = ExpositionWriter(chunkSize: chunkSize, reservingCapacity: chunkCapacity)
        }

        /// True once the last chunk has been handed out: ``nextChunk(into:)``
        /// has nothing more to write.
        public var isFinished: Bool { section == sections.count && writer.isEmpty }

        /// Writes the next part of the page into `chunk`, replacing what it
        /// held; its storage is reused by the following call, so passing the
        /// same buffer every time renders the page with two buffers in all.
        /// - Returns: false, with `chunk` empty, once the page is complete.
        public mutating func nextChunk(into chunk: inout [UInt8]) -> Bool {
            while !writer.isFull, section < sections.count {
                writeSection()
            }
            guard !writer.isEmpty else {
                chunk.removeAll(keepingCapacity: true)
                return false
            }
            writer.moveBytes(into: &chunk, reservingCapacity: section < sections.count ? chunkCapacity : 0)
            return true
        }

        /// Writes the current section from where it stopped until it is done
        /// (then moves to the next one) or the chunk is full.
        private mutating func writeSection() {
            let current = sections[section]
            if !sectionStarted, let family = current.family {
                writer.startFamily(family)
            }
            sectionStarted = true
            if case .process = current {
                writeProcess(process, selection: selection, to: &writer)
            } else {
                while cluster < clusters.count {
                    if let resume = current.write(clusters[cluster], from: item, to: &writer) {
                        item = resume
                        return
                    }
                    cluster += 1
                    item = 0
                }
            }
            section += 1
            sectionStarted = false
            cluster = 0
            item = 0
        }
    }

    // MARK: Sections

    /// One family of the page (``Section/process``: the exporter's own last
    /// few), written cluster by cluster and resumable inside a cluster.
    private enum Section: Sendable {
        case partitionSeries(Family, PartitionValue)
        case groupAggregate(Family, max: Bool)
        case groupInsight(Family, GroupValue)
        case topicSums
        case groupStatus
        case partitionStatus
        /// kafka_consumergroup_group_info and _members: one series per group.
        case groupDescription(Family, members: Bool)
        case logOffsets(Family, latest: Bool)
        case pollTime
        case clusterValue(Family, ClusterValue)
        case lastSuccessfulPoll
        /// build_info, shard_info and the process_ families; no per-cluster series.
        case process

        /// Every section, in output order (the order of ``MetricsExposition/families``).
        static let all: [Section] = [
            .partitionSeries(groupOffset, .offset),
            .partitionSeries(groupLag, .lag),
            .partitionSeries(groupLagSeconds, .lagSeconds),
            .groupAggregate(groupMaxLag, max: true),
            .groupInsight(groupMaxLagSeconds, .maxLagSeconds),
            .groupAggregate(groupSumLag, max: false),
            .topicSums,
            .groupStatus,
            .partitionStatus,
            .groupInsight(consumptionRate, .consumptionRate),
            .groupInsight(productionRate, .productionRate),
            .groupInsight(drainSeconds, .drainSeconds),
            .groupDescription(groupInfo, members: false),
            .groupDescription(groupMembers, members: true),
            .logOffsets(partitionLatestOffset, latest: true),
            .logOffsets(partitionEarliestOffset, latest: false),
            .pollTime,
            .clusterValue(pollErrors, .pollErrors),
            .clusterValue(polls, .polls),
            .lastSuccessfulPoll,
            .clusterValue(groups, .groups),
            .clusterValue(skippedGroups, .skippedGroups),
            .clusterValue(partitions, .partitions),
            .process,
        ]

        /// The family written; nil for ``process``, which starts its own.
        var family: Family? {
            switch self {
            case .partitionSeries(let family, _), .groupAggregate(let family, _), .groupInsight(let family, _),
                 .logOffsets(let family, _), .clusterValue(let family, _), .groupDescription(let family, _):
                return family
            case .topicSums: return MetricsExposition.groupTopicSumLag
            case .groupStatus: return MetricsExposition.groupStatus
            case .partitionStatus: return MetricsExposition.partitionStatus
            case .pollTime: return MetricsExposition.pollTime
            case .lastSuccessfulPoll: return MetricsExposition.lastSuccessfulPoll
            case .process: return nil
            }
        }

        func isIncluded(in selection: FamilySelection) -> Bool {
            guard let family else {
                return [buildInfo, shardInfo, residentMemory, cpuSeconds, startTime].contains(where: selection.includes)
            }
            return selection.includes(family)
        }

        /// Writes member labels: needs each partition's owner.
        var needsOwners: Bool {
            if case .partitionSeries = self { return true }
            return false
        }

        /// Needs the groups and their committed partitions in order.
        var needsRows: Bool {
            switch self {
            case .partitionSeries, .groupAggregate, .groupInsight, .topicSums, .groupStatus, .partitionStatus,
                 .groupDescription:
                return true
            case .logOffsets, .pollTime, .clusterValue, .lastSuccessfulPoll, .process:
                return false
            }
        }

        /// Needs the partitions' log offsets sorted by topic and partition.
        var needsLogOffsets: Bool {
            if case .logOffsets = self { return true }
            return false
        }

        /// Writes this section's series of one cluster from `item` on.
        /// - Returns: the item to resume at when the chunk filled up first, nil when the cluster is done.
        func write(_ cluster: PreparedCluster, from item: Int, to writer: inout ExpositionWriter) -> Int? {
            switch self {
            case .partitionSeries(_, let value):
                return writePartitionSeries(cluster, value: value, from: item, to: &writer)
            case .groupAggregate(_, let max):
                return writeGroupAggregate(cluster, max: max, from: item, to: &writer)
            case .groupInsight(_, let value):
                return writeGroupInsight(cluster, value: value, from: item, to: &writer)
            case .topicSums:
                return writeTopicSums(cluster, from: item, to: &writer)
            case .groupStatus:
                return writeGroupStatus(cluster, from: item, to: &writer)
            case .partitionStatus:
                return writePartitionStatus(cluster, from: item, to: &writer)
            case .groupDescription(_, let members):
                return writeGroupDescription(cluster, members: members, from: item, to: &writer)
            case .logOffsets(_, let latest):
                return writeLogOffsets(cluster, latest: latest, from: item, to: &writer)
            case .pollTime:
                if let duration = cluster.state.lastPollDuration {
                    writer.beginSeries()
                    writer.appendRaw(cluster.clusterLabel)
                    writer.appendRaw(cluster.extraLabels)
                    writer.endSeries(duration.milliseconds)
                }
                return nil
            case .clusterValue(_, let value):
                if let number = value.of(cluster.state) {
                    writer.beginSeries()
                    writer.appendRaw(cluster.clusterLabel)
                    writer.endSeries(number)
                }
                return nil
            case .lastSuccessfulPoll:
                if let timestamp = cluster.state.lastSuccessTimestamp, timestamp.isFinite {
                    writer.beginSeries()
                    writer.appendRaw(cluster.clusterLabel)
                    writer.endSeries(timestamp)
                }
                return nil
            case .process:
                return nil
            }
        }
    }

    /// A `{cluster_name,group}` value from a group's insight.
    private enum GroupValue {
        case maxLagSeconds, consumptionRate, productionRate, drainSeconds

        func of(_ insight: GroupInsight) -> Double? {
            switch self {
            case .maxLagSeconds: return insight.maxLagSeconds
            case .consumptionRate: return insight.consumptionRate
            case .productionRate: return insight.productionRate
            case .drainSeconds: return insight.drainSeconds
            }
        }
    }

    /// A `{cluster_name}` count from a cluster's state.
    private enum ClusterValue {
        case pollErrors, polls, groups, skippedGroups, partitions

        /// nil: no series (the group and partition counts need a snapshot).
        func of(_ state: ClusterMetricsState) -> Int64? {
            switch self {
            case .pollErrors: return Int64(state.pollErrorsTotal)
            case .polls: return Int64(state.pollsTotal)
            case .groups: return state.snapshot.map { Int64($0.groups.count) }
            case .skippedGroups: return state.snapshot.map { _ in Int64(state.skippedGroups) }
            case .partitions:
                return state.snapshot.map { snapshot in
                    Int64(snapshot.partitionOffsets.values.count { $0.logStart != nil || $0.logEnd != nil })
                }
            }
        }
    }

    // MARK: Family writers

    // Each writes one cluster's series from an item (a row, a group, a run of
    // rows, a log-offset entry) on, and returns the item to resume at as soon
    // as the writer is full, or nil once the cluster is done. The fullness
    // check comes before an item, so every call writes at least one.

    /// The loop of every family writer: `write` writes the series of the item
    /// it is given and returns the item after it (the next row, or the first
    /// row after a run); the loop stops before an item once the writer is full
    /// and returns that item, or nil when it reaches `end`.
    private static func writeRuns(
        from start: Int, to end: Int, _ writer: inout ExpositionWriter,
        _ write: (_ item: Int, _ writer: inout ExpositionWriter) -> Int
    ) -> Int? {
        var item = start
        while item < end {
            if writer.isFull { return item }
            item = write(item, &writer)
        }
        return nil
    }

    /// ``writeRuns(from:to:_:_:)`` for items of one series (or none) each.
    private static func writeItems(
        from start: Int, to end: Int, _ writer: inout ExpositionWriter,
        _ write: (_ item: Int, _ writer: inout ExpositionWriter) -> Void
    ) -> Int? {
        writeRuns(from: start, to: end, &writer) { item, writer in
            write(item, &writer)
            return item + 1
        }
    }

    /// Which value a per-partition series carries.
    private enum PartitionValue { case offset, lag, lagSeconds }

    /// kafka_consumergroup_group_offset / _lag / _lag_seconds: one series per
    /// committed partition (with a known lag or lag in seconds for those).
    private static func writePartitionSeries(
        _ cluster: PreparedCluster, value: PartitionValue, from start: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        writeItems(from: start, to: cluster.rows.count, &writer) { index, writer in
            let row = cluster.rows[index]
            if value == .lag, row.lag < 0 { return }
            let group = cluster.groups[Int(row.group)]
            let partition = group.partitions[Int(row.partition)]
            var seconds: Double?
            if value == .lagSeconds {
                seconds = cluster.state.insights?.lagSeconds[GroupPartition(group.id, partition)]
                guard let seconds, seconds.isFinite, seconds >= 0 else { return }
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

    /// A `{cluster_name,group}` family from the group insights; no series where the value is unknown.
    private static func writeGroupInsight(
        _ cluster: PreparedCluster, value: GroupValue, from start: Int,
        to writer: inout ExpositionWriter
    ) -> Int? {
        guard let insights = cluster.state.insights else { return nil }
        return writeItems(from: start, to: cluster.groups.count, &writer) { group, writer in
            guard let insight = insights.groups[cluster.groups[group].id], let number = value.of(insight),
                  number.isFinite, number >= 0 else {
                return
            }
            writer.beginSeries()
            writer.appendRaw(cluster.groupLabels[group])
            writer.appendRaw(cluster.extraLabels)
            writer.endSeries(number + 0.0)  // + 0.0 turns -0.0 into 0.0
        }
    }

    /// kafka_consumergroup_group_status: the OpenMetrics state-set convention,
    /// one series per status, 1 for the group's current one.
    private static func writeGroupStatus(
        _ cluster: PreparedCluster, from start: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        guard let insights = cluster.state.insights else { return nil }
        return writeItems(from: start, to: cluster.groups.count, &writer) { group, writer in
            guard let insight = insights.groups[cluster.groups[group].id] else { return }
            for status in LagStatus.allCases {
                writer.beginSeries()
                writer.appendRaw(cluster.groupLabels[group])
                writer.label("status", status.description)
                writer.appendRaw(cluster.extraLabels)
                writer.endSeries(Int64(status == insight.status ? 1 : 0))
            }
        }
    }

    /// kafka_consumergroup_group_info (1, labeled by state and type) or
    /// kafka_consumergroup_group_members (the member count): one series per
    /// exported group, with or without a history.
    private static func writeGroupDescription(
        _ cluster: PreparedCluster, members: Bool, from start: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        writeItems(from: start, to: cluster.groups.count, &writer) { index, writer in
            let group = cluster.groups[index]
            writer.beginSeries()
            writer.appendRaw(cluster.groupLabels[index])
            if !members {
                writer.label("state", group.state.description)
                writer.label("type", group.type.description)
            }
            writer.appendRaw(cluster.extraLabels)
            writer.endSeries(Int64(members ? group.members.count : 1))
        }
    }

    /// kafka_consumergroup_partition_status: Burrow's numeric code per committed partition.
    private static func writePartitionStatus(
        _ cluster: PreparedCluster, from start: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        guard let insights = cluster.state.insights else { return nil }
        return writeItems(from: start, to: cluster.rows.count, &writer) { index, writer in
            let row = cluster.rows[index]
            let group = cluster.groups[Int(row.group)]
            let partition = group.partitions[Int(row.partition)]
            guard let status = insights.partitionStatus[GroupPartition(group.id, partition)] else { return }
            writer.beginSeries()
            writer.appendRaw(cluster.groupLabels[Int(row.group)])
            writer.label("topic", partition.topic)
            writer.label("partition", partition.partition)
            writer.appendRaw(cluster.extraLabels)
            writer.endSeries(Int64(status.rawValue))
        }
    }

    /// kafka_consumergroup_group_max_lag / _sum_lag over a group's partitions
    /// with a known lag; none for a group without any. An item is the first
    /// row of a group.
    private static func writeGroupAggregate(
        _ cluster: PreparedCluster, max: Bool, from item: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        let rows = cluster.rows
        return writeRuns(from: item, to: rows.count, &writer) { start, writer in
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
            return end
        }
    }

    /// kafka_consumergroup_group_topic_sum_lag over a group's partitions of one
    /// topic with a known lag; none for a group and topic without any. An item
    /// is the first row of a group's topic.
    private static func writeTopicSums(
        _ cluster: PreparedCluster, from item: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        let rows = cluster.rows
        return writeRuns(from: item, to: rows.count, &writer) { start, writer in
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
            return end
        }
    }

    /// kafka_partition_latest_offset / _earliest_offset for every gauge
    /// partition of the snapshot (``ClusterSnapshot/gaugePartitions``) with a known value.
    private static func writeLogOffsets(
        _ cluster: PreparedCluster, latest: Bool, from start: Int, to writer: inout ExpositionWriter
    ) -> Int? {
        writeItems(from: start, to: cluster.logOffsets.count, &writer) { index, writer in
            let entry = cluster.logOffsets[index]
            guard let value = latest ? entry.offsets.logEnd : entry.offsets.logStart else { return }
            writer.beginSeries()
            writer.appendRaw(cluster.clusterLabel)
            writer.appendRaw(cluster.topicLabels[Int(entry.topic)])
            writer.label("partition", entry.partition)
            writer.appendRaw(cluster.extraLabels)
            writer.endSeries(value)
        }
    }

    /// build_info, shard_info (when sharded) and the process_ families with a value.
    private static func writeProcess(
        _ process: ProcessMetrics, selection: FamilySelection, to writer: inout ExpositionWriter
    ) {
        if selection.includes(buildInfo) {
            writer.startFamily(buildInfo)
            writer.beginSeries()
            writer.firstLabel("version", process.version)
            writer.label("librdkafka_version", process.librdkafkaVersion)
            writer.endSeries(Int64(1))
        }
        if selection.includes(shardInfo), process.shard.count > 1 {
            writer.startFamily(shardInfo)
            writer.beginSeries()
            writer.firstLabel("shard", String(process.shard.index))
            writer.label("shards", String(process.shard.count))
            writer.endSeries(Int64(1))
        }
        if selection.includes(residentMemory), let bytes = process.residentMemoryBytes {
            writer.startFamily(residentMemory)
            writer.beginSeries()
            writer.endUnlabeled(Int64(bytes))
        }
        if selection.includes(cpuSeconds), let seconds = process.cpuSeconds, seconds.isFinite {
            writer.startFamily(cpuSeconds)
            writer.beginSeries()
            writer.endUnlabeled(seconds)
        }
        if selection.includes(startTime), let seconds = process.startTimeSeconds, seconds.isFinite {
            writer.startFamily(startTime)
            writer.beginSeries()
            writer.endUnlabeled(seconds)
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
    /// The log offsets of one partition.
    struct LogOffsets {
        /// Index into `topicLabels`.
        var topic: Int32
        var partition: Int32
        var offsets: PartitionOffsets
    }

    /// Sorted by topic and partition; empty unless the partition offsets are needed.
    let logOffsets: [LogOffsets]
    /// `,topic="..."` for each topic of `logOffsets`, in order.
    let topicLabels: [[UInt8]]
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
            topicLabels = []
            return
        }

        if needsOffsets {
            // Grouping by topic first sorts far fewer strings than sorting all partitions.
            var byTopic: [String: [(Int32, PartitionOffsets)]] = [:]
            for (partition, offsets) in snapshot.partitionOffsets
            where snapshot.gaugePartitions?.contains(partition) ?? true {
                byTopic[partition.topic, default: []].append((partition.partition, offsets))
            }
            var logOffsets: [LogOffsets] = []
            logOffsets.reserveCapacity(byTopic.values.reduce(0) { $0 + $1.count })
            var topicLabels: [[UInt8]] = []
            topicLabels.reserveCapacity(byTopic.count)
            for (topic, partitions) in byTopic.sorted(by: { $0.key < $1.key }) {
                var label: [UInt8] = []
                Self.appendLabel(",topic", topic, to: &label)
                let topicIndex = Int32(truncatingIfNeeded: topicLabels.count)
                topicLabels.append(label)
                for (partition, offsets) in partitions.sorted(by: { $0.0 < $1.0 }) {
                    logOffsets.append(LogOffsets(topic: topicIndex, partition: partition, offsets: offsets))
                }
            }
            self.logOffsets = logOffsets
            self.topicLabels = topicLabels
        } else {
            logOffsets = []
            topicLabels = []
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
