#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

#include "base/log.h"

namespace paddock::internal {

void AssertFail(const char* expr, const char* file, int line, const char* message) {
  log::Flush();  // the lines that led here
  std::fprintf(stderr, "paddock: assertion failed: %s at %s:%d %s\n", expr, file, line, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace paddock::internal
