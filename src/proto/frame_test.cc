// Proves the frame reader splits a byte stream into payloads however it is chunked, accepts a
// frame of exactly jute.maxbuffer bytes, and rejects negative and oversized lengths.
#include "proto/frame.h"

#include <gtest/gtest.h>

namespace paddock::proto {
namespace {

TEST(FrameReader, SplitsFramesDeliveredByteByByte) {
  std::string stream;
  AppendFrame(&stream, "abc");
  AppendFrame(&stream, "");
  AppendFrame(&stream, "hello");
  FrameReader r;
  std::vector<std::string> got;
  for (char c : stream) {
    r.Append(std::string_view(&c, 1));
    std::string_view p;
    while (r.Pop(&p) == FrameReader::Next::kFrame) got.emplace_back(p);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "", "hello"}));
}

TEST(FrameReader, AcceptsExactlyTheLimitAndRejectsOneMore) {
  FrameReader r(10);
  std::string stream;
  AppendFrame(&stream, std::string(10, 'x'));
  r.Append(stream);
  std::string_view p;
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  std::string big;
  AppendFrame(&big, std::string(11, 'x'));
  r.Append(big);
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kTooLarge);
}

TEST(FrameReader, RejectsNegativeLength) {
  FrameReader r;
  r.Append(std::string("\xff\xff\xff\xfe", 4));
  std::string_view p;
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kTooLarge);
}

TEST(FrameReader, PeekSeesFourLetterWords) {
  FrameReader r;
  r.Append("ruok");
  int32_t v = 0;
  ASSERT_TRUE(r.PeekInt(&v));
  EXPECT_EQ(v, 0x72756f6b);
}

}  // namespace
}  // namespace paddock::proto
