import LagCore
import Testing

@Suite struct LookupTableTests {
    typealias Point = LookupTable.Point

    /// A table fed with `points` (offset, time) in order through `add`.
    static func table(_ points: [(Int64, Double)], limit: Int = 60) -> LookupTable {
        var table = LookupTable(limit: limit)
        for (offset, time) in points { _ = table.add(Point(offset: offset, time: time)) }
        return table
    }

    static func points(_ pairs: [(Int64, Double)]) -> [Point] {
        pairs.map { Point(offset: $0.0, time: $0.1) }
    }

    // MARK: add

    struct AddCase: Sendable, CustomTestStringConvertible {
        var name: String
        var limit: Int = 60
        /// (offset, time) added in order.
        var added: [(Int64, Double)]
        var results: [LookupTable.AddResult]
        /// (offset, time), oldest first.
        var table: [(Int64, Double)]
        var testDescription: String { name }
    }

    static let addCases: [AddCase] = [
        AddCase(name: "first point is inserted", added: [(10, 0)], results: [.inserted], table: [(10, 0)]),
        AddCase(
            name: "growing offsets are appended",
            added: [(10, 0), (20, 10), (35, 20)], results: [.inserted, .inserted, .inserted],
            table: [(10, 0), (20, 10), (35, 20)]),
        AddCase(
            name: "a repeated offset after a single point is inserted (a run needs two points)",
            added: [(10, 0), (10, 10)], results: [.inserted, .inserted], table: [(10, 0), (10, 10)]),
        AddCase(
            name: "three equal offsets keep two points, the last one's time updated",
            added: [(10, 0), (10, 10), (10, 20)], results: [.inserted, .inserted, .updated],
            table: [(10, 0), (10, 20)]),
        AddCase(
            name: "a long flat run keeps its first and latest time",
            added: [(10, 0), (10, 10), (10, 20), (10, 30), (10, 40)],
            results: [.inserted, .inserted, .updated, .updated, .updated],
            table: [(10, 0), (10, 40)]),
        AddCase(
            name: "a flat run after growth is compressed, then growth resumes",
            added: [(5, 0), (10, 10), (10, 20), (10, 30), (12, 40)],
            results: [.inserted, .inserted, .inserted, .updated, .inserted],
            table: [(5, 0), (10, 10), (10, 30), (12, 40)]),
        AddCase(
            name: "same time as the newest point is out of order",
            added: [(10, 0), (20, 10), (30, 10)], results: [.inserted, .inserted, .outOfOrder],
            table: [(10, 0), (20, 10)]),
        AddCase(
            name: "older time is out of order",
            added: [(10, 0), (20, 10), (30, 5)], results: [.inserted, .inserted, .outOfOrder],
            table: [(10, 0), (20, 10)]),
        AddCase(
            name: "older time with a smaller offset is out of order, not a reset",
            added: [(10, 0), (20, 10), (1, 5)], results: [.inserted, .inserted, .outOfOrder],
            table: [(10, 0), (20, 10)]),
        AddCase(
            name: "an offset going backwards resets the table to the new point",
            added: [(10, 0), (20, 10), (30, 20), (4, 30)], results: [.inserted, .inserted, .inserted, .reset],
            table: [(4, 30)]),
        AddCase(
            name: "after a reset the table grows again",
            added: [(10, 0), (20, 10), (4, 20), (8, 30)], results: [.inserted, .inserted, .reset, .inserted],
            table: [(4, 20), (8, 30)]),
        AddCase(
            name: "a full table drops its oldest point",
            limit: 3, added: [(1, 0), (2, 1), (3, 2), (4, 3)], results: [.inserted, .inserted, .inserted, .inserted],
            table: [(2, 1), (3, 2), (4, 3)]),
        AddCase(
            name: "a full table keeps dropping the oldest point",
            limit: 2, added: [(1, 0), (2, 1), (3, 2), (4, 3)], results: [.inserted, .inserted, .inserted, .inserted],
            table: [(3, 2), (4, 3)]),
        AddCase(
            name: "a flat-run update in a full table evicts nothing",
            limit: 3, added: [(1, 0), (2, 1), (2, 2), (2, 3)], results: [.inserted, .inserted, .inserted, .updated],
            table: [(1, 0), (2, 1), (2, 3)]),
    ]

