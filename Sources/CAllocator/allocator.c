#include "CAllocator.h"

#if defined(__linux__)
/*
 * jemalloc reads this symbol once, before the first allocation (it overrides
 * the library's weak default; the MALLOC_CONF environment variable still
 * overrides it). The daemon's heap has a sawtooth shape: each poll builds a new
 * snapshot (megabytes at thousands of groups) and drops the previous one.
 *
 * - narenas:1 and tcache:false: one arena and no per-thread caches, so memory
 *   a poll frees on one thread is what the next poll or scrape reuses on any
 *   other (a handful of threads, mostly idle: contention is negligible);
 * - dirty_decay_ms:0 and muzzy_decay_ms:0: pages that become free go back to
 *   the kernel at once instead of lingering for seconds.
 *
 * MemoryTuningTests reads the options back (jemalloc only warns about a
 * misspelt one and goes on without it).
 */
const char *malloc_conf = "narenas:1,tcache:false,dirty_decay_ms:0,muzzy_decay_ms:0";
#endif
