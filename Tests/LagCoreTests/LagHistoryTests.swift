import LagCore
import Testing

@Suite struct LagHistoryTests {
    static let t0 = TopicPartition("t", 0)
    static let t1 = TopicPartition("t", 1)

    /// A group committed on `committed`; with members, one member owns every committed partition.
    static func group(
        _ id: String, state: ConsumerGroupState = .stable, members: Bool = true, committed: [TopicPartition: Int64]
    ) -> ConsumerGroupSnapshot {
        let memberList = members
            ? [GroupMember(consumerId: "\(id)-1", clientId: "client", host: "h", assignment: committed.keys.sorted())]
            : []
        return ConsumerGroupSnapshot(
            id: id, state: state, members: memberList, committedOffsets: committed, topicPartitions: [:])
    }

    static func snapshot(_ groups: [ConsumerGroupSnapshot], logEnds: [TopicPartition: Int64?]) -> ClusterSnapshot {
        ClusterSnapshot(
            cluster: "c", groups: groups, partitionOffsets: logEnds.mapValues { PartitionOffsets(logStart: 0, logEnd: $0) })
    }

    static func key(_ group: String, _ partition: TopicPartition) -> GroupPartition {
        GroupPartition(group, partition)
    }

    @Test func configuration() {
        let history = LagHistory(lookupTableSize: 30, windowSize: 5, pollInterval: 15)
        #expect(history.lookupTableSize == 30)
        #expect(history.windowSize == 5)
        #expect(history.stopAfter == 75)
        let defaults = LagHistory(pollInterval: 30)
        #expect(defaults.lookupTableSize == 60)
        #expect(defaults.windowSize == 10)
        #expect(defaults.stopAfter == 300)
    }

