/// The status windows of one group: for each partition it has committed on,
/// its committed offset and the log end at each of the group's last polls.
///
/// All of them live in one buffer, `capacity` slots of 16 bytes per partition,
/// with the poll times kept once for the group. One ``PartitionWindow`` per
/// group partition would cost an array of its own each (a 32-byte header and
/// the allocator's overhead) and a 40-byte value in the group's map: at 1,000
/// groups x 50 partitions x 10 polls, 12 MB instead of 8.5. The rules are
/// ``PartitionWindow``'s own, applied to a slice of the buffer.
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
    /// Partition `i`'s samples, oldest first: `counts[i]` of them from `i * capacity` on.
    private var offsets: [PartitionWindow.Offsets] = []
    private var counts: [UInt16] = []
    /// Since when partition `i`'s committed offset has had its value (it may
    /// predate the window); NaN before its first sample.
    private var committedSince: [Double] = []

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
        offsets = Array(repeating: PartitionWindow.Offsets(committed: 0, logEnd: nil), count: partitions.count * capacity)
        counts = Array(repeating: 0, count: partitions.count)
        committedSince = Array(repeating: .nan, count: partitions.count)
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
        let start = index * capacity
        var count = 0
        var since = Double.nan
        if let previousIndex {
            // The newest capacity - 1 samples stay; the oldest leaves when full.
            let previousCount = Int(previous.counts[previousIndex])
            let kept = min(previousCount, capacity - 1)
            let previousEnd = previousIndex * capacity + previousCount
            for offset in 0..<kept { offsets[start + offset] = previous.offsets[previousEnd - kept + offset] }
            count = kept
            since = previous.committedSince[previousIndex]
            if previousCount > 0, previous.offsets[previousEnd - 1].committed != committed { since = .nan }
        }
        if since.isNaN { since = pollTimes[pollTimes.count - 1] }
        offsets[start + count] = PartitionWindow.Offsets(committed: committed, logEnd: logEnd)
        counts[index] = UInt16(count + 1)
        committedSince[index] = since
        assert(count + 1 <= pollTimes.count, "a sample without a poll time")
    }

    /// Partition `index`'s samples, oldest first.
    private func samples(_ index: Int) -> ArraySlice<PartitionWindow.Offsets> {
        offsets[index * capacity ..< index * capacity + Int(counts[index])]
    }

    /// ``PartitionWindow/status(groupHasMembers:stopAfter:)`` of partition `index`.
    func status(_ index: Int, groupHasMembers: Bool, stopAfter: Double) -> LagStatus {
        let since = committedSince[index]
        return PartitionWindow.status(
            of: samples(index), newestTime: pollTimes.last, committedSince: since.isNaN ? nil : since, capacity: capacity,
            groupHasMembers: groupHasMembers, stopAfter: stopAfter)
    }

    /// ``PartitionWindow/rates`` of partition `index`.
    func rates(_ index: Int) -> (consumption: Double, production: Double)? {
        PartitionWindow.rates(of: samples(index), times: pollTimes.suffix(Int(counts[index])))
    }
}
