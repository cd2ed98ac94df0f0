/// The status windows of one group: for each partition it has committed on,
/// its committed offset and the log end at each of the group's last polls.
///
/// All of them live in one buffer, `capacity` slots per partition, with the
/// poll times kept once for the group. A sample takes 8 bytes: the committed
/// offset as a difference from the partition's newest one and the log end as a
/// difference from the committed offset, 32 bits each. When one of them does
/// not fit (a lag above 2^31 records, a jump of the committed offset by as
/// much), the whole group keeps 16-byte samples until they fit again. One
/// ``PartitionWindow`` per group partition would cost an array of its own
/// each (a 32-byte header and the allocator's overhead) and a 40-byte value in
/// the group's map: at 1,000 groups x 50 partitions x 10 polls, 12 MB instead
/// of 4.4. The rules are ``PartitionWindow``'s own, applied to the samples.
///
/// Each poll of the group builds the next windows from the previous ones
/// (``init(after:at:partitions:)``, then ``record(_:committed:logEnd:carriedFrom:at:)``
/// for every partition, in order).
struct GroupWindows: Sendable {
    /// Samples per partition at most: the status window.
    let capacity: Int
    /// The times of the group's last polls, oldest first, at most `capacity`.
    /// Partition `i`'s samples were taken at the last `counts[i]` of them.
    private(set) var pollTimes: [Double] = []
    /// The group's committed partitions, sorted (shared with its snapshot).
    private(set) var partitions: [TopicPartition] = []
    /// How many samples partition `i` has; they are at slots `i * capacity` on, oldest first.
    private var counts: [UInt16] = []
    /// Since when partition `i`'s committed offset has had its value (it may
    /// predate the window); NaN before its first sample.
    private var committedSince: [Double] = []
    /// Partition `i`'s newest committed offset: what narrow samples count from.
    private var bases: [Int64] = []
    /// The samples while the group is narrow (`wide` empty).
    private var narrow: [Narrow] = []
    /// The samples once a group partition's offsets did not fit in a narrow sample.
    private var wide: [PartitionWindow.Offsets] = []

    /// A sample as two differences: the committed offset from the partition's
    /// newest one, the log end from the committed offset (`Int32.min`: unknown).
    private struct Narrow: Sendable {
        var committed: Int32
        var logEnd: Int32

        static let unused = Narrow(committed: 0, logEnd: .min)

        private init(committed: Int32, logEnd: Int32) {
            self.committed = committed
            self.logEnd = logEnd
        }

        init?(_ offsets: PartitionWindow.Offsets, base: Int64) {
            let (committed, overflow) = offsets.committed.subtractingReportingOverflow(base)
            guard !overflow, let committed = Int32(exactly: committed) else { return nil }
            self.committed = committed
            guard let logEnd = offsets.logEnd else {
                self.logEnd = .min
                return
            }
            let (difference, logEndOverflow) = logEnd.subtractingReportingOverflow(offsets.committed)
            guard !logEndOverflow, difference > Int64(Int32.min), let narrowed = Int32(exactly: difference) else { return nil }
            self.logEnd = narrowed
        }

        func offsets(base: Int64) -> PartitionWindow.Offsets {
            let committed = base &+ Int64(self.committed)
            return PartitionWindow.Offsets(committed: committed, logEnd: logEnd == .min ? nil : committed &+ Int64(logEnd))
        }
    }

    /// No partition and no poll yet.
    init(capacity: Int) {
        precondition((2...Int(UInt16.max)).contains(capacity), "a window holds 2 to 65,535 samples")
        self.capacity = capacity
    }

    /// The windows of the poll at `time`, on `partitions` (sorted): the
    /// previous poll times plus this one, and every partition still without
    /// samples until ``record(_:committed:logEnd:carriedFrom:at:)`` fills it.
    init(after previous: GroupWindows, at time: Double, partitions: [TopicPartition]) {
        capacity = previous.capacity
        pollTimes = previous.pollTimes
        pollTimes.append(time)
        if pollTimes.count > capacity { pollTimes.removeFirst(pollTimes.count - capacity) }
        self.partitions = partitions
        counts = Array(repeating: 0, count: partitions.count)
        committedSince = Array(repeating: .nan, count: partitions.count)
        bases = Array(repeating: 0, count: partitions.count)
        narrow = Array(repeating: .unused, count: partitions.count * capacity)
    }

