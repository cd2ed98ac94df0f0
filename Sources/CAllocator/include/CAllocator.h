#ifndef CALLOCATOR_H
#define CALLOCATOR_H

#include <stddef.h>

/*
 * The exporter's allocator on Linux: jemalloc, linked by Package.swift, with
 * the options in allocator.c. Why: MemoryTuning.swift and docs/benchmarks.md.
 */

#if defined(__linux__)
/* The options jemalloc starts with (defined in allocator.c, read by jemalloc). */
extern const char *malloc_conf;

/* jemalloc's control interface (jemalloc.h, not included: it redeclares malloc). */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif

#endif
