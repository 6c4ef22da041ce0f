// DataDirCheck: a look at libraft's data directory before libraft loads it, so that a damaged
// directory either loads what is valid or stops start-up with a message naming the file.
//
// Why it exists (measured on libraft 0.15, see tests/crash/damaged_dir_test.py):
//  * An open segment cut short (its end inside a batch) makes libraft's loader take an error path
//    that frees a buffer twice: the process aborts with "double free", naming nothing.
//  * A corrupt batch in the middle of an open segment makes libraft truncate the segment there,
//    silently dropping the valid (possibly acknowledged) entries after it. Only a torn or zeroed
//    tail, which a crash leaves behind, should be truncated.
//  * A truncated LZ4 snapshot file makes libraft's decompressor loop forever; other LZ4 errors
//    are reported without the file name.
//  * With both metadata files gone, libraft takes the directory for a new one and bootstraps a
//    fresh log beside the old segments.
// Closed segments need no help: libraft checks their checksums and names the file.
//
// The segment format read here (libraft's uv_encoding.c and uv_segment.c, all little endian):
//   u64 format (1) | batch* ; batch = u32 header_crc | u32 data_crc | u64 n |
//   n x (u64 term | u8 type | 3 unused | u32 len) | entry data (the lens, back to back)
// Checksums are libraft's CRC-32 (polynomial 0x04C11DB7, MSB first, initial value 0, no final
// xor): header_crc over n and the entry headers, data_crc over the data.
//
// Pure functions over bytes, plus CheckDataDir which reads the files. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace paddock::consensus {

// libraft's checksum (see above).
uint32_t RaftCrc32(std::string_view bytes);

struct OpenSegmentScan {
  enum class Verdict {
    kClean,          // every batch is valid up to the end or up to zeros (incl. an empty file)
    kTornTail,       // a damaged batch with nothing valid after it: libraft truncates it there
    kUnreadable,     // the file ends inside a batch (cut short) or a header is malformed
    kCorruptMiddle,  // a damaged batch followed by a valid one: truncating would drop entries
  };
  Verdict verdict = Verdict::kClean;
  size_t bad_offset = 0;    // where the first damaged batch starts (not kClean)
  size_t valid_offset = 0;  // kCorruptMiddle: a valid batch found after it
  uint64_t entries = 0;     // entries in the valid batches before bad_offset
};

// Scans an open segment's content the way libraft's loader reads it.
OpenSegmentScan ScanOpenSegment(std::string_view content);

// A snapshot data file: OK if it is not LZ4-compressed (libraft's restore callback checks it)
// or if it is one complete LZ4 frame that decodes to its declared size with a valid checksum.
// Otherwise an error saying what is wrong.
Status CheckSnapshotFile(std::string_view content);

// The snapshot data file libraft loads from these directory entries: the newest (term, index,
// timestamp) "snapshot-T-I-TS" that has its ".meta". Empty if none.
std::string NewestSnapshot(const std::vector<std::string>& names);

// Checks libraft's directory `dir` before raft_uv_init. An error names the file, what is wrong
// and what the operator may do; a torn open-segment tail is logged and left to libraft.
Status CheckDataDir(const std::string& dir);

}  // namespace paddock::consensus
