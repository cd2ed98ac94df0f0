/// A group's partition: the key of per-group, per-partition history.
public struct GroupPartition: Hashable, Sendable {
    public var group: String
    public var partition: TopicPartition

    public init(_ group: String, _ partition: TopicPartition) {
        self.group = group
        self.partition = partition
    }
}

/// What the history adds to one snapshot: lag in seconds, statuses, rates.
public struct LagInsights: Sendable, Hashable {
    /// Estimated age of the oldest unconsumed record, per committed partition
    /// whose estimate is possible.
    public var lagSeconds: GroupPartitionMap<Double> = [:]
    public var partitionStatus: GroupPartitionMap<LagStatus> = [:]
    public var groups: [String: GroupInsight] = [:]

    public init() {}
}

/// Per-group results of the history.
public struct GroupInsight: Sendable, Hashable {
    /// The worst partition status (OK for a group without evaluated partitions).
    public var status: LagStatus
    /// The largest known lag in seconds of the group's partitions.
    public var maxLagSeconds: Double?
    /// Records per second consumed across the window (committed-offset growth).
    public var consumptionRate: Double?
    /// Records per second produced to the group's partitions across the window.
    public var productionRate: Double?
    /// Seconds until the lag is gone at the current rates: 0 without lag,
    /// nil while the lag is not shrinking.
    public var drainSeconds: Double?

    public init(
        status: LagStatus, maxLagSeconds: Double? = nil, consumptionRate: Double? = nil,
        productionRate: Double? = nil, drainSeconds: Double? = nil
    ) {
        self.status = status
        self.maxLagSeconds = maxLagSeconds
        self.consumptionRate = consumptionRate
        self.productionRate = productionRate
        self.drainSeconds = drainSeconds
    }
}

/// The memory of one cluster across polls: a lookup table per partition (lag
/// in seconds) and a window of recent polls per group partition (status,
/// rates, drain estimate). Fed with each successful poll's snapshot; a failed
/// poll leaves it untouched. State of vanished partitions and groups is dropped.
public struct LagHistory: Sendable {
    public let lookupTableSize: Int
    public let windowSize: Int
    /// Seconds without a commit after which a member-less group is STOP
    /// (what the window spans: window size x poll interval).
    public let stopAfter: Double
    /// Log-end history per partition with offsets in the last poll (so a
    /// group that starts on a partition gets its lag in seconds at once).
    private var tables: [TopicPartition: LookupTable] = [:]
    /// Recent polls per group: one string hash per group and poll instead of
    /// one per group partition.
    private var windows: [String: GroupWindows] = [:]

    public init(lookupTableSize: Int = 60, windowSize: Int = 10, pollInterval: Double) {
        self.lookupTableSize = lookupTableSize
        self.windowSize = windowSize
        self.stopAfter = Double(windowSize) * pollInterval
    }

    /// Adds one poll and returns what it means.
    /// - Parameter unreadGroups: groups whose offsets this poll could not read:
    ///   their windows are kept for the next poll instead of being dropped.
    public mutating func record(_ snapshot: ClusterSnapshot, at now: Double, unreadGroups: Set<String> = []) -> LagInsights {
        var nextTables: [TopicPartition: LookupTable] = [:]
        nextTables.reserveCapacity(snapshot.partitionOffsets.count)
        var recreated = Set<TopicPartition>()
        for (partition, offsets) in snapshot.partitionOffsets {
            // Moved out, not copied: the table's points are updated in place.
            var table = tables.removeValue(forKey: partition) ?? LookupTable(limit: lookupTableSize)
            if let logEnd = offsets.logEnd, table.add(.init(offset: logEnd, time: now)) == .reset {
                recreated.insert(partition)
            }
            nextTables[partition] = table
        }
        tables = nextTables

        var insights = LagInsights()
        insights.lagSeconds.reserveCapacity(groups: snapshot.groups.count)
        insights.partitionStatus.reserveCapacity(groups: snapshot.groups.count)
        insights.groups.reserveCapacity(snapshot.groups.count)
        var nextWindows: [String: GroupWindows] = [:]
        nextWindows.reserveCapacity(snapshot.groups.count + unreadGroups.count)

        for group in snapshot.groups {
            let hasMembers = group.isConsumed
            let previous = windows.removeValue(forKey: group.id) ?? GroupWindows(capacity: windowSize)
            let committedPartitions = group.committedOffsets.keys
            var groupWindows = GroupWindows(after: previous, at: now, partitions: committedPartitions)
            var cursor = 0
            // One entry per committed partition, in the committed offsets' (sorted) order.
            var groupStatus: [LagStatus] = []
            groupStatus.reserveCapacity(group.committedOffsets.count)
            var groupSeconds: [Double?] = []
            groupSeconds.reserveCapacity(group.committedOffsets.count)
            var worst = LagStatus.ok
            var maxSeconds: Double?
            var consumption: Double?
            var production: Double?
            var totalLag: Int64 = 0
            var measured = 0
            for (index, (partition, committed)) in group.committedOffsets.enumerated() {
                let logEnd = snapshot.partitionOffsets[partition]?.logEnd
                let isRecreated = !recreated.isEmpty && recreated.contains(partition)
                let previousIndex = previous.index(of: partition, from: &cursor)
                groupWindows.record(
                    index, committed: committed, logEnd: logEnd, carriedFrom: previous, at: isRecreated ? nil : previousIndex)

                // Exact (the record's own timestamp) wins; interpolation is the fallback.
                let exact = group.oldestUnconsumedTimestamps[partition].map { max(0, now - $0) }
                if let seconds = exact ?? tables[partition]?.lagSeconds(committed: committed, now: now), seconds.isFinite {
                    groupSeconds.append(seconds)
                    maxSeconds = max(maxSeconds ?? 0, seconds)
                } else {
                    groupSeconds.append(nil)
                }
                let (status, rates) = groupWindows.evaluate(index, groupHasMembers: hasMembers, stopAfter: stopAfter)
                groupStatus.append(status)
                worst = max(worst, status)
                if let rates {
                    consumption = (consumption ?? 0) + rates.consumption
                    production = (production ?? 0) + rates.production
                }
                if let lag = Lag.offsetLag(committed: committed, logEnd: logEnd) {
                    totalLag &+= lag
                    measured += 1
                }
            }
            nextWindows[group.id] = groupWindows
            insights.lagSeconds.set(PartitionMap(sortedKeys: committedPartitions, optionalValues: groupSeconds), of: group.id)
            insights.partitionStatus.set(PartitionMap(sortedKeys: committedPartitions, values: groupStatus), of: group.id)
            var drain: Double?
            if measured == 0 {
                drain = nil
            } else if totalLag == 0 {
                drain = 0
            } else if let consumption, let production, consumption > production {
                drain = Double(totalLag) / (consumption - production)
            }
            insights.groups[group.id] = GroupInsight(
                status: worst, maxLagSeconds: maxSeconds, consumptionRate: consumption,
                productionRate: production, drainSeconds: drain)
        }
        for group in unreadGroups where nextWindows[group] == nil {
            if let kept = windows[group] { nextWindows[group] = kept }
        }
        windows = nextWindows
        return insights
    }
}
