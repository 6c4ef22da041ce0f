// AppendSpin: whether the loop should poll without sleeping while a durable append is on its
// way to disk.
//
// A write's reply waits for its append (libraft's O_DIRECT|O_DSYNC write through kernel AIO,
// about 0.1 ms on this kind of disk). Sleeping in epoll_wait meanwhile costs a second wake-up
// per write: the completion's eventfd makes the kernel switch the loop thread back in, which on
// a virtual machine took about 0.03-0.08 ms more than the write itself (docs/performance.md,
// "Latency at the floor"). Polling for a bounded time after each submission takes the
// completion as soon as it lands. The bound keeps the cost to a fraction of a core: the loop
// spins at most `window_us` after the latest submission, and never while nothing is in flight.
// Off by default (paddock.appendSpinMicros): where the client shares the cores, the spinning
// loop takes CPU the client needs, and the tail got worse than the median got better.
//
// Pure: the host passes what it knows and turns the answer into a non-blocking poll.
#pragma once

#include <cstdint>

namespace paddock::server {

struct AppendSpin {
  int64_t window_us = 0;  // 0: never spin

  // appends_in_flight: submitted and not completed; us_since_submit: since the latest
  // submission.
  bool ShouldSpin(int64_t appends_in_flight, int64_t us_since_submit) const {
    return window_us > 0 && appends_in_flight > 0 && us_since_submit >= 0 &&
           us_since_submit < window_us;
  }
};

}  // namespace paddock::server
