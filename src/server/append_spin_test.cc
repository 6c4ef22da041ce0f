#include "server/append_spin.h"

#include <gtest/gtest.h>

namespace paddock::server {
namespace {

TEST(AppendSpin, SpinsOnlyWhileAnAppendIsInFlightAndInsideTheWindow) {
  AppendSpin spin{200};
  EXPECT_TRUE(spin.ShouldSpin(1, 0));
  EXPECT_TRUE(spin.ShouldSpin(3, 199));
  EXPECT_FALSE(spin.ShouldSpin(1, 200));    // the window ran out: sleep until the eventfd
  EXPECT_FALSE(spin.ShouldSpin(0, 10));     // nothing on its way to disk
  EXPECT_FALSE(spin.ShouldSpin(1, -1));     // no append ever submitted
}

TEST(AppendSpin, AZeroWindowNeverSpins) {
  AppendSpin spin{0};
  EXPECT_FALSE(spin.ShouldSpin(1, 0));
  EXPECT_FALSE(spin.ShouldSpin(5, 1));
}

}  // namespace
}  // namespace paddock::server
