// libraft's memory, kept out of snapshot forks.
//
// A snapshot forks the server (libraft_log.cc, FsmSnapshotFork). After a fork, every writable
// private page of the parent is write-protected until it is written once, and each first write
// faults: during the child's life it copies the page, after it only re-enables writing, but it
// still faults (about 20 us each on our virtualised test machine). Right after a snapshot is
// written, libraft frees the log entries it no longer needs: thousands of frees on pages still
// protected since the fork, a stall of the loop of about 250 ms there (docs/performance.md, third
// pass: perf showed the faults in glibc's free, called from libraft).
//
// libraft allocates everything through its raft_heap hooks. This heap takes its memory from
// mappings marked MADV_DONTFORK: a forked child does not get them (it only serializes the state
// machine, which lives in the ordinary heap), so the parent's pages there are never
// write-protected. Small blocks come from power-of-two size classes carved out of 2 MiB chunks
// and are recycled through free lists (never returned to the system: libraft's peak, bounded by
// the snapshot byte limit, stays mapped); blocks over 64 KiB and over-aligned ones are mappings
// of their own, unmapped on free. Thread-safe: libraft's threadpool work allocates too.
#pragma once

#include <cstddef>

namespace paddock::consensus {

// Installs the heap for libraft, process-wide and once: call it before any other libraft
// function (raft_malloc'd memory from before would be freed here and fail its header check).
void InstallForkExcludedRaftHeap();

// The heap's functions, for its unit test.
namespace raft_heap {
void* Malloc(size_t size);
void Free(void* ptr);
void* Calloc(size_t n, size_t size);
void* Realloc(void* ptr, size_t size);
void* AlignedAlloc(size_t alignment, size_t size);
// Bytes usable at ptr (at least what was asked).
size_t UsableSize(const void* ptr);
}  // namespace raft_heap

}  // namespace paddock::consensus
