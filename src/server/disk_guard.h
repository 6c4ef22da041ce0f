// DiskGuard: refuses client writes while the disk of the raft log is nearly full, so that a full
// disk becomes an error to the client instead of a log-write failure (which is fail-stop: the
// process aborts, see consensus/libraft_log.h).
//
// Before a write is proposed, the server asks WritesAllowed(now). The free space of the log's
// filesystem (statvfs f_bavail) is read at most once per refresh interval; below the reserve
// (zoo.cfg paddock.diskReserveBytes) writes are refused until it is back above it. Entering and
// leaving the low state are each logged once.
//
// The reserve must hold what libraft may still write after the last accepted write: the entries
// in flight, a new preallocated open segment (8 MiB in libraft 0.15; it keeps up to 3 ahead) and
// a snapshot. Space that runs out faster than one refresh interval still reaches libraft, which
// then fails a write and the process stops (nothing acknowledged is lost; a restart recovers).
//
// Only data-changing client requests consult the guard. Session create and close, expiry and
// sync are small, bounded by the connection limits, and keep clients able to connect and read.
//
// Loop thread only. The free-space source is injected so tests drive it without a disk.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace paddock::server {

class DiskGuard {
 public:
  // Free bytes available to the server, or -1 if they cannot be read (then writes are allowed:
  // the guard never stops a working server because of its own failure).
  using FreeBytesSource = std::function<int64_t()>;

  DiskGuard(std::string dir, int64_t reserve_bytes, int64_t refresh_ms, FreeBytesSource source);

  // True if a write may be proposed at monotonic time `now_ms`. A reserve of 0 disables the
  // guard (the free space is never read).
  bool WritesAllowed(int64_t now_ms);
  bool low() const { return low_; }
  int64_t free_bytes_last() const { return free_bytes_; }
  int64_t reserve_bytes() const { return reserve_bytes_; }

  // The free bytes of the filesystem holding `dir` for an unprivileged writer, -1 on error.
  static int64_t StatvfsFreeBytes(const std::string& dir);

 private:
  void Refresh(int64_t now_ms);

  std::string dir_;
  int64_t reserve_bytes_;
  int64_t refresh_ms_;
  FreeBytesSource source_;
  bool read_once_ = false;
  int64_t read_ms_ = 0;
  int64_t free_bytes_ = -1;
  bool low_ = false;
};

}  // namespace paddock::server