    @Test(arguments: addCases)
    func add(_ testCase: AddCase) {
        var table = LookupTable(limit: testCase.limit)
        var results: [LookupTable.AddResult] = []
        for (offset, time) in testCase.added {
            results.append(table.add(Point(offset: offset, time: time)))
        }
        #expect(results == testCase.results)
        #expect(table.points == Self.points(testCase.table))
        #expect(table.limit == testCase.limit)
    }

    @Test func defaultLimitIsSixty() {
        #expect(LookupTable().limit == 60)
        #expect(LookupTable().points.isEmpty)
    }

    @Test func limitIsNeverExceeded() {
        var table = LookupTable(limit: 5)
        for step in 0..<100 {
            _ = table.add(Point(offset: Int64(step * 3), time: Double(step)))
            #expect(table.points.count == min(step + 1, 5))
        }
        #expect(table.points == Self.points([(285, 95), (288, 96), (291, 97), (294, 98), (297, 99)]))
    }

    // MARK: lagSeconds

    struct LookupCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// (offset, time), added in order.
        var table: [(Int64, Double)]
        var committed: Int64
        var now: Double
        var expected: Double?
        var testDescription: String { name }
    }

    /// Slopes are powers of two (seconds per record), so every expected value is exact.
    static let lookupCases: [LookupCase] = [
        LookupCase(name: "empty table", table: [], committed: 0, now: 10, expected: nil),
        LookupCase(name: "one point, caught up", table: [(100, 0)], committed: 100, now: 10, expected: 0),
        LookupCase(name: "one point, committed past it", table: [(100, 0)], committed: 150, now: 10, expected: 0),
        LookupCase(name: "one point, behind", table: [(100, 0)], committed: 50, now: 10, expected: nil),
        LookupCase(
            name: "committed at the newest offset", table: [(1000, 100), (1200, 200), (1400, 300)],
            committed: 1400, now: 350, expected: 0),
        LookupCase(
            name: "committed past the newest offset (fetch race)", table: [(1000, 100), (1200, 200), (1400, 300)],
            committed: 1500, now: 350, expected: 0),
        // Log end at 1200 at t=200 and at 1400 at t=300: 0.5 s per record, so
        // 1300 was reached at t=250; at t=350 that is 100 s ago.
        LookupCase(
            name: "interpolated in the newest pair", table: [(1000, 100), (1200, 200), (1400, 300)],
            committed: 1300, now: 350, expected: 100),
        // 1100 lies between 1000 (t=100) and 1200 (t=200): t=150, 200 s before 350.
        LookupCase(
            name: "interpolated in an older pair", table: [(1000, 100), (1200, 200), (1400, 300)],
            committed: 1100, now: 350, expected: 200),
        LookupCase(
            name: "committed exactly on an inner point", table: [(1000, 100), (1200, 200), (1400, 300)],
            committed: 1200, now: 350, expected: 150),
        LookupCase(
            name: "committed exactly on the oldest point", table: [(1000, 100), (1200, 200), (1400, 300)],
            committed: 1000, now: 350, expected: 250),
        // Uneven slopes: 1 s/record then 0.125 s/record.
        LookupCase(
            name: "interpolated with a different slope per pair", table: [(0, 0), (16, 16), (144, 32)],
            committed: 80, now: 40, expected: 16),
        // (100,0),(120,10),(120,40),(140,50): 120 is bracketed by the first pair
        // (t=10) and the last (t=40); the newest wins.
        LookupCase(
            name: "the newest bracketing pair wins over an older one",
            table: [(100, 0), (120, 10), (120, 40), (140, 50)], committed: 120, now: 60, expected: 20),
        // The flat run (120 from t=10 to t=30) compresses to two points; the
        // record at 120 was written after t=30.
        LookupCase(
            name: "committed at the end of a flat run followed by growth",
            table: [(100, 0), (120, 10), (120, 20), (120, 30), (140, 40)], committed: 120, now: 50, expected: 20),
        LookupCase(
            name: "committed inside the growth after a flat run",
            table: [(100, 0), (120, 10), (120, 20), (120, 30), (140, 40)], committed: 130, now: 50, expected: 15),
        LookupCase(
            name: "committed inside the growth before a flat run",
            table: [(100, 0), (120, 10), (120, 20), (120, 30), (140, 40)], committed: 110, now: 50, expected: 45),
        // Oldest (100, 0) to newest (164, 20): 0.3125 s/record. 36 is 128
        // records before 164: t = 20 - 40 = -20, 50 s before t=30. (The oldest
        // pair's slope alone would give 94.)
        LookupCase(
            name: "extrapolated along the oldest-to-newest line before the table",
            table: [(100, 0), (110, 10), (164, 20)], committed: 36, now: 30, expected: 50),
        LookupCase(
            name: "extrapolated with two points", table: [(100, 0), (120, 10)], committed: 60, now: 20, expected: 40),
        // Oldest (132, 0) to newest (164, 40) through a flat run: 1.25 s/record;
        // 100 is 64 records before 164: t = 40 - 80 = -40.
        LookupCase(
            name: "extrapolated over a table ending in a flat run",
            table: [(132, 0), (164, 16), (164, 28), (164, 40)], committed: 100, now: 50, expected: 90),
        LookupCase(
            name: "flat table, committed behind: age of the oldest point",
            table: [(100, 0), (100, 10), (100, 30)], committed: 40, now: 45, expected: 45),
        LookupCase(
            name: "flat table of two points, committed behind", table: [(100, 5), (100, 10)], committed: 99, now: 12,
            expected: 7),
        LookupCase(
            name: "flat table, caught up", table: [(100, 0), (100, 10), (100, 30)], committed: 100, now: 45,
            expected: 0),
        // The estimate lands at t=5, after `now`: clamped.
        LookupCase(
            name: "estimate later than now is clamped to 0", table: [(100, 0), (120, 10)], committed: 110, now: 2,
            expected: 0),
        LookupCase(
            name: "now before the whole table is clamped to 0", table: [(100, 10), (100, 20)], committed: 50, now: 0,
            expected: 0),
        LookupCase(
            name: "estimate exactly now is 0", table: [(100, 0), (120, 10)], committed: 110, now: 5, expected: 0),
    ]

    @Test(arguments: lookupCases)
    func lagSeconds(_ testCase: LookupCase) throws {
        let table = Self.table(testCase.table)
        let seconds = table.lagSeconds(committed: testCase.committed, now: testCase.now)
        #expect(seconds == testCase.expected)
    }

    @Test func resetTableHasTooFewPointsUntilItGrowsAgain() {
        var table = Self.table([(100, 0), (200, 10)])
        #expect(table.add(Point(offset: 10, time: 20)) == .reset)
        #expect(table.lagSeconds(committed: 5, now: 25) == nil)
        #expect(table.lagSeconds(committed: 10, now: 25) == 0)
        #expect(table.lagSeconds(committed: 150, now: 25) == 0)
        #expect(table.add(Point(offset: 30, time: 30)) == .inserted)
        // 20 lies halfway between 10 (t=20) and 30 (t=30): t=25, 15 s before 40.
        #expect(table.lagSeconds(committed: 20, now: 40) == 15)
    }

    @Test func interpolationWithInexactSlope() throws {
        // 10 s for 30 records: 35 was reached at t = 10 + 5/3.
        let table = Self.table([(0, 0), (30, 10), (60, 20)])
        let seconds = try #require(table.lagSeconds(committed: 35, now: 20))
        #expect(abs(seconds - (10 - 5.0 / 3.0)) < 1e-9)
    }

    @Test func resultIsNeverNegativeNaNOrInfinite() {
        let tables: [LookupTable] = [
            Self.table([(100, 0), (120, 10)]),
            Self.table([(100, 0), (100, 10), (100, 20)]),
            Self.table([(100, 0), (120, 10), (120, 20), (120, 30), (140, 40)]),
            Self.table([(0, 0), (1, 1000), (1_000_000, 1001)]),
            Self.table([(5, 0), (6, 0.001)]),
            Self.table([(1_000_000_000_000, 1_700_000_000), (1_000_000_000_001, 1_700_000_030)]),
        ]
        let nows: [Double] = [-1000, 0, 0.5, 10, 25, 40, 1001, 1_700_000_100, 1e12]
        for table in tables {
            let newest = table.points.last!.offset
            let committedValues: [Int64] = [0, 1, 4, 5, 50, 99, 100, 110, 119, 120, 130, 140, 500_000, newest - 1, newest, newest + 1]
            for committed in committedValues where committed >= 0 {
                for now in nows {
                    if let seconds = table.lagSeconds(committed: committed, now: now) {
                        #expect(seconds.isFinite, "committed \(committed), now \(now), table \(table.points)")
                        #expect(seconds >= 0, "committed \(committed), now \(now), table \(table.points)")
                    }
                }
            }
        }
    }
}
