#if os(Linux)
import CAllocator
#endif

/// How the daemon keeps its resident memory near what it uses.
///
/// The heap has a sawtooth shape: each poll builds a new snapshot (megabytes
/// at thousands of groups) and drops the previous one. On Linux the exporter
/// links jemalloc, started with one arena, no thread caches and free pages
/// returned to the kernel at once (`Sources/CAllocator/allocator.c`): glibc's
/// malloc, even capped at two arenas and trimmed after every poll and scrape,
/// kept 5 to 9 MiB more of freed chunks between live ones at 1,000 groups
/// (docs/benchmarks.md). The options are read back here, for the tests.
enum MemoryTuning {
    #if os(Linux)
    /// An integer option jemalloc runs with (`opt.narenas`, `opt.dirty_decay_ms`, ...),
    /// or nil when the allocator is not jemalloc or has no such option.
    static func allocatorOption<Value: FixedWidthInteger>(_ name: String, as: Value.Type = Value.self) -> Value? {
        var value = Value.zero
        var length = MemoryLayout<Value>.size
        let status = mallctl(name, &value, &length, nil, 0)
        return status == 0 && length == MemoryLayout<Value>.size ? value : nil
    }
    #endif
}
