/// A point in time that several requests share as their common time budget:
/// each request gets what is left of it.
public struct Deadline: Sendable, Hashable {
    public let instant: ContinuousClock.Instant

    public init(after duration: Duration) { instant = .now + duration }

    /// Time left, never less than 1 ms (librdkafka then times out at once).
    public var remaining: Duration { max(.milliseconds(1), instant - .now) }

    /// Whether the budget is spent.
    public var hasPassed: Bool { ContinuousClock.now >= instant }
}
