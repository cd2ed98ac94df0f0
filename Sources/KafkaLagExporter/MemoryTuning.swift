import CMalloc

/// glibc malloc settings for a long-running daemon whose heap has a sawtooth
/// shape: each poll builds a new snapshot (megabytes at thousands of groups)
/// and drops the previous one.
///
/// By default glibc gives every thread that meets contention its own arena
/// (up to 8 per core) and keeps freed memory in each for reuse, so resident
/// memory ratchets up to several snapshots' worth. Two arenas and a trim after
/// each poll keep it near one snapshot (docs/benchmarks.md has the numbers).
enum MemoryTuning {
    /// Caps the number of malloc arenas; call once, early.
    static func limitArenas(to count: Int32 = 2) {
        _ = mallopt(M_ARENA_MAX, count)
    }

    /// Returns free heap pages to the kernel (a few milliseconds at most).
    static func releaseFreeMemory() {
        _ = malloc_trim(0)
    }
}
