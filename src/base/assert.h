// PADDOCK_ASSERT: programmer errors crash loudly, always, in every build type.
//
// Use it for invariants, preconditions and postconditions. Protocol errors and operating errors
// are never asserted: they are proto::Err values and Statuses. PADDOCK_DASSERT is for expensive
// checks and is compiled only into debug and sanitizer builds.
#pragma once

namespace paddock::internal {
[[noreturn]] void AssertFail(const char* expr, const char* file, int line, const char* message);
}  // namespace paddock::internal

#define PADDOCK_ASSERT(cond)                                                 \
  do {                                                                       \
    if (!(cond)) ::paddock::internal::AssertFail(#cond, __FILE__, __LINE__, ""); \
  } while (0)

#define PADDOCK_ASSERT_MSG(cond, msg)                                           \
  do {                                                                          \
    if (!(cond)) ::paddock::internal::AssertFail(#cond, __FILE__, __LINE__, msg); \
  } while (0)

#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
#define PADDOCK_DASSERT(cond) \
  do {                        \
  } while (0)
#else
#define PADDOCK_DASSERT(cond) PADDOCK_ASSERT(cond)
#endif
