#if os(Linux)
import CAllocator
import Foundation
import Testing
@testable import KafkaLagExporter

@Suite struct MemoryTuningTests {
    /// The mappings `MemoryTuning.releaseStartupCode()` advises: private and
    /// file-backed (code, constants, initialised data), never the heap or a stack;
    /// a library's code is read-only and holds no pages of the process's own.
    @Test func privateFileMappingsHoldLibraryCodeButNeitherHeapNorStack() throws {
        let mappings = MemoryTuning.privateFileMappings()
        func mapping(containing address: UnsafeRawPointer) -> MemoryTuning.FileMapping? {
            mappings.first { UnsafeRawPointer($0.start) <= address && address < UnsafeRawPointer($0.start) + $0.length }
        }
        typealias Mallctl = @convention(c) (
            UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
        ) -> Int32
        let code = unsafeBitCast(mallctl as Mallctl, to: UnsafeRawPointer.self)
        let library = try #require(mapping(containing: code), "jemalloc's mallctl at \(code) is in no private file mapping")
        #expect(!library.isWritable)
        #expect(library.anonymousBytes == 0)

        let heap = try #require(malloc(64))
        defer { free(heap) }
        #expect(mapping(containing: UnsafeRawPointer(heap)) == nil)
        var local = 0
        withUnsafePointer(to: &local) { #expect(mapping(containing: UnsafeRawPointer($0)) == nil) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        #expect(mappings.allSatisfy { $0.length > 0 && $0.length % pageSize == 0 && $0.anonymousBytes % 1024 == 0 })
        // Initialised data is written at start-up: some writable mapping holds pages of its own.
        #expect(mappings.contains { $0.isWritable && $0.anonymousBytes > 0 })
    }

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
