// Proves the entry framing that protects against libraft 0.15's unpadded-entry bug: every framed
// entry is a multiple of 8 bytes, round-trips exactly, and malformed framing is rejected.
#include "consensus/libraft_log.h"

#include <gtest/gtest.h>

namespace paddock::consensus {
namespace {

TEST(LibraftFraming, EveryEntryIsPaddedToEightBytesAndRoundTrips) {
  for (size_t n = 0; n < 40; n++) {
    std::string payload(n, 'a');
    std::string framed = LibraftLog::Frame(payload);
    EXPECT_EQ(framed.size() % 8, 0u) << n;
    std::string_view back;
    ASSERT_TRUE(LibraftLog::Unframe(framed, &back)) << n;
    EXPECT_EQ(back, payload);
  }
}

TEST(LibraftFraming, LengthLargerThanTheEntryIsRejected) {
  std::string framed = LibraftLog::Frame("abc");
  framed[3] = 100;
  std::string_view back;
  EXPECT_FALSE(LibraftLog::Unframe(framed, &back));
}

TEST(LibraftFraming, UnpaddedEntryIsRejected) {
  std::string_view back;
  EXPECT_FALSE(LibraftLog::Unframe(std::string("\0\0\0\1a", 5), &back));
}

}  // namespace
}  // namespace paddock::consensus
