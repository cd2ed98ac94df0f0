import LagCore
import PropertyBased
import PropertyTestSupport
import Testing

/// `LagHistory` keeps a group's windows in one buffer; here it must agree,
/// poll after poll, with the plain model: one `PartitionWindow` per group
/// partition, fed by the rules `LagHistory` documents (a window starts over
/// when its group or partition vanishes or its topic is recreated, and is
/// kept as it is while the group's offsets cannot be read).
@Suite struct LagHistoryModelTests {
    static let partitions = [TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0), TopicPartition("b", 3)]
    static let groups = ["g", "h", "i"]
    static let windowSize = 3
    static let pollInterval = 10.0

    /// One poll of the generated cluster.
    struct Poll: CustomStringConvertible {
        var snapshot: ClusterSnapshot
        var unread: Set<String>
        var description: String {
            let groups = snapshot.groups.map { "\($0.id)(\($0.state)): \($0.committedOffsets.map { "\($0.key)=\($0.value)" })" }
            let ends = snapshot.partitionOffsets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.logEnd.map(String.init) ?? "?")" }
            return "groups \(groups) unread \(unread.sorted()) log ends \(ends)"
        }
    }

    /// Polls from random draws: log ends that grow (now and then by more than
    /// 32 bits hold), stay, go unknown, vanish or restart lower; groups that
    /// commit forwards (sometimes by billions) and backwards, lose and regain
    /// partitions and members, vanish or cannot be read.
    static func polls(from draws: [UInt64]) -> [Poll] {
        var logEnds: [TopicPartition: Int64] = [:]
        var committed: [String: [TopicPartition: Int64]] = [:]
        var polls: [Poll] = []
        for draw in draws {
            // Each poll's choices come from a SplitMix64 sequence seeded by its draw.
            var state = draw
            func take(_ count: UInt64) -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var mixed = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
                mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
                return (mixed ^ (mixed >> 31)) % count
            }
            var offsets: [TopicPartition: PartitionOffsets] = [:]
            for partition in partitions {
                let end = logEnds[partition] ?? 50
                switch take(16) {
                case 0: continue  // not in this poll
                case 1: offsets[partition] = PartitionOffsets(logStart: 0, logEnd: nil)
                case 2: logEnds[partition] = end / 4  // recreated: the log restarts lower
                case 3: logEnds[partition] = end + 3_000_000_000  // a lag beyond 32 bits: wide samples
                case 4...8: break
                default: logEnds[partition] = end + Int64(take(4)) * 5
                }
                if offsets[partition] == nil { offsets[partition] = PartitionOffsets(logStart: 0, logEnd: logEnds[partition] ?? end) }
            }
            var snapshotGroups: [ConsumerGroupSnapshot] = []
            var unread: Set<String> = []
            for group in groups {
                let choice = take(16)
                if choice == 0 { continue }  // absent
                if choice == 1 { unread.insert(group); continue }
                var groupOffsets: [TopicPartition: Int64] = [:]
                for partition in partitions where take(4) != 0 {
                    let last = committed[group]?[partition] ?? 40
                    switch take(16) {
                    case 0, 1: groupOffsets[partition] = max(0, last - 3)
                    case 2: groupOffsets[partition] = last + 5_000_000_000  // a jump beyond 32 bits
                    default: groupOffsets[partition] = last + Int64(take(3)) * 4
                    }
                }
                committed[group] = groupOffsets
                let members = choice % 2 == 0
                snapshotGroups.append(ConsumerGroupSnapshot(
                    id: group, state: members ? .stable : .empty,
                    members: members ? [GroupMember(consumerId: "\(group)-1", clientId: "c", host: "h", assignment: [])] : [],
                    committedOffsets: groupOffsets, topicPartitions: [:]))
            }
            polls.append(Poll(snapshot: ClusterSnapshot(cluster: "c", groups: snapshotGroups, partitionOffsets: offsets), unread: unread))
        }
        return polls
    }

    @Test func statusesAndRatesMatchOneWindowPerGroupPartition() async {
        let draws = Gen<UInt64>.value().array(of: 1...25)
        await checkProperty(count: 300, draws) { draws in
            let polls = Self.polls(from: draws)
            var history = LagHistory(windowSize: Self.windowSize, pollInterval: Self.pollInterval)
            var model: [String: [TopicPartition: PartitionWindow]] = [:]
            var newestLogEnds: [TopicPartition: Int64] = [:]
            for (number, poll) in polls.enumerated() {
                let now = Double(number) * Self.pollInterval
                let insights = history.record(poll.snapshot, at: now, unreadGroups: poll.unread)

                // A log end below the newest one seen restarts the partition's windows.
                var recreated: Set<TopicPartition> = []
                var nextLogEnds: [TopicPartition: Int64] = [:]
                for (partition, offsets) in poll.snapshot.partitionOffsets {
                    if let logEnd = offsets.logEnd {
                        if let newest = newestLogEnds[partition], logEnd < newest { recreated.insert(partition) }
                        nextLogEnds[partition] = logEnd
                    } else if let newest = newestLogEnds[partition] {
                        nextLogEnds[partition] = newest
                    }
                }
                newestLogEnds = nextLogEnds

                var nextModel: [String: [TopicPartition: PartitionWindow]] = [:]
                for group in poll.snapshot.groups {
                    let hasMembers = !group.members.isEmpty
                    var windows: [TopicPartition: PartitionWindow] = [:]
                    var consumption: Double?
                    var production: Double?
                    for (partition, committed) in group.committedOffsets {
                        var window = recreated.contains(partition) ? nil : model[group.id]?[partition]
                        if window == nil { window = PartitionWindow(capacity: Self.windowSize) }
                        window!.append(.init(time: now, committed: committed, logEnd: poll.snapshot.partitionOffsets[partition]?.logEnd))
                        windows[partition] = window
                        let expected = window!.status(groupHasMembers: hasMembers, stopAfter: history.stopAfter)
                        #expect(insights.partitionStatus[GroupPartition(group.id, partition)] == expected,
                                "poll \(number), \(group.id) \(partition): \(polls.prefix(number + 1))")
                        if let rates = window!.rates {
                            consumption = (consumption ?? 0) + rates.consumption
                            production = (production ?? 0) + rates.production
                        }
                    }
                    #expect(insights.groups[group.id]?.consumptionRate == consumption, "poll \(number), \(group.id): \(polls.prefix(number + 1))")
                    #expect(insights.groups[group.id]?.productionRate == production, "poll \(number), \(group.id): \(polls.prefix(number + 1))")
                    nextModel[group.id] = windows
                }
                for group in poll.unread { nextModel[group] = model[group] }
                model = nextModel
            }
        }
    }
}
