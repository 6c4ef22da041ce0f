// Clocks. The pure core never reads a clock: time is passed in as arguments. Only the server's
// composition root owns a Clock, so tests drive time with ManualClock and never sleep.
//
// Monotonic time is in milliseconds since an arbitrary origin; wall time in milliseconds since
// the Unix epoch (what ZooKeeper stores in ctime/mtime).
#pragma once

#include <cstdint>

namespace paddock {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMonotonicMs() const = 0;
  virtual int64_t NowWallMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMonotonicMs() const override;
  int64_t NowWallMs() const override;
};

// A clock that moves only when told to. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'000'000) : now_ms_(start_ms) {}
  int64_t NowMonotonicMs() const override { return now_ms_; }
  int64_t NowWallMs() const override { return 1'700'000'000'000 + now_ms_; }
  void AdvanceMs(int64_t delta_ms) { now_ms_ += delta_ms; }

 private:
  int64_t now_ms_;
};

}  // namespace paddock
