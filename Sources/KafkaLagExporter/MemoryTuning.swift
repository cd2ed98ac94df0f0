import CMalloc
import Foundation
import Synchronization

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

    private static let startupCodeReleased = Atomic<Bool>(false)

    /// Once per process, after the first poll: hands back the pages of code
    /// and constant data that only start-up used.
    ///
    /// Start-up (Foundation, the YAML parser, NIO and TLS set-up, librdkafka's
    /// first connections) touches code scattered over the whole text segment,
    /// and every page fault maps the 16 pages around it and reads ahead more,
    /// so some 20 MiB of the binary stay resident although a poll and a scrape
    /// use about a third of it (docs/benchmarks.md). Each private file
    /// mapping of the process (the binary's and the libraries' code, constants
    /// and data) is marked `MADV_RANDOM` (a later fault reads only its own
    /// page) and then `MADV_PAGEOUT`: its clean pages that no other process
    /// maps leave memory, and the next use faults them back in from the file.
    /// Pages the process wrote (initialised data) are anonymous memory: without
    /// swap they stay; with swap they go as they would under memory pressure.
    /// Linux 5.4 or later; an older kernel refuses the advice and nothing changes.
    static func releaseStartupCode() {
        #if os(Linux)
        guard !startupCodeReleased.exchange(true, ordering: .relaxed) else { return }
        for mapping in privateFileMappings() {
            _ = madvise(mapping.start, mapping.length, MADV_RANDOM)
            _ = madvise(mapping.start, mapping.length, MADV_PAGEOUT)
        }
        #endif
    }

    #if os(Linux)
    /// The readable, private, file-backed mappings of this process, from
    /// /proc/self/maps (`start-end perms offset device inode path` per line).
    static func privateFileMappings() -> [(start: UnsafeMutableRawPointer, length: Int)] {
        // Not String(contentsOfFile:): it stops after the first read of a /proc file (4 KiB).
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps") else { return [] }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return [] }
        let maps = String(decoding: data, as: UTF8.self)
        var mappings: [(start: UnsafeMutableRawPointer, length: Int)] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            // The path is padded with spaces; anonymous mappings have none or a [name].
            guard fields.count == 6, fields[5].drop(while: { $0 == " " }).hasPrefix("/"),
                  fields[1].hasPrefix("r"), fields[1].hasSuffix("p") else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start,
                  let pointer = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            mappings.append((pointer, Int(end - start)))
        }
        return mappings
    }
    #endif
}
