import LagCore
import Testing

@Suite struct LagStatusTests {
    @Test func rawValuesAreBurrowCodes() {
        #expect(LagStatus.ok.rawValue == 1)
        #expect(LagStatus.warn.rawValue == 2)
        #expect(LagStatus.err.rawValue == 3)
        #expect(LagStatus.stop.rawValue == 4)
        #expect(LagStatus.stall.rawValue == 5)
        #expect(LagStatus.rewind.rawValue == 6)
    }

    @Test func allCasesInCodeOrder() {
        #expect(LagStatus.allCases == [.ok, .warn, .err, .stop, .stall, .rewind])
        #expect(LagStatus.allCases.map(\.description) == ["OK", "WARN", "ERR", "STOP", "STALL", "REWIND"])
    }

    @Test func higherCodeIsWorse() {
        #expect(LagStatus.ok < .warn)
        #expect(LagStatus.warn < .err)
        #expect(LagStatus.err < .stop)
        #expect(LagStatus.stop < .stall)
        #expect(LagStatus.stall < .rewind)
        #expect(!(LagStatus.stall < .stall))
        #expect([LagStatus.warn, .stall, .ok, .stop].max() == .stall)
        #expect([LagStatus.ok, .ok].max() == .ok)
    }
}

@Suite struct PartitionWindowTests {
    typealias Sample = PartitionWindow.Sample

    /// A window fed one sample per poll at times 0, 10, 20, ...: (committed, log end).
    static func window(_ polls: [(Int64, Int64?)], capacity: Int) -> PartitionWindow {
        var window = PartitionWindow(capacity: capacity)
        for (index, poll) in polls.enumerated() {
            window.append(Sample(time: Double(index * 10), committed: poll.0, logEnd: poll.1))
        }
        return window
    }

    // MARK: status

    struct StatusCase: Sendable, CustomTestStringConvertible {
        var name: String
        var capacity: Int = 4
        var members: Bool = true
        var stopAfter: Double = 1000
        /// (committed, log end) per poll at times 0, 10, 20, ...
        var polls: [(Int64, Int64?)]
        var expected: LagStatus
        var testDescription: String { name }
    }

