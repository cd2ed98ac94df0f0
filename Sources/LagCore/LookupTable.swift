/// The history of one partition's log-end offset, one point per poll, for
/// estimating lag in seconds by interpolation (kafka-lag-exporter's algorithm,
/// with its weak spots fixed; see docs/metrics.md, "Lag in seconds").
public struct LookupTable: Sendable, Hashable {
    /// A log-end offset seen at a time (unix seconds).
    public struct Point: Sendable, Hashable {
        public var offset: Int64
        public var time: Double

        public init(offset: Int64, time: Double) {
            self.offset = offset
            self.time = time
        }
    }

    /// What ``add(_:)`` did with a point.
    public enum AddResult: Sendable, Hashable {
        /// Appended (the oldest point dropped when full).
        case inserted
        /// Replaced the newest point: the log end did not move (a flat run keeps two points).
        case updated
        /// Dropped: not newer than the newest point.
        case outOfOrder
        /// The log end went backwards (topic deleted and recreated): the table restarted from this point.
        case reset
    }

    /// Oldest first.
    public private(set) var points: [Point] = []
    public let limit: Int

    public init(limit: Int = 60) {
        precondition(limit >= 2, "a lookup table needs at least two points")
        self.limit = limit
    }

    public mutating func add(_ point: Point) -> AddResult {
        guard let last = points.last else {
            points.append(point)
            return .inserted
        }
        if point.time <= last.time { return .outOfOrder }
        if point.offset < last.offset {
            points = [point]
            return .reset
        }
        if points.count >= 2, points[points.count - 2].offset == point.offset, last.offset == point.offset {
            points[points.count - 1] = point
            return .updated
        }
        if points.count == limit { points.removeFirst() }
        points.append(point)
        return .inserted
    }

    /// Seconds between `now` and the moment the log end passed `committed`:
    /// how old the oldest unconsumed record is, estimated from the table.
    ///
    /// - 0 when `committed` is at (or past) the newest log end;
    /// - interpolated between the newest pair of points that bracket it;
    /// - extrapolated along the widest trend line (oldest to newest point) when
    ///   it lies before the table;
    /// - for a flat table (the log end has not moved within the window) the age
    ///   of the oldest point: a lower bound instead of the original's +Inf;
    /// - nil with fewer than two points (the series is left out, never NaN).
    ///
    /// Never negative and always finite.
    public func lagSeconds(committed: Int64, now: Double) -> Double? {
        guard let newest = points.last else { return nil }
        if committed >= newest.offset { return 0 }
        guard points.count >= 2, let oldest = points.first else { return nil }

        var producedAt: Double?
        var index = points.count - 1
        while index > 0 {
            let right = points[index]
            let left = points[index - 1]
            if left.offset <= committed, committed <= right.offset, left.offset < right.offset {
                producedAt = Self.time(of: committed, between: left, and: right)
                break
            }
            index -= 1
        }
        if producedAt == nil {
            producedAt = newest.offset > oldest.offset ? Self.time(of: committed, between: oldest, and: newest) : oldest.time
        }
        guard let producedAt, producedAt.isFinite else { return nil }
        return max(0, now - producedAt)
    }

    /// When the log end was at `offset`, on the line through `left` and `right`.
    private static func time(of offset: Int64, between left: Point, and right: Point) -> Double {
        let slope = (right.time - left.time) / Double(right.offset - left.offset)
        return right.time - Double(right.offset - offset) * slope
    }
}
