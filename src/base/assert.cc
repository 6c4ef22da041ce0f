#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace paddock::internal {

void AssertFail(const char* expr, const char* file, int line, const char* message) {
  std::fprintf(stderr, "paddock: assertion failed: %s at %s:%d %s\n", expr, file, line, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace paddock::internal
