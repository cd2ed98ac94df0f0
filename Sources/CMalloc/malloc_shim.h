#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H

/*
 * glibc's malloc tuning (mallopt, malloc_trim), which Swift's Glibc module
 * does not export. Used by the daemon to bound its heap: see MemoryTuning.swift.
 */
#include <malloc.h>

#endif
