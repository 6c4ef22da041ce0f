#include "base/clock.h"

#include <chrono>

namespace paddock {

int64_t SystemClock::NowMonotonicMs() const {
  auto d = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

int64_t SystemClock::NowWallMs() const {
  auto d = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace paddock
