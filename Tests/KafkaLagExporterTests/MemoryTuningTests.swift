#if os(Linux)
import CMalloc
import Foundation
import Testing
@testable import KafkaLagExporter

/// The mappings `MemoryTuning.releaseStartupCode()` advises: private and
/// file-backed (code, constants, initialised data), never the heap or a stack.
@Suite struct MemoryTuningTests {
    @Test func privateFileMappingsHoldLibcCodeButNeitherHeapNorStack() throws {
        let mappings = MemoryTuning.privateFileMappings()
        func contains(_ address: UnsafeRawPointer) -> Bool {
            mappings.contains { UnsafeRawPointer($0.start) <= address && address < UnsafeRawPointer($0.start) + $0.length }
        }
        let code = unsafeBitCast(malloc_trim as @convention(c) (Int) -> Int32, to: UnsafeRawPointer.self)
        #expect(contains(code), "libc's malloc_trim at \(code) is in no private file mapping")

        let heap = try #require(malloc(64))
        defer { free(heap) }
        #expect(!contains(UnsafeRawPointer(heap)))
        var local = 0
        withUnsafePointer(to: &local) { #expect(!contains(UnsafeRawPointer($0))) }
        #expect(mappings.allSatisfy { $0.length > 0 && $0.length % Int(sysconf(Int32(_SC_PAGESIZE))) == 0 })
    }
}
#endif