    /// Where `partition` is in the previous windows, looked up by walking
    /// forward from `cursor` (the partitions of both polls are sorted, so one
    /// pass serves a whole group); nil when it has no window there.
    func index(of partition: TopicPartition, from cursor: inout Int) -> Int? {
        while cursor < partitions.count, partitions[cursor] < partition { cursor += 1 }
        return cursor < partitions.count && partitions[cursor] == partition ? cursor : nil
    }

    /// Records this poll's sample of partition `index`, after the samples it
    /// has at `previousIndex` in `previous` (the group's windows of its last
    /// poll), or as its first sample when `previousIndex` is nil.
    mutating func record(
        _ index: Int, committed: Int64, logEnd: Int64?, carriedFrom previous: GroupWindows, at previousIndex: Int?
    ) {
        let newest = PartitionWindow.Offsets(committed: committed, logEnd: logEnd)
        // The newest capacity - 1 samples stay; the oldest leaves when full.
        var kept = 0..<0
        var since = Double.nan
        if let previousIndex {
            let previousCount = previous.count(previousIndex)
            kept = max(0, previousCount - (capacity - 1))..<previousCount
            since = previous.committedSince[previousIndex]
            // `bases` holds each partition's newest committed offset.
            if previous.bases[previousIndex] != committed { since = .nan }
        }
        if since.isNaN { since = pollTimes[pollTimes.count - 1] }
        committedSince[index] = since
        bases[index] = committed
        counts[index] = UInt16(kept.count + 1)
        assert(kept.count + 1 <= pollTimes.count, "a sample without a poll time")

        let start = index * capacity
        // Without a previous window `kept` is empty, so this 0 is never read.
        let previousIndex = previousIndex ?? 0
        if wide.isEmpty, let first = Narrow(newest, base: committed) {
            var fits = true
            for (slot, sample) in kept.enumerated() {
                guard let narrowed = Narrow(previous.sample(previousIndex, sample), base: committed) else {
                    fits = false
                    break
                }
                narrow[start + slot] = narrowed
            }
            if fits {
                narrow[start + kept.count] = first
                return
            }
        }
        widen(before: index)
        for (slot, sample) in kept.enumerated() { wide[start + slot] = previous.sample(previousIndex, sample) }
        wide[start + kept.count] = newest
    }

    /// Turns the samples of partitions `0..<end` wide, and the rest of the
    /// buffer into wide slots (once per group and poll at most).
    private mutating func widen(before end: Int) {
        guard wide.isEmpty else { return }
        wide = Array(repeating: PartitionWindow.Offsets(committed: 0, logEnd: nil), count: partitions.count * capacity)
        for index in 0..<end {
            for slot in 0..<count(index) { wide[index * capacity + slot] = narrow[index * capacity + slot].offsets(base: bases[index]) }
        }
        narrow = []
    }

    /// How many samples partition `index` has.
    private func count(_ index: Int) -> Int { Int(counts[index]) }

    /// Sample `slot` (0 the oldest) of partition `index`.
    private func sample(_ index: Int, _ slot: Int) -> PartitionWindow.Offsets {
        wide.isEmpty ? narrow[index * capacity + slot].offsets(base: bases[index]) : wide[index * capacity + slot]
    }

    /// ``PartitionWindow/status(groupHasMembers:stopAfter:)`` and
    /// ``PartitionWindow/rates`` of partition `index`, from its samples
    /// decoded on the stack (no allocation).
    func evaluate(
        _ index: Int, groupHasMembers: Bool, stopAfter: Double
    ) -> (status: LagStatus, rates: (consumption: Double, production: Double)?) {
        let count = count(index)
        let since = committedSince[index]
        return withUnsafeTemporaryAllocation(of: PartitionWindow.Offsets.self, capacity: count) { buffer in
            for slot in 0..<count { buffer.initializeElement(at: slot, to: sample(index, slot)) }
            let samples = UnsafeBufferPointer(buffer)
            let status = PartitionWindow.status(
                of: samples, newestTime: pollTimes.last, committedSince: since.isNaN ? nil : since, capacity: capacity,
                groupHasMembers: groupHasMembers, stopAfter: stopAfter)
            return (status, PartitionWindow.rates(of: samples, times: pollTimes.suffix(count)))
        }
    }
}