    /// One partition, log end +20 every 10 s (0.5 s per record). "g" keeps 10
    /// records behind from the second poll on; "h" never moves from 100.
    @Test func lagSecondsStatusesAndRatesOverPolls() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        struct Poll {
            var time: Double
            var logEnd: Int64
            var g: Int64
            var gSeconds: Double
            var hSeconds: Double
            var gInsight: GroupInsight
            var hInsight: GroupInsight
            var gStatus: LagStatus
            var hStatus: LagStatus
        }
        let polls = [
            Poll(
                time: 0, logEnd: 100, g: 100, gSeconds: 0, hSeconds: 0,
                gInsight: GroupInsight(status: .ok, maxLagSeconds: 0, drainSeconds: 0),
                hInsight: GroupInsight(status: .ok, maxLagSeconds: 0, drainSeconds: 0),
                gStatus: .ok, hStatus: .ok),
            // Table (100,0),(120,10): 110 at t=5, 100 at t=0.
            Poll(
                time: 10, logEnd: 120, g: 110, gSeconds: 5, hSeconds: 10,
                gInsight: GroupInsight(status: .ok, maxLagSeconds: 5, consumptionRate: 1, productionRate: 2),
                hInsight: GroupInsight(status: .ok, maxLagSeconds: 10, consumptionRate: 0, productionRate: 2),
                gStatus: .ok, hStatus: .ok),
            // Window full, but the lag was zero at t=0.
            Poll(
                time: 20, logEnd: 140, g: 130, gSeconds: 5, hSeconds: 20,
                gInsight: GroupInsight(status: .ok, maxLagSeconds: 5, consumptionRate: 1.5, productionRate: 2),
                hInsight: GroupInsight(status: .ok, maxLagSeconds: 20, consumptionRate: 0, productionRate: 2),
                gStatus: .ok, hStatus: .ok),
            // Window t=10...30: g's lag 10, 10, 10 while committing (WARN); h never commits (STALL).
            Poll(
                time: 30, logEnd: 160, g: 150, gSeconds: 5, hSeconds: 30,
                gInsight: GroupInsight(status: .warn, maxLagSeconds: 5, consumptionRate: 2, productionRate: 2),
                hInsight: GroupInsight(status: .stall, maxLagSeconds: 30, consumptionRate: 0, productionRate: 2),
                gStatus: .warn, hStatus: .stall),
        ]
        for poll in polls {
            let snapshot = Self.snapshot(
                [Self.group("g", committed: [Self.t0: poll.g]), Self.group("h", committed: [Self.t0: 100])],
                logEnds: [Self.t0: poll.logEnd])
            let insights = history.record(snapshot, at: poll.time)
            #expect(insights.lagSeconds == [Self.key("g", Self.t0): poll.gSeconds, Self.key("h", Self.t0): poll.hSeconds],
                    "t=\(poll.time)")
            #expect(insights.partitionStatus == [Self.key("g", Self.t0): poll.gStatus, Self.key("h", Self.t0): poll.hStatus],
                    "t=\(poll.time)")
            #expect(insights.groups == ["g": poll.gInsight, "h": poll.hInsight], "t=\(poll.time)")
        }
    }

    /// "g" on two partitions: t-0 idle at 100 and being consumed (lag 60, 40,
    /// 20); t-1 growing 200, 220, 240 with the commit stuck at 150.
    @Test func groupIsItsWorstPartitionWithTheLargestLagSeconds() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let committed0: [Int64] = [40, 60, 80]
        let logEnds1: [Int64] = [200, 220, 240]
        var results: [LagInsights] = []
        for index in 0..<3 {
            let snapshot = Self.snapshot(
                [Self.group("g", committed: [Self.t0: committed0[index], Self.t1: 150])],
                logEnds: [Self.t0: 100, Self.t1: logEnds1[index]])
            results.append(history.record(snapshot, at: Double(index * 10)))
        }
        // t=0: one point per table, both behind: no estimate.
        #expect(results[0].lagSeconds.isEmpty)
        #expect(results[0].groups["g"] == GroupInsight(status: .ok))
        // t=10: t-0 flat since t=0 (10 s, a lower bound); t-1 extrapolated at
        // 0.5 s/record: 150 at t=-25.
        #expect(results[1].lagSeconds == [Self.key("g", Self.t0): 10, Self.key("g", Self.t1): 35])
        #expect(results[1].groups["g"]?.maxLagSeconds == 35)
        #expect(results[1].groups["g"]?.status == .ok)
        // t=20: t-0 flat for 20 s; t-1: 150 still at t=-25.
        #expect(results[2].lagSeconds == [Self.key("g", Self.t0): 20, Self.key("g", Self.t1): 45])
        #expect(results[2].partitionStatus == [Self.key("g", Self.t0): .ok, Self.key("g", Self.t1): .stall])
        // Consumption 40/20 on t-0 plus 0 on t-1; production 0 plus 40/20.
        // Lag 20 + 90 is not shrinking: no drain estimate.
        #expect(results[2].groups["g"] == GroupInsight(
            status: .stall, maxLagSeconds: 45, consumptionRate: 2, productionRate: 2, drainSeconds: nil))
    }

    // MARK: Drain

    struct DrainCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// Per poll at 0, 10, 20: per partition (committed, log end).
        var polls: [[TopicPartition: (Int64, Int64)]]
        var consumption: Double?
        var production: Double?
        var drain: Double?
        var status: LagStatus
        var testDescription: String { name }
    }

    static let drainCases: [DrainCase] = [
        DrainCase(
            name: "shrinking: lag / (consumption - production)",
            polls: [[t0: (900, 1000)], [t0: (940, 1020)], [t0: (980, 1040)]],
            consumption: 4, production: 2, drain: 30, status: .ok),
        DrainCase(
            name: "caught up: 0",
            polls: [[t0: (1000, 1000)], [t0: (1020, 1020)], [t0: (1040, 1040)]],
            consumption: 2, production: 2, drain: 0, status: .ok),
        DrainCase(
            name: "committed past the log end: 0",
            polls: [[t0: (1010, 1000)], [t0: (1030, 1020)], [t0: (1050, 1040)]],
            consumption: 2, production: 2, drain: 0, status: .ok),
        DrainCase(
            name: "caught up on the first poll: 0 without rates",
            polls: [[t0: (1000, 1000)]], consumption: nil, production: nil, drain: 0, status: .ok),
        DrainCase(
            name: "lag on the first poll: unknown without rates",
            polls: [[t0: (900, 1000)]], consumption: nil, production: nil, drain: nil, status: .ok),
        DrainCase(
            name: "growing: nil",
            polls: [[t0: (900, 1000)], [t0: (910, 1040)], [t0: (920, 1080)]],
            consumption: 1, production: 4, drain: nil, status: .warn),
        DrainCase(
            name: "steady: nil",
            polls: [[t0: (900, 1000)], [t0: (920, 1020)], [t0: (940, 1040)]],
            consumption: 2, production: 2, drain: nil, status: .warn),
        // t-0: lag 20 at the end, 2/s consumed, nothing produced; t-1: lag 10,
        // 1/s each. Total lag 30 at 3 - 1 = 2 records/s net.
        DrainCase(
            name: "two partitions: total lag over summed rates",
            polls: [
                [t0: (40, 100), t1: (190, 200)],
                [t0: (60, 100), t1: (200, 210)],
                [t0: (80, 100), t1: (210, 220)],
            ],
            consumption: 3, production: 1, drain: 15, status: .warn),
    ]

    @Test(arguments: drainCases)
    func drain(_ testCase: DrainCase) throws {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        var insights = LagInsights()
        for (index, poll) in testCase.polls.enumerated() {
            let snapshot = Self.snapshot(
                [Self.group("g", committed: poll.mapValues { $0.0 })], logEnds: poll.mapValues { Optional($0.1) })
            insights = history.record(snapshot, at: Double(index * 10))
        }
        let group = try #require(insights.groups["g"])
        #expect(group.consumptionRate == testCase.consumption)
        #expect(group.productionRate == testCase.production)
        #expect(group.drainSeconds == testCase.drain)
        #expect(group.status == testCase.status)
    }

    // MARK: STOP

    struct StopCase: Sendable, CustomTestStringConvertible {
        var state: ConsumerGroupState
        var members: Bool
        var statuses: [LagStatus]
        var testDescription: String { "\(state), \(members ? "with" : "without") members" }
    }

    /// Window 2 x 10 s: stopAfter 20. The commit never moves, lag 40.
    @Test(arguments: [
        // Member-less: OK (never STALL) until the commit is older than stopAfter.
        StopCase(state: .empty, members: false, statuses: [.ok, .ok, .ok, .stop, .stop]),
        StopCase(state: .dead, members: false, statuses: [.ok, .ok, .ok, .stop, .stop]),
        // A group the broker calls Stable counts as having members.
        StopCase(state: .stable, members: false, statuses: [.ok, .stall, .stall, .stall, .stall]),
        StopCase(state: .stable, members: true, statuses: [.ok, .stall, .stall, .stall, .stall]),
    ])
    func stopForMemberlessGroups(_ testCase: StopCase) {
        var history = LagHistory(windowSize: 2, pollInterval: 10)
        var statuses: [LagStatus] = []
        for index in 0..<5 {
            let snapshot = Self.snapshot(
                [Self.group("g", state: testCase.state, members: testCase.members, committed: [Self.t0: 10])],
                logEnds: [Self.t0: 50])
            let insights = history.record(snapshot, at: Double(index * 10))
            #expect(insights.partitionStatus[Self.key("g", Self.t0)] == insights.groups["g"]?.status)
            statuses.append(insights.groups["g"]?.status ?? .err)
        }
        #expect(statuses == testCase.statuses)
    }

    // MARK: Recreated topics, vanished groups and partitions, failed polls

    /// The topic is deleted and recreated between t=20 and t=30: the log end
    /// drops from 600 to 50 and the group restarts from 10.
    @Test func recreatedTopicResetsTableAndWindow() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let polls: [(time: Double, committed: Int64, logEnd: Int64)] = [
            (0, 500, 600), (10, 500, 600), (20, 500, 600), (30, 10, 50), (40, 20, 60), (50, 30, 70),
        ]
        var results: [LagInsights] = []
        for poll in polls {
            let snapshot = Self.snapshot(
                [Self.group("g", committed: [Self.t0: poll.committed])], logEnds: [Self.t0: poll.logEnd])
            results.append(history.record(snapshot, at: poll.time))
        }
        let key = Self.key("g", Self.t0)
        #expect(results[2].partitionStatus[key] == .stall)
        #expect(results[2].lagSeconds[key] == 20)
        // A fresh table of one point: no estimate. A fresh window of one sample:
        // neither REWIND (500 -> 10) nor STALL.
        #expect(results[3].lagSeconds[key] == nil)
        #expect(results[3].partitionStatus[key] == .ok)
        #expect(results[3].groups["g"] == GroupInsight(status: .ok))
        // Table (50,30),(60,40): 1 s/record, 20 was written at t=0.
        #expect(results[4].lagSeconds[key] == 40)
        #expect(results[4].groups["g"] == GroupInsight(
            status: .ok, maxLagSeconds: 40, consumptionRate: 1, productionRate: 1))
        // Three samples since the reset, lag 40 each while committing: WARN.
        #expect(results[5].lagSeconds[key] == 40)
        #expect(results[5].partitionStatus[key] == .warn)
    }

    @Test func recreatedTopicWithTheGroupAheadOfTheNewLog() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        for time in [0.0, 10, 20] {
            _ = history.record(
                Self.snapshot([Self.group("g", committed: [Self.t0: 500])], logEnds: [Self.t0: 600]), at: time)
        }
        let insights = history.record(
            Self.snapshot([Self.group("g", committed: [Self.t0: 500])], logEnds: [Self.t0: 50]), at: 30)
        #expect(insights.lagSeconds[key] == 0)
        #expect(insights.partitionStatus[key] == .ok)
        #expect(insights.groups["g"] == GroupInsight(status: .ok, maxLagSeconds: 0, drainSeconds: 0))
    }

    @Test func vanishedGroupStartsFreshWhenItReappears() {
        var history = LagHistory(windowSize: 2, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        let present = Self.snapshot([Self.group("g", committed: [Self.t0: 10])], logEnds: [Self.t0: 50])
        let gone = Self.snapshot([], logEnds: [:])

        _ = history.record(present, at: 0)
        let stalled = history.record(present, at: 10)
        #expect(stalled.partitionStatus[key] == .stall)
        #expect(stalled.lagSeconds[key] == 10)

        let empty = history.record(gone, at: 20)
        #expect(empty == LagInsights())

        // Window and table start over: one sample (OK), one point (no estimate).
        let back = history.record(present, at: 30)
        #expect(back.partitionStatus[key] == .ok)
        #expect(back.lagSeconds[key] == nil)
        #expect(back.groups["g"] == GroupInsight(status: .ok))

        let again = history.record(present, at: 40)
        #expect(again.partitionStatus[key] == .stall)
        #expect(again.lagSeconds[key] == 10)
    }

    /// The group's commit on t-1 disappears for one poll while the partition
    /// itself stays: its window starts over, its lookup table does not.
    @Test func vanishedGroupPartitionStartsFreshWhenItReappears() {
        var history = LagHistory(windowSize: 2, pollInterval: 10)
        let both = Self.snapshot(
            [Self.group("g", committed: [Self.t0: 10, Self.t1: 10])], logEnds: [Self.t0: 50, Self.t1: 50])
        let onlyT0 = Self.snapshot(
            [Self.group("g", committed: [Self.t0: 10])], logEnds: [Self.t0: 50, Self.t1: 50])

        _ = history.record(both, at: 0)
        let first = history.record(both, at: 10)
        #expect(first.partitionStatus == [Self.key("g", Self.t0): .stall, Self.key("g", Self.t1): .stall])

        let without = history.record(onlyT0, at: 20)
        #expect(without.partitionStatus == [Self.key("g", Self.t0): .stall])
        #expect(without.lagSeconds == [Self.key("g", Self.t0): 20])

        let back = history.record(both, at: 30)
        #expect(back.partitionStatus == [Self.key("g", Self.t0): .stall, Self.key("g", Self.t1): .ok])
        // t-1's table kept its points (50 since t=0).
        #expect(back.lagSeconds == [Self.key("g", Self.t0): 30, Self.key("g", Self.t1): 30])
        #expect(back.groups["g"]?.status == .stall)
        #expect(back.groups["g"]?.maxLagSeconds == 30)
    }

    /// A group's windows share its poll times; a partition the group starts
    /// committing on later measures its rates from its own first poll.
    @Test func aPartitionJoiningLaterMeasuresFromItsOwnFirstPoll() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        _ = history.record(Self.snapshot([Self.group("g", committed: [Self.t0: 0])], logEnds: [Self.t0: 100, Self.t1: 100]), at: 0)
        _ = history.record(
            Self.snapshot([Self.group("g", committed: [Self.t0: 10, Self.t1: 100])], logEnds: [Self.t0: 100, Self.t1: 200]), at: 10)
        let third = history.record(
            Self.snapshot([Self.group("g", committed: [Self.t0: 20, Self.t1: 140])], logEnds: [Self.t0: 100, Self.t1: 300]), at: 20)
        // t-0: 20 records in 20 s; t-1: 40 records in 10 s (not 20 s), produced 100 in 10 s.
        #expect(third.groups["g"]?.consumptionRate == 5)
        #expect(third.groups["g"]?.productionRate == 10)
        // Both windows full after two more polls; t-0's oldest poll (t=0) leaves the window first.
        _ = history.record(
            Self.snapshot([Self.group("g", committed: [Self.t0: 30, Self.t1: 180])], logEnds: [Self.t0: 100, Self.t1: 400]), at: 30)
        let fifth = history.record(
            Self.snapshot([Self.group("g", committed: [Self.t0: 40, Self.t1: 220])], logEnds: [Self.t0: 100, Self.t1: 500]), at: 40)
        // Windows t=20..40: t-0 20 records / 20 s, t-1 80 records / 20 s; produced on t-1: 200 / 20 s.
        #expect(fifth.groups["g"]?.consumptionRate == 5)
        #expect(fifth.groups["g"]?.productionRate == 10)
        // t-0's lag shrinks (80, 70, 60): OK; t-1's grows (160, 220, 280) while it commits: WARN.
        #expect(fifth.partitionStatus == [Self.key("g", Self.t0): .ok, Self.key("g", Self.t1): .warn])
    }

    @Test func aPartitionWithoutAnEstimateIsLeftOutOfLagSecondsOnly() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        _ = history.record(Self.snapshot([Self.group("g", committed: [Self.t0: 0])], logEnds: [Self.t0: 100]), at: 0)
        // t-1's table has a single point: no estimate yet; t-0's flat table gives the age of its oldest point.
        let second = history.record(
            Self.snapshot([Self.group("g", committed: [Self.t0: 0, Self.t1: 0])], logEnds: [Self.t0: 100, Self.t1: 50]), at: 10)
        #expect(second.lagSeconds == [Self.key("g", Self.t0): 10])
        #expect(second.partitionStatus == [Self.key("g", Self.t0): .ok, Self.key("g", Self.t1): .ok])
        #expect(second.groups["g"]?.maxLagSeconds == 10)
    }

    @Test func vanishedPartitionDropsItsTable() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        let present = Self.snapshot([Self.group("g", committed: [Self.t0: 10])], logEnds: [Self.t0: 50])
        _ = history.record(present, at: 0)
        #expect(history.record(present, at: 10).lagSeconds[key] == 10)
        // The partition's offsets are missing from one poll (the group stays).
        let noOffsets = history.record(Self.snapshot([Self.group("g", committed: [Self.t0: 10])], logEnds: [:]), at: 20)
        #expect(noOffsets.lagSeconds[key] == nil)
        #expect(noOffsets.partitionStatus[key] == .ok)
        // Back with a table of one point.
        #expect(history.record(present, at: 30).lagSeconds[key] == nil)
        #expect(history.record(present, at: 40).lagSeconds[key] == 10)
    }

    @Test func unknownLogEndAddsNoPoint() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        let group = Self.group("g", committed: [Self.t0: 100])
        _ = history.record(Self.snapshot([group], logEnds: [Self.t0: 120]), at: 0)
        let unknown = history.record(Self.snapshot([group], logEnds: [Self.t0: nil]), at: 10)
        #expect(unknown.lagSeconds[key] == nil)
        #expect(unknown.partitionStatus[key] == .ok)
        // The table is (120,0),(140,20): 1 s/record, 100 was written at t=-20.
        let known = history.record(Self.snapshot([group], logEnds: [Self.t0: 140]), at: 20)
        #expect(known.lagSeconds[key] == 40)
        // The window still has all three samples: lag 20, unknown, 40 with the commit stuck.
        #expect(known.partitionStatus[key] == .stall)
        #expect(known.groups["g"]?.productionRate == 1)
        #expect(known.groups["g"]?.consumptionRate == 0)
    }

    /// A failed poll does not call `record`: the history goes on from the last
    /// success, over the longer gap.
    @Test func failedPollIsSimplyNotRecorded() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        let group = Self.group("g", committed: [Self.t0: 100])
        _ = history.record(Self.snapshot([group], logEnds: [Self.t0: 200]), at: 0)
        _ = history.record(Self.snapshot([group], logEnds: [Self.t0: 220]), at: 10)
        // t=20 failed.
        let insights = history.record(Self.snapshot([group], logEnds: [Self.t0: 260]), at: 30)
        // Table (200,0),(220,10),(260,30): extrapolated at 60 s / 120 records
        // from the oldest point, 100 was written at t=-50.
        #expect(insights.lagSeconds[key] == 80)
        #expect(insights.partitionStatus[key] == .stall)
        #expect(insights.groups["g"] == GroupInsight(
            status: .stall, maxLagSeconds: 80, consumptionRate: 0, productionRate: 2, drainSeconds: nil))
    }

    @Test func lookupTableSizeLimitsTheTable() {
        var history = LagHistory(lookupTableSize: 2, windowSize: 3, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        let group = Self.group("g", committed: [Self.t0: 100])
        var insights = LagInsights()
        for (time, logEnd) in [(0.0, Int64(100)), (10, 200), (20, 210)] {
            insights = history.record(Self.snapshot([group], logEnds: [Self.t0: logEnd]), at: time)
        }
        // Only (200,10),(210,20) are left: 1 s/record, 100 at t=-90 (the full
        // table would have said t=0).
        #expect(insights.lagSeconds[key] == 110)
    }

    /// An exact timestamp of the oldest unconsumed record wins over the lookup table.
    @Test func exactTimestampWinsOverInterpolation() {
        var history = LagHistory(windowSize: 3, pollInterval: 10)
        let key = Self.key("g", Self.t0)
        var group = Self.group("g", committed: [Self.t0: 100])
        _ = history.record(Self.snapshot([group], logEnds: [Self.t0: 100]), at: 0)
        // Interpolation alone would say 100 was written at t=0 (10 s).
        group.oldestUnconsumedTimestamps = [Self.t0: 7]
        let exact = history.record(Self.snapshot([group], logEnds: [Self.t0: 120]), at: 10)
        #expect(exact.lagSeconds[key] == 3)
        #expect(exact.groups["g"]?.maxLagSeconds == 3)
        // Even with a one-point table, and clamped when the record's clock is ahead.
        var fresh = LagHistory(windowSize: 3, pollInterval: 10)
        group.oldestUnconsumedTimestamps = [Self.t0: 25]
        let ahead = fresh.record(Self.snapshot([group], logEnds: [Self.t0: 120]), at: 20)
        #expect(ahead.lagSeconds[key] == 0)
        group.oldestUnconsumedTimestamps = [:]
        let fallback = history.record(Self.snapshot([group], logEnds: [Self.t0: 140]), at: 20)
        #expect(fallback.lagSeconds[key] == 20)
    }

    @Test func groupsAreIndependent() {
        var history = LagHistory(windowSize: 2, pollInterval: 10)
        let snapshot = Self.snapshot(
            [
                Self.group("a", committed: [Self.t0: 50]),
                Self.group("b", committed: [Self.t0: 10]),
                Self.group("c", committed: [:]),
            ],
            logEnds: [Self.t0: 50])
        _ = history.record(snapshot, at: 0)
        let insights = history.record(snapshot, at: 10)
        #expect(insights.partitionStatus == [Self.key("a", Self.t0): .ok, Self.key("b", Self.t0): .stall])
        #expect(insights.lagSeconds == [Self.key("a", Self.t0): 0, Self.key("b", Self.t0): 10])
        #expect(insights.groups["a"] == GroupInsight(
            status: .ok, maxLagSeconds: 0, consumptionRate: 0, productionRate: 0, drainSeconds: 0))
        #expect(insights.groups["b"] == GroupInsight(
            status: .stall, maxLagSeconds: 10, consumptionRate: 0, productionRate: 0, drainSeconds: nil))
        // A group without commits has nothing to evaluate.
        let c = insights.groups["c"]
        #expect(c?.status == .ok)
        #expect(c?.maxLagSeconds == nil)
        #expect(c?.consumptionRate == nil)
        #expect(c?.productionRate == nil)
    }
}
