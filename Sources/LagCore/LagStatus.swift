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
public struct PartitionWindow: Sendable, Hashable {
    /// One poll's view.
    public struct Sample: Sendable, Hashable {
        public var time: Double
        public var committed: Int64
        /// The log end, or `Int64.min` for unknown: 24 bytes per sample instead
        /// of the 32 an `Int64?` would take (50,000 windows of 10 samples each
        /// at 1,000 groups x 50 partitions).
        private var storedLogEnd: Int64

        public init(time: Double, committed: Int64, logEnd: Int64?) {
            self.time = time
            self.committed = committed
            self.storedLogEnd = logEnd ?? .min
        }

        /// nil when the log end was unknown in that poll.
        public var logEnd: Int64? {
            get { storedLogEnd == .min ? nil : storedLogEnd }
            set { storedLogEnd = newValue ?? .min }
        }

        public var lag: Int64? { Lag.offsetLag(committed: committed, logEnd: logEnd) }
    }

    /// Oldest first, at most `capacity`.
    public private(set) var samples: [Sample] = []
    public let capacity: Int
    /// Since when the committed offset has had its current value (it may
    /// predate the window).
    public private(set) var committedSince: Double?

    public init(capacity: Int) {
        precondition(capacity >= 2, "a window needs at least two samples")
        self.capacity = capacity
        // Exactly the window: growing by appends would end at the next power of two.
        samples.reserveCapacity(capacity)
    }

    private init(unreservedCapacity capacity: Int) {
        self.capacity = capacity
    }

    /// An empty window that allocates nothing: what ``LagHistory`` leaves in
    /// a map in place of a window it moves out.
    static var placeholder: PartitionWindow { PartitionWindow(unreservedCapacity: 2) }

    public mutating func append(_ sample: Sample) {
        if samples.last?.committed != sample.committed { committedSince = sample.time }
        if samples.count == capacity { samples.removeFirst() }
        samples.append(sample)
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
        guard let newest = samples.last, let lag = newest.lag, lag > 0 else { return .ok }
        if zip(samples, samples.dropFirst()).contains(where: { $1.committed < $0.committed }) { return .rewind }
        if !groupHasMembers, let since = committedSince, newest.time - since > stopAfter { return .stop }
        guard samples.count == capacity else { return .ok }
        let lags = samples.map(\.lag)
        if lags.contains(0) { return .ok }
        let moved = samples.contains { $0.committed != newest.committed }
        if !moved { return groupHasMembers ? .stall : .ok }
        let known = lags.compactMap { $0 }
        if zip(known, known.dropFirst()).allSatisfy({ $1 >= $0 }) { return .warn }
        return .ok
    }

    /// Records per second the group consumed (committed offset growth) and the
    /// producers wrote (log-end growth) across the window; nil with fewer than
    /// two samples or no elapsed time.
    public var rates: (consumption: Double, production: Double)? {
        guard let first = samples.first, let last = samples.last, last.time > first.time else { return nil }
        let elapsed = last.time - first.time
        let consumed = max(0, last.committed - first.committed)
        var produced: Int64 = 0
        if let start = samples.first(where: { $0.logEnd != nil }), let end = samples.last(where: { $0.logEnd != nil }),
           let startOffset = start.logEnd, let endOffset = end.logEnd {
            produced = max(0, endOffset - startOffset)
        }
        return (Double(consumed) / elapsed, Double(produced) / elapsed)
    }
}
