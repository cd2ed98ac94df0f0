/// How a consumer is doing on a partition, in the spirit of Burrow's
/// evaluator. Raw values are Burrow's codes, so a higher value is worse.
public enum LagStatus: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Keeping up, or lag was zero somewhere in the window.
    case ok = 1
    /// Committed offsets move, but the lag never shrank across the window.
    case warn = 2
    /// The group's offsets could not be read.
    case err = 3
    /// No commit for longer than the window spans, and the group has no members.
    case stop = 4
    /// The group has members, but its committed offset stayed the same across the whole window while lag > 0.
    case stall = 5
    /// The committed offset went backwards within the window.
    case rewind = 6

    public var description: String {
        switch self {
        case .ok: "OK"
        case .warn: "WARN"
        case .err: "ERR"
        case .stop: "STOP"
        case .stall: "STALL"
        case .rewind: "REWIND"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The last polls of one group on one partition, and the rules that turn
/// them into a ``LagStatus`` and rates.
///
/// Stored as 16 bytes per poll (committed offset and log end) plus the times
/// of the polls. ``LagHistory`` keeps the windows of a group in one buffer
/// instead (``GroupWindows``) and applies the same rules to its samples.
public struct PartitionWindow: Sendable, Hashable {
    /// One poll's view.
    public struct Sample: Sendable, Hashable {
        public var time: Double
        public var committed: Int64
        public var logEnd: Int64?

        public init(time: Double, committed: Int64, logEnd: Int64?) {
            self.time = time
            self.committed = committed
            self.logEnd = logEnd
        }

        public var lag: Int64? { Lag.offsetLag(committed: committed, logEnd: logEnd) }
    }

    /// One poll's offsets; its time is kept apart.
    struct Offsets: Sendable, Hashable {
        var committed: Int64
        /// The log end, or `Int64.min` for unknown (an `Int64?` would take 16 bytes).
        var storedLogEnd: Int64

        init(committed: Int64, logEnd: Int64?) {
            self.committed = committed
            self.storedLogEnd = logEnd ?? .min
        }

        var logEnd: Int64? { storedLogEnd == .min ? nil : storedLogEnd }
        var lag: Int64? { Lag.offsetLag(committed: committed, logEnd: logEnd) }
    }

    /// Oldest first, at most `capacity`.
    private var offsets: [Offsets] = []
    /// The samples' poll times, oldest first: one per sample.
    private var times: [Double] = []
    public let capacity: Int
    /// Since when the committed offset has had its current value (it may
    /// predate the window).
    public private(set) var committedSince: Double?

    public init(capacity: Int) {
        precondition(capacity >= 2, "a window needs at least two samples")
        self.capacity = capacity
        // Exactly the window: growing by appends would end at the next power of two.
        offsets.reserveCapacity(capacity)
    }

    /// Oldest first, at most `capacity`.
    public var samples: [Sample] {
        zip(times, offsets).map { Sample(time: $0, committed: $1.committed, logEnd: $1.logEnd) }
    }

    public mutating func append(_ sample: Sample) {
        times.append(sample.time)
        if times.count > capacity { times.removeFirst(times.count - capacity) }
        append(committed: sample.committed, logEnd: sample.logEnd, at: sample.time)
    }

    private mutating func append(committed: Int64, logEnd: Int64?, at time: Double) {
        if offsets.last?.committed != committed { committedSince = time }
        if offsets.count == capacity { offsets.removeFirst() }
        offsets.append(Offsets(committed: committed, logEnd: logEnd))
        assert(times.count == offsets.count, "one time per sample")
    }

    /// The status at the newest sample.
    ///
    /// Rules, first match wins (docs/metrics.md, "Lag status"):
    /// 1. no lag now: OK;
    /// 2. the committed offset went backwards within the window: REWIND;
    /// 3. the group has no members and the offset has not changed for longer
    ///    than `stopAfter` seconds: STOP;
    /// 4. fewer samples than the window holds: OK (too early to judge);
    /// 5. lag was zero somewhere in the window: OK;
    /// 6. the group has members and the committed offset is the same in every
    ///    sample: STALL (a member-less group is OK until it is STOP);
    /// 7. the committed offset moved and the lag never decreased from one
    ///    sample to the next: WARN;
    /// 8. otherwise OK.
    public func status(groupHasMembers: Bool, stopAfter: Double) -> LagStatus {
        Self.status(of: offsets[...], newestTime: times.last, committedSince: committedSince, capacity: capacity,
                    groupHasMembers: groupHasMembers, stopAfter: stopAfter)
    }

    /// Records per second the group consumed (committed offset growth) and the
    /// producers wrote (log-end growth) across the window; nil with fewer than
    /// two samples or no elapsed time.
    public var rates: (consumption: Double, production: Double)? {
        Self.rates(of: offsets[...], times: times[...])
    }

    /// ``status(groupHasMembers:stopAfter:)`` of a window given as its
    /// samples, oldest first, the newest sample's time and `committedSince`.
    static func status<Samples: RandomAccessCollection<Offsets>>(
        of offsets: Samples, newestTime: Double?, committedSince: Double?, capacity: Int,
        groupHasMembers: Bool, stopAfter: Double
    ) -> LagStatus {
        guard let newest = offsets.last, let newestTime, let lag = newest.lag, lag > 0 else { return .ok }
        if zip(offsets, offsets.dropFirst()).contains(where: { $1.committed < $0.committed }) { return .rewind }
        if !groupHasMembers, let since = committedSince, newestTime - since > stopAfter { return .stop }
        guard offsets.count == capacity else { return .ok }
        if offsets.contains(where: { $0.lag == 0 }) { return .ok }
        let moved = offsets.contains { $0.committed != newest.committed }
        if !moved { return groupHasMembers ? .stall : .ok }
        // Known lags never decreased from one sample to the next (unknown ones skipped).
        var previous: Int64?
        for sample in offsets {
            guard let lag = sample.lag else { continue }
            if let previous, lag < previous { return .ok }
            previous = lag
        }
        return .warn
    }

    /// ``rates`` of a window given as its samples and their times, oldest first.
    static func rates<Samples: RandomAccessCollection<Offsets>>(
        of offsets: Samples, times: ArraySlice<Double>
    ) -> (consumption: Double, production: Double)? {
        guard let first = offsets.first, let last = offsets.last, let firstTime = times.first, let lastTime = times.last else {
            return nil
        }
        let elapsed = lastTime - firstTime
        guard elapsed > 0 else { return nil }
        let consumed = max(0, last.committed - first.committed)
        var produced: Int64 = 0
        if let startOffset = offsets.first(where: { $0.logEnd != nil })?.logEnd,
           let endOffset = offsets.last(where: { $0.logEnd != nil })?.logEnd {
            produced = max(0, endOffset - startOffset)
        }
        return (Double(consumed) / elapsed, Double(produced) / elapsed)
    }
}
