import Foundation
import Synchronization

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
/// (docs/benchmarks.md). What is left to do here is the code pages.
enum MemoryTuning {
    private static let startupCodeReleased = Atomic<Bool>(false)

    /// Once per process, after the first poll: hands back the pages of code
    /// and constant data that only start-up used.
    ///
    /// Start-up (Foundation, the YAML parser, NIO and TLS set-up, librdkafka's
    /// first connections) touches code scattered over the whole text segment,
    /// and every page fault maps the pages around it and reads ahead more, so
    /// some 20 MiB of the binary stay resident although a poll and a scrape use
    /// a fraction of it (docs/benchmarks.md). Each private file mapping of the
    /// process (the binary's and the libraries' code, constants and data) is
    /// marked `MADV_RANDOM` (a later fault of a data page reads only that page)
    /// and `MADV_PAGEOUT`: its clean pages that no other process maps leave
    /// memory. Pages that other processes map too (a library in use elsewhere,
    /// another exporter started from the same image on the node) are left by
    /// the page-out, so this process also drops its own references to the
    /// pages of each read-only mapping (`MADV_DONTNEED`), which only unmaps
    /// them: the next use maps them back from the page cache. Never to a
    /// mapping that holds pages of its own (relocated constants, text
    /// relocations, a debugger's breakpoint): those would revert to the file.
    /// Pages the process wrote (initialised data) are anonymous memory:
    /// without swap they stay.
    /// Linux 5.4 or later; an older kernel refuses the advice and nothing changes.
    static func releaseStartupCode() {
        #if os(Linux)
        guard !startupCodeReleased.exchange(true, ordering: .relaxed) else { return }
        for mapping in privateFileMappings() {
            _ = madvise(mapping.start, mapping.length, MADV_RANDOM)
            _ = madvise(mapping.start, mapping.length, MADV_PAGEOUT)
            if !mapping.isWritable && mapping.anonymousBytes == 0 {
                _ = madvise(mapping.start, mapping.length, MADV_DONTNEED)
            }
        }
        #endif
    }

    #if os(Linux)
    /// A readable, private, file-backed mapping of this process.
    struct FileMapping {
        var start: UnsafeMutableRawPointer
        var length: Int
        /// Mapped writable (initialised data), rather than code or constants.
        var isWritable: Bool
        /// The process's own (copied-on-write) pages in the mapping.
        var anonymousBytes: Int
    }

    /// The readable, private, file-backed mappings of this process, from
    /// /proc/self/smaps: a `start-end perms offset device inode path` line per
    /// mapping, then `Key: value kB` lines about it.
    static func privateFileMappings() -> [FileMapping] {
        // Not String(contentsOfFile:): it stops after the first read of a /proc file (4 KiB).
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return [] }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return [] }
        let smaps = String(decoding: data, as: UTF8.self)
        var mappings: [FileMapping] = []
        var current: FileMapping?
        for line in smaps.split(separator: "\n") {
            if line.hasPrefix("Anonymous:") {
                // Unreadable counts as "has pages of its own": the mapping is left alone.
                let kibibytes = line.dropFirst("Anonymous:".count).split(separator: " ").first.flatMap { Int($0) } ?? 1
                current?.anonymousBytes = kibibytes * 1024
                continue
            }
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            let bounds = fields.first?.split(separator: "-") ?? []
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else {
                continue  // a `Key: value` line
            }
            if let mapping = current { mappings.append(mapping) }
            current = nil
            // The path is padded with spaces; anonymous mappings have none or a [name].
            guard fields.count == 6, fields[5].drop(while: { $0 == " " }).hasPrefix("/"),
                  fields[1].hasPrefix("r"), fields[1].hasSuffix("p"), end > start,
                  let pointer = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            current = FileMapping(
                start: pointer, length: Int(end - start),
                isWritable: fields[1].contains("w"), anonymousBytes: 0
            )
        }
        if let mapping = current { mappings.append(mapping) }
        return mappings
    }

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
