#include "consensus/data_dir_check.h"

#include <dirent.h>
#include <lz4frame.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "base/assert.h"
#include "base/log.h"

namespace paddock::consensus {
namespace {

constexpr uint64_t kSegmentFormat = 1;
// libraft's bound on the entries of one batch (UV__MAX_SEGMENT_SIZE / 32).
constexpr uint64_t kBatchEntriesMax = (8u << 20) / 32;
constexpr size_t kScratchBytes = 1 << 20;

uint64_t Le(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  }
  return v;
}

enum class BatchRead { kOk, kShort, kCorrupt, kMalformed };

// Reads the batch at `*offset` in libraft's order of checks; on kOk advances `*offset`.
BatchRead ReadBatch(std::string_view c, size_t* offset, uint64_t* n_out) {
  size_t at = *offset;
  if (c.size() - at < 16) return BatchRead::kShort;  // checksums, then the entry count
  uint64_t n = Le(c, at + 8, 8);
  if (n == 0 || n > kBatchEntriesMax) return BatchRead::kCorrupt;
  size_t header = 8 + 16 * n;
  if (c.size() - at - 8 < header) return BatchRead::kShort;
  if (RaftCrc32(c.substr(at + 8, header)) != Le(c, at, 4)) return BatchRead::kCorrupt;
  uint64_t data = 0;
  for (uint64_t i = 0; i < n; i++) {
    size_t e = at + 16 + 16 * i;
    auto type = static_cast<uint8_t>(c[e + 8]);
    if (type < 1 || type > 3) return BatchRead::kMalformed;  // command, barrier, change
    data += Le(c, e + 12, 4);
  }
  size_t data_at = at + 8 + header;
  if (c.size() - data_at < data) return BatchRead::kShort;
  if (RaftCrc32(c.substr(data_at, data)) != Le(c, at + 4, 4)) return BatchRead::kCorrupt;
  *offset = data_at + data;
  *n_out = n;
  return BatchRead::kOk;
}

bool ZerosFrom(std::string_view c, size_t at) {
  return std::all_of(c.begin() + static_cast<std::ptrdiff_t>(at), c.end(),
                     [](char ch) { return ch == 0; });
}

// A valid batch anywhere after `bad` (batches start 8-byte aligned); 0 if none.
size_t FindValidBatchAfter(std::string_view c, size_t bad) {
  for (size_t at = bad + 8; at + 16 <= c.size(); at += 8) {
    size_t next = at;
    uint64_t n = 0;
    if (ReadBatch(c, &next, &n) == BatchRead::kOk) return at;
  }
  return 0;
}

Status ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Error("cannot read " + path);
  *out = std::move(ss).str();
  return Status::Ok();
}

bool IsOpenSegment(const std::string& name) { return name.rfind("open-", 0) == 0; }

bool IsClosedSegment(const std::string& name) {
  unsigned long long a = 0;
  unsigned long long b = 0;
  char extra = 0;
  return std::sscanf(name.c_str(), "%llu-%llu%c", &a, &b, &extra) == 2;
}

Status CheckOpenSegment(const std::string& path) {
  std::string content;
  if (Status s = ReadWholeFile(path, &content); !s.ok()) return s;
  OpenSegmentScan scan = ScanOpenSegment(content);
  const char* advice = "move the file out of the directory to start without the entries from "
                       "that point on (they may include acknowledged writes)";
  switch (scan.verdict) {
    case OpenSegmentScan::Verdict::kClean: return Status::Ok();
    case OpenSegmentScan::Verdict::kTornTail:
      PADDOCK_LOG_WARN("open segment has a torn tail file={} offset={} entries_before={} "
                       "action=\"libraft truncates it\"", path, scan.bad_offset, scan.entries);
      return Status::Ok();
    case OpenSegmentScan::Verdict::kUnreadable:
      return Status::Error("open segment " + path +
                           " is damaged: it ends inside the batch at byte " +
                           std::to_string(scan.bad_offset) + " (file is " +
                           std::to_string(content.size()) + " bytes; libraft preallocates its " +
                           "segments, so it was cut short) or that batch is malformed; " + advice);
    case OpenSegmentScan::Verdict::kCorruptMiddle:
      return Status::Error("open segment " + path + " is corrupt: the batch at byte " +
                           std::to_string(scan.bad_offset) + " is damaged but valid entries " +
                           "follow at byte " + std::to_string(scan.valid_offset) +
                           "; refusing to let libraft drop them; " + advice);
  }
  return Status::Ok();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

uint32_t RaftCrc32(std::string_view bytes) {
  uint32_t crc = 0;
  for (char ch : bytes) {
    crc ^= static_cast<uint32_t>(static_cast<uint8_t>(ch)) << 24;
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc & 0x80000000u) != 0 ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
  }
  return crc;
}

