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

/// The last polls of one group on one partition.
///
/// Stored as 16 bytes per poll (committed offset and log end) plus the times
/// of the polls in a separate array, which ``LagHistory`` shares among all
/// windows of a group (they are all sampled at the group's polls): at 1,000
/// groups x 50 partitions x 10 polls that is 8 MB of samples instead of 12.
public struct PartitionWindow: Sendable {
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

    /// One poll's offsets; its time is in `times`.
    private struct Offsets: Sendable, Hashable {
        var committed: Int64
        /// The log end, or `Int64.min` for unknown (an `Int64?` would take 16 bytes).
        var storedLogEnd: Int64

        var logEnd: Int64? { storedLogEnd == .min ? nil : storedLogEnd }
        var lag: Int64? { Lag.offsetLag(committed: committed, logEnd: logEnd) }
    }

    /// Oldest first, at most `capacity`.
    private var offsets: [Offsets] = []
    /// Poll times, oldest first: the last `offsets.count` of them are the
    /// samples' times. At most `capacity` long.
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

    private init(unreservedCapacity capacity: Int) {
        self.capacity = capacity
    }

    /// An empty window that allocates nothing: what ``LagHistory`` leaves in
    /// a map in place of a window it moves out.
    static var placeholder: PartitionWindow { PartitionWindow(unreservedCapacity: 2) }

    /// Oldest first, at most `capacity`.
    public var samples: [Sample] {
        zip(times.suffix(offsets.count), offsets).map { Sample(time: $0, committed: $1.committed, logEnd: $1.logEnd) }
    }

    public mutating func append(_ sample: Sample) {
        times.append(sample.time)
        if times.count > capacity { times.removeFirst(times.count - capacity) }
        append(committed: sample.committed, logEnd: sample.logEnd, at: sample.time)
    }

    /// Appends one poll of the group whose poll times are `pollTimes` (oldest
    /// first, this poll's time last, at most `capacity`): the array is shared,
    /// not copied. Every window that shares it must get a sample at each of
    /// those polls from its first one on, which is how ``LagHistory`` feeds them.
    mutating func append(committed: Int64, logEnd: Int64?, pollTimes: [Double]) {
        precondition(pollTimes.count <= capacity && !pollTimes.isEmpty, "one time per poll in the window")
        times = pollTimes
        append(committed: committed, logEnd: logEnd, at: pollTimes[pollTimes.count - 1])
    }

    private mutating func append(committed: Int64, logEnd: Int64?, at time: Double) {
        if offsets.last?.committed != committed { committedSince = time }
        if offsets.count == capacity { offsets.removeFirst() }
        offsets.append(Offsets(committed: committed, storedLogEnd: logEnd ?? .min))
        assert(times.count >= offsets.count, "a sample without a time")
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
        guard let newest = offsets.last, let newestTime = times.last, let lag = newest.lag, lag > 0 else { return .ok }
        if zip(offsets, offsets.dropFirst()).contains(where: { $1.committed < $0.committed }) { return .rewind }
        if !groupHasMembers, let since = committedSince, newestTime - since > stopAfter { return .stop }
        guard offsets.count == capacity else { return .ok }
        let lags = offsets.map(\.lag)
        if lags.contains(0) { return .ok }
        let moved = offsets.contains { $0.committed != newest.committed }
        if !moved { return groupHasMembers ? .stall : .ok }
        let known = lags.compactMap { $0 }
        if zip(known, known.dropFirst()).allSatisfy({ $1 >= $0 }) { return .warn }
        return .ok
    }

    /// Records per second the group consumed (committed offset growth) and the
    /// producers wrote (log-end growth) across the window; nil with fewer than
    /// two samples or no elapsed time.
    public var rates: (consumption: Double, production: Double)? {
        guard let first = offsets.first, let last = offsets.last, let lastTime = times.last else { return nil }
        let elapsed = lastTime - times[times.count - offsets.count]
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

/// Equal when they hold the same samples, capacity and `committedSince`,
/// whatever older poll times a shared time array still holds.
extension PartitionWindow: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.capacity == rhs.capacity && lhs.committedSince == rhs.committedSince && lhs.offsets == rhs.offsets
            && lhs.times.suffix(lhs.offsets.count).elementsEqual(rhs.times.suffix(rhs.offsets.count))
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(capacity)
        hasher.combine(committedSince)
        hasher.combine(offsets)
        for time in times.suffix(offsets.count) { hasher.combine(time) }
    }
}
