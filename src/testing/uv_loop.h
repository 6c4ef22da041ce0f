// Driving a libuv loop from a test: run it until a condition holds, with a bound.
#pragma once

#include <uv.h>

#include <functional>

namespace paddock::testing {

// Runs `loop` one turn at a time until `done` holds or `ms` milliseconds have passed (a timer on
// the same loop); returns done(). The loop must have something to wait for, or a turn blocks
// until the timer fires.
bool RunLoopUntil(uv_loop_t* loop, const std::function<bool()>& done, int ms = 5000);

}  // namespace paddock::testing
