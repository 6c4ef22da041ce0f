#include "testing/uv_loop.h"

#include <cstdint>

namespace paddock::testing {

bool RunLoopUntil(uv_loop_t* loop, const std::function<bool()>& done, int ms) {
  uv_timer_t t;
  uv_timer_init(loop, &t);
  bool expired = false;
  t.data = &expired;
  uv_timer_start(&t, [](uv_timer_t* h) { *static_cast<bool*>(h->data) = true; },
                 static_cast<uint64_t>(ms), 0);
  while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  uv_close(reinterpret_cast<uv_handle_t*>(&t), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);  // the timer's close completes
  return done();
}

}  // namespace paddock::testing