    static let statusCases: [StatusCase] = [
        // Rule 1: no lag now.
        StatusCase(name: "empty window", polls: [], expected: .ok),
        StatusCase(name: "caught up now", polls: [(10, 20), (10, 20), (10, 20), (20, 20)], expected: .ok),
        StatusCase(name: "committed past the log end now", polls: [(10, 20), (10, 20), (10, 20), (25, 20)], expected: .ok),
        StatusCase(
            name: "log end unknown now", polls: [(10, 20), (10, 20), (10, 20), (10, nil)], expected: .ok),
        StatusCase(
            name: "no lag now beats a rewind", polls: [(10, 20), (5, 20), (5, 20), (20, 20)], expected: .ok),
        StatusCase(
            name: "no lag now beats STOP", members: false, stopAfter: 5, polls: [(20, 20), (20, 20), (20, 20)],
            expected: .ok),
        // Rule 2: REWIND.
        StatusCase(name: "rewind in a full window", polls: [(10, 50), (20, 50), (15, 50), (16, 50)], expected: .rewind),
        StatusCase(name: "rewind before the window is full", polls: [(10, 50), (5, 50)], expected: .rewind),
        StatusCase(
            name: "rewind beats lag zero in the window", polls: [(50, 50), (10, 50), (11, 50), (12, 50)],
            expected: .rewind),
        StatusCase(
            name: "rewind beats STOP", members: false, stopAfter: 5, polls: [(20, 50), (10, 50), (10, 50)],
            expected: .rewind),
        StatusCase(
            name: "a rewind that left the window is forgotten",
            polls: [(20, 50), (10, 50), (11, 60), (12, 70), (13, 80)], expected: .warn),
        // Rule 3: STOP.
        StatusCase(
            name: "no members, offset unchanged longer than stopAfter", capacity: 10, members: false, stopAfter: 25,
            polls: [(10, 50), (10, 50), (10, 50), (10, 50)], expected: .stop),
        StatusCase(
            name: "no members, offset unchanged exactly stopAfter is not STOP", capacity: 10, members: false,
            stopAfter: 30, polls: [(10, 50), (10, 50), (10, 50), (10, 50)], expected: .ok),
        StatusCase(
            name: "members present, offset unchanged long: not STOP", capacity: 10, members: true, stopAfter: 25,
            polls: [(10, 50), (10, 50), (10, 50), (10, 50)], expected: .ok),
        StatusCase(
            name: "no members, last commit recent", capacity: 10, members: false, stopAfter: 25,
            polls: [(10, 50), (10, 50), (10, 50), (12, 50)], expected: .ok),
        StatusCase(
            name: "no members, commit changed 30 s ago", capacity: 10, members: false, stopAfter: 25,
            polls: [(8, 50), (10, 50), (10, 50), (10, 50), (10, 50)], expected: .stop),
        StatusCase(
            name: "member-less group with a stuck commit is STOP after stopAfter", members: false, stopAfter: 25,
            polls: [(10, 50), (10, 50), (10, 50), (10, 50)], expected: .stop),
        StatusCase(
            name: "member-less group not yet stopped is OK, not STALL", members: false, stopAfter: 30,
            polls: [(10, 50), (10, 50), (10, 50), (10, 50)], expected: .ok),
        StatusCase(
            name: "member-less group, commits move, lag never decreases: WARN", members: false, stopAfter: 30,
            polls: [(10, 50), (20, 60), (30, 70), (40, 80)], expected: .warn),
        StatusCase(
            name: "STOP beats lag zero in the window", members: false, stopAfter: 25,
            polls: [(10, 10), (10, 50), (10, 50), (10, 50)], expected: .stop),
        // Rule 4: window not full.
        StatusCase(name: "one sample with lag", polls: [(10, 50)], expected: .ok),
        StatusCase(name: "window not full, stalled", polls: [(10, 50), (10, 60), (10, 70)], expected: .ok),
        StatusCase(name: "window not full, lag growing", polls: [(10, 50), (11, 60), (12, 70)], expected: .ok),
        // Rule 5: lag zero somewhere.
        StatusCase(
            name: "lag zero at the start of the window", polls: [(10, 10), (10, 20), (10, 30), (10, 40)], expected: .ok),
        StatusCase(
            name: "lag zero in the middle of the window", polls: [(10, 20), (30, 30), (30, 40), (31, 50)],
            expected: .ok),
        StatusCase(
            name: "committed past the log end counts as lag zero", polls: [(40, 20), (40, 50), (40, 60), (40, 70)],
            expected: .ok),
        // Rule 6: STALL (groups with members only).
        StatusCase(name: "same commit, constant lag", polls: [(10, 50), (10, 50), (10, 50), (10, 50)], expected: .stall),
        StatusCase(
            name: "same commit, log end growing", polls: [(10, 50), (10, 60), (10, 70), (10, 80)], expected: .stall),
        StatusCase(
            name: "same commit with an unknown log end inside", polls: [(10, 50), (10, nil), (10, 70), (10, 80)],
            expected: .stall),
        StatusCase(
            name: "capacity 2, same commit", capacity: 2, polls: [(10, 50), (10, 50)], expected: .stall),
        // Rule 7: WARN.
        StatusCase(
            name: "commits move, lag constant", polls: [(10, 50), (20, 60), (30, 70), (40, 80)], expected: .warn),
        StatusCase(
            name: "commits move, lag growing", polls: [(10, 50), (20, 60), (30, 70), (40, 90)], expected: .warn),
        StatusCase(
            name: "commits move, lag never decreases, unknown log end skipped",
            polls: [(10, 50), (20, nil), (30, 70), (40, 80)], expected: .warn),
        StatusCase(
            name: "commit moves once, lag never decreases", polls: [(10, 50), (10, 50), (10, 50), (12, 60)],
            expected: .warn),
        // Rule 8: OK.
        StatusCase(
            name: "lag shrinking", polls: [(10, 50), (30, 60), (50, 70), (60, 70)], expected: .ok),
        StatusCase(
            name: "lag decreasing once", polls: [(10, 50), (10, 60), (25, 70), (30, 90)], expected: .ok),
        StatusCase(
            name: "lag decreasing across an unknown log end", polls: [(10, 50), (20, nil), (35, 70), (40, 80)],
            expected: .ok),
    ]

    @Test(arguments: statusCases)
    func status(_ testCase: StatusCase) {
        let window = Self.window(testCase.polls, capacity: testCase.capacity)
        #expect(window.samples.count == min(testCase.polls.count, testCase.capacity))
        #expect(window.status(groupHasMembers: testCase.members, stopAfter: testCase.stopAfter) == testCase.expected)
    }

    @Test func sampleLagIsClampedOffsetLag() {
        #expect(Sample(time: 0, committed: 10, logEnd: 50).lag == 40)
        #expect(Sample(time: 0, committed: 60, logEnd: 50).lag == 0)
        #expect(Sample(time: 0, committed: 10, logEnd: nil).lag == nil)
    }

    // MARK: capacity and committedSince