OpenSegmentScan ScanOpenSegment(std::string_view c) {
  OpenSegmentScan scan;
  if (c.empty()) return scan;  // libraft removes an empty open segment
  if (c.size() < 8) {
    scan.verdict = OpenSegmentScan::Verdict::kUnreadable;
    return scan;
  }
  // A zeroed segment was allocated and never written (libraft removes it); another format is
  // refused by libraft with the file name.
  if (Le(c, 0, 8) != kSegmentFormat) return scan;
  size_t offset = 8;
  while (offset < c.size()) {
    uint64_t n = 0;
    BatchRead r = ReadBatch(c, &offset, &n);
    if (r == BatchRead::kOk) {
      scan.entries += n;
      continue;
    }
    scan.bad_offset = offset;
    if (r == BatchRead::kCorrupt && ZerosFrom(c, offset)) return scan;  // the normal end
    if (r != BatchRead::kCorrupt) {
      scan.verdict = OpenSegmentScan::Verdict::kUnreadable;
      return scan;
    }
    scan.valid_offset = FindValidBatchAfter(c, offset);
    scan.verdict = scan.valid_offset != 0 ? OpenSegmentScan::Verdict::kCorruptMiddle
                                          : OpenSegmentScan::Verdict::kTornTail;
    return scan;
  }
  PADDOCK_ASSERT(offset == c.size());
  return scan;
}

Status CheckSnapshotFile(std::string_view content) {
  if (content.size() < 4 || Le(content, 0, 4) != LZ4F_MAGICNUMBER) return Status::Ok();
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Status::Error("LZ4 context");
  }
  std::vector<char> scratch(kScratchBytes);
  size_t in_at = 0;
  size_t hint = 1;
  std::string error;
  while (hint != 0 && error.empty()) {
    size_t in_n = content.size() - in_at;
    size_t out_n = scratch.size();
    hint = LZ4F_decompress(ctx, scratch.data(), &out_n, content.data() + in_at, &in_n, nullptr);
    if (LZ4F_isError(hint)) {
      error = std::string("LZ4 frame: ") + LZ4F_getErrorName(hint);
    } else if (hint != 0 && in_n == 0 && out_n == 0) {
      error = "LZ4 frame ends early (truncated at " + std::to_string(content.size()) + " bytes)";
    }
    in_at += in_n;
  }
  LZ4F_freeDecompressionContext(ctx);
  if (!error.empty()) return Status::Error(error);
  if (in_at != content.size()) {
    return Status::Error(std::to_string(content.size() - in_at) +
                         " bytes after the end of the LZ4 frame");
  }
  return Status::Ok();
}

std::string NewestSnapshot(const std::vector<std::string>& names) {
  std::set<std::string> all(names.begin(), names.end());
  std::tuple<unsigned long long, unsigned long long, unsigned long long> best{0, 0, 0};
  std::string newest;
  for (const std::string& name : names) {
    unsigned long long term = 0;
    unsigned long long index = 0;
    unsigned long long ts = 0;
    int used = 0;
    if (std::sscanf(name.c_str(), "snapshot-%llu-%llu-%llu%n", &term, &index, &ts, &used) != 3 ||
        static_cast<size_t>(used) != name.size() || all.count(name + ".meta") == 0) {
      continue;
    }
    if (newest.empty() || std::tie(term, index, ts) > best) {
      best = {term, index, ts};
      newest = name;
    }
  }
  return newest;
}

Status CheckDataDir(const std::string& dir) {
  std::vector<std::string> names = ListDir(dir);
  bool metadata = false;
  std::string log_file;
  for (const std::string& name : names) {
    if (name == "metadata1" || name == "metadata2") metadata = true;
    if (IsOpenSegment(name) || IsClosedSegment(name) || name.rfind("snapshot-", 0) == 0) {
      log_file = name;
    }
  }
  if (!metadata && !log_file.empty()) {
    return Status::Error("raft log in " + dir + " has log files (" + log_file +
                         ") but neither metadata1 nor metadata2: refusing to start, libraft "
                         "would take the directory for a new one");
  }
  for (const std::string& name : names) {
    if (!IsOpenSegment(name)) continue;
    if (Status s = CheckOpenSegment(dir + "/" + name); !s.ok()) return s;
  }
  std::string snapshot = NewestSnapshot(names);
  if (snapshot.empty()) return Status::Ok();
  std::string path = dir + "/" + snapshot;
  std::string content;
  if (Status s = ReadWholeFile(path, &content); !s.ok()) return s;
  if (Status s = CheckSnapshotFile(content); !s.ok()) {
    return Status::Error("snapshot file " + path +
                         " (the newest, which libraft loads) is corrupt: " + s.message());
  }
  return Status::Ok();
}

}  // namespace paddock::consensus
