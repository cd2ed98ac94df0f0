// The property-test driver of LagCoreTests and KafkaLagExporterTests (the
// PropertyTestSupport target: test targets share code only through a target).

import Foundation
import PropertyBased
import Synchronization
import Testing

/// Checks `property` on inputs drawn from `generator` with the library's
/// Xoshiro generator, seeded as ``PropertySeed/current`` says:
///
/// - By default (`make test`): `count` inputs at a fixed seed, the same inputs
///   on every run, so a failure is a regression, never a new random find.
/// - With `KLE_FUZZ=1` or `KLE_FUZZ_SEED` (`make fuzz`): `KLE_FUZZ_COUNT`
///   inputs (default ten times `count`) from a seed that is fresh unless
///   `KLE_FUZZ_SEED` gives it; each test draws from its own stream, derived
///   from the seed and the test's name, so one seed replays the whole run.
///
/// The first failing input ends the check: its issues are recorded, then a
/// message with the seed and the input's index, then the library shrinks the
/// input (replaying exactly that input under its `FixedSeedTrait`) and records
/// the smallest input that still fails: the one to add to the corpus.
public func checkProperty<Value, Shrinks: Sequence>(
    count: Int, _ generator: Generator<Value, Shrinks>, function: String = #function,
    sourceLocation: SourceLocation = #_sourceLocation, _ property: (Value) -> Void
) async {
    let seed: PropertySeed
    switch PropertySeed.current {
    case .success(let current): seed = current
    case .failure(let error):
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return
    }
    var rng = Xoshiro(seed: seed.state(for: function))
    let runs = seed.count(for: count)
    for index in 0..<runs {
        let state = rng.currentState
        let value = generator.run(using: &rng)
        let issues = IssueCount()
        // Counts the property's issues and records them as they are.
        withKnownIssue(isIntermittent: true) {
            property(value)
        } matching: { _ in
            issues.add()
            return false
        }
        guard issues.value > 0 else { continue }
        Issue.record(
            """
            \(function) failed on input \(index + 1) of \(runs), \(seed.description).
            Shrinking it; the input that still fails is reported next (add it to the corpus).
            """,
            sourceLocation: sourceLocation)
        // The library's shrinker, on exactly this input: with a fixed seed,
        // propertyCheck runs one input drawn from that state.
        guard let test = Test.current else { return }
        await FixedSeedTrait.fixedSeed(state.0, state.1, state.2, state.3, sourceLocation: sourceLocation)
            .provideScope(for: test, testCase: Test.Case.current) {
                await propertyCheck(count: 1, input: generator, perform: { property($0) }, sourceLocation: sourceLocation)
            }
        return
    }
}

/// The seed property tests draw from, from the environment (see
/// ``checkProperty(count:_:function:sourceLocation:_:)``).
public struct PropertySeed: Sendable, CustomStringConvertible {
    /// `nil`: the fixed seed of `make test`; otherwise a fuzzing seed.
    let fuzzSeed: UInt64?
    /// `KLE_FUZZ_COUNT`: inputs per property when fuzzing.
    let fuzzCount: Int?

    /// Read once per test process; a fresh fuzzing seed is printed when drawn.
    public static let current: Result<PropertySeed, SeedError> = {
        let result = PropertySeed.from(environment: ProcessInfo.processInfo.environment)
        if case .success(let seed) = result, seed.fuzzSeed != nil {
            print("property tests: \(seed.description)")
        }
        return result
    }()

    public struct SeedError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func from(environment: [String: String]) -> Result<PropertySeed, SeedError> {
        var count: Int?
        if let text = environment["KLE_FUZZ_COUNT"], !text.isEmpty {
            guard let value = Int(text), value > 0 else {
                return .failure(SeedError(description: "KLE_FUZZ_COUNT must be a positive number, not \(text.debugDescription)"))
            }
            count = value
        }
        if let text = environment["KLE_FUZZ_SEED"], !text.isEmpty {
            guard text.count <= 16, let seed = UInt64(text, radix: 16) else {
                return .failure(SeedError(description: "KLE_FUZZ_SEED must be 1 to 16 hex digits, not \(text.debugDescription)"))
            }
            return .success(PropertySeed(fuzzSeed: seed, fuzzCount: count))
        }
        if environment["KLE_FUZZ"] == "1" {
            var system = SystemRandomNumberGenerator()
            return .success(PropertySeed(fuzzSeed: system.next(), fuzzCount: count))
        }
        return .success(PropertySeed(fuzzSeed: nil, fuzzCount: nil))
    }

    public var description: String {
        guard let fuzzSeed else { return "fixed seed (make test)" }
        let hex = String(fuzzSeed, radix: 16)
        let replay = fuzzCount.map { "make fuzz SEED=\(hex) COUNT=\($0)" } ?? "make fuzz SEED=\(hex)"
        return "fuzzing with seed \(hex) (replay: \(replay))"
    }

    /// A suite's time limit: `minutes` at the fixed seed, ten times as long
    /// when fuzzing (ten times the inputs by default).
    public static func timeLimit(minutes: Int) -> TimeLimitTrait.Duration {
        guard case .success(let seed) = current, seed.fuzzSeed != nil else { return .minutes(minutes) }
        return .minutes(10 * minutes)
    }

    public func count(for fixedCount: Int) -> Int {
        guard fuzzSeed != nil else { return fixedCount }
        return fuzzCount ?? 10 * fixedCount
    }

    /// The generator's state for the test named `function`: when fuzzing, the
    /// seed and the name (FNV-1a) mixed by SplitMix64; otherwise the one fixed
    /// state every property has always started from.
    public func state(for function: String) -> (UInt64, UInt64, UInt64, UInt64) {
        guard let fuzzSeed else {
            return (0x6B61_666B_615F_6C61, 0x675F_6578_706F_7274, 0x686F_7374_696C_6521, 0x0000_0000_0000_0007)
        }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in function.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var mix = fuzzSeed ^ hash
        func next() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (next(), next(), next(), next())
    }
}

/// Issues seen by a ``withKnownIssue`` matcher.
private final class IssueCount: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func add() { count.add(1, ordering: .relaxed) }
}