    @Test func capacityBoundsTheWindow() {
        let polls: [(Int64, Int64?)] = (0..<7).map { (Int64($0), Int64(100 + $0)) }
        let window = Self.window(polls, capacity: 3)
        #expect(window.capacity == 3)
        #expect(window.samples == [
            Sample(time: 40, committed: 4, logEnd: 104),
            Sample(time: 50, committed: 5, logEnd: 105),
            Sample(time: 60, committed: 6, logEnd: 106),
        ])
    }

    @Test func committedSinceFollowsTheLastChange() {
        var window = PartitionWindow(capacity: 2)
        #expect(window.committedSince == nil)
        window.append(Sample(time: 0, committed: 5, logEnd: 10))
        #expect(window.committedSince == 0)
        window.append(Sample(time: 10, committed: 5, logEnd: 12))
        #expect(window.committedSince == 0)
        // The window drops t=0, but the offset has had its value since then.
        window.append(Sample(time: 20, committed: 5, logEnd: 14))
        #expect(window.samples.map(\.time) == [10, 20])
        #expect(window.committedSince == 0)
        window.append(Sample(time: 30, committed: 8, logEnd: 14))
        #expect(window.committedSince == 30)
        window.append(Sample(time: 40, committed: 8, logEnd: 14))
        #expect(window.committedSince == 30)
        // A step backwards is a change too.
        window.append(Sample(time: 50, committed: 3, logEnd: 14))
        #expect(window.committedSince == 50)
        // The log end does not matter.
        window.append(Sample(time: 60, committed: 3, logEnd: nil))
        #expect(window.committedSince == 50)
    }

    @Test func stopCountsFromBeforeTheWindow() {
        // Capacity 2 spans 10 s, but the offset has been unchanged for 40 s.
        let window = Self.window([(10, 50), (10, 50), (10, 50), (10, 50), (10, 50)], capacity: 2)
        #expect(window.committedSince == 0)
        #expect(window.status(groupHasMembers: false, stopAfter: 39) == .stop)
        #expect(window.status(groupHasMembers: false, stopAfter: 40) == .ok)
        #expect(window.status(groupHasMembers: true, stopAfter: 39) == .stall)
    }

    // MARK: rates

    @Test func ratesNeedTwoSamplesAndElapsedTime() {
        #expect(PartitionWindow(capacity: 3).rates == nil)
        #expect(Self.window([(10, 50)], capacity: 3).rates == nil)
        var window = PartitionWindow(capacity: 3)
        window.append(Sample(time: 5, committed: 10, logEnd: 20))
        window.append(Sample(time: 5, committed: 20, logEnd: 30))
        #expect(window.rates == nil)
    }

    struct RatesCase: Sendable, CustomTestStringConvertible {
        var name: String
        var capacity: Int = 10
        /// (committed, log end) per poll at times 0, 10, 20, ...
        var polls: [(Int64, Int64?)]
        var consumption: Double
        var production: Double
        var testDescription: String { name }
    }

    static let ratesCases: [RatesCase] = [
        RatesCase(name: "steady", polls: [(100, 200), (140, 260), (180, 320)], consumption: 4, production: 6),
        RatesCase(name: "two samples", polls: [(100, 200), (105, 225)], consumption: 0.5, production: 2.5),
        RatesCase(name: "idle", polls: [(100, 200), (100, 200), (100, 200)], consumption: 0, production: 0),
        RatesCase(
            name: "only the window's ends count", polls: [(100, 200), (500, 900), (120, 210)], consumption: 1,
            production: 0.5),
        RatesCase(
            name: "committed lower at the end: no negative consumption", polls: [(100, 200), (60, 200), (40, 240)],
            consumption: 0, production: 2),
        RatesCase(
            name: "log end lower at the end: no negative production", polls: [(100, 200), (110, 150), (120, 180)],
            consumption: 1, production: 0),
        RatesCase(
            name: "unknown log ends at the edges use the first and last known",
            polls: [(100, nil), (120, 200), (140, 260), (160, nil)], consumption: 2, production: 2),
        RatesCase(name: "no log end known", polls: [(100, nil), (140, nil)], consumption: 4, production: 0),
        RatesCase(name: "one log end known", polls: [(100, nil), (140, 300), (160, nil)], consumption: 3, production: 0),
        RatesCase(
            name: "evicted samples no longer count", capacity: 3,
            polls: [(0, 0), (100, 200), (140, 260), (180, 320)], consumption: 4, production: 6),
    ]

    @Test(arguments: ratesCases)
    func rates(_ testCase: RatesCase) throws {
        let window = Self.window(testCase.polls, capacity: testCase.capacity)
        let rates = try #require(window.rates)
        #expect(rates.consumption == testCase.consumption)
        #expect(rates.production == testCase.production)
    }

    @Test func inexactRates() throws {
        let window = Self.window([(0, 0), (10, 20), (10, 20), (10, 20)], capacity: 4)
        let rates = try #require(window.rates)
        #expect(abs(rates.consumption - 10.0 / 30.0) < 1e-9)
        #expect(abs(rates.production - 20.0 / 30.0) < 1e-9)
    }
}
