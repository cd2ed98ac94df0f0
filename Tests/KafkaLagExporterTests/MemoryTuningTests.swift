#if os(Linux)
import Testing
@testable import KafkaLagExporter

@Suite struct MemoryTuningTests {
    /// The allocator is jemalloc with allocator.c's options (a misspelt option
    /// would be ignored, so they are read back).
    @Test func theAllocatorIsJemallocWithOneArenaAndNoCaches() {
        #expect(MemoryTuning.allocatorOption("opt.narenas", as: UInt32.self) == 1)
        #expect(MemoryTuning.allocatorOption("opt.tcache", as: UInt8.self) == 0)
        #expect(MemoryTuning.allocatorOption("opt.dirty_decay_ms", as: Int.self) == 0)
        #expect(MemoryTuning.allocatorOption("opt.muzzy_decay_ms", as: Int.self) == 0)
        #expect(MemoryTuning.allocatorOption("opt.no_such_option", as: Int.self) == nil)
    }
}
#endif
