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


// Borrowed bytes are decoded in place; what is left of them is copied by Keep() before the
// caller reuses its buffer, and frames split across reads come out whole and intact.
TEST(FrameReaderBorrow, WholeFramesInPlaceAndTheRestKept) {
  std::string wire;
  AppendFrame(&wire, "first");
  AppendFrame(&wire, "second");
  AppendFrame(&wire, "third");
  size_t cut = wire.size() - 3;  // inside the third frame
  std::string read1 = wire.substr(0, cut);
  FrameReader r;
  r.Borrow(read1);
  std::string_view p;
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "first");
  EXPECT_EQ(p.data(), read1.data() + 4);  // no copy
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "second");
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kNeedMore);
  r.Keep();
  read1.assign(read1.size(), 'X');  // the caller reuses its buffer
  std::string read2 = wire.substr(cut);
  r.Borrow(read2);
  r.Keep();
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "third");
  EXPECT_EQ(r.buffered(), 0u);
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kNeedMore);
}

TEST(FrameReaderBorrow, AppendAfterBorrowKeepsTheOrder) {
  std::string wire;
  AppendFrame(&wire, "abcdef");
  FrameReader r;
  r.Borrow(std::string_view(wire).substr(0, 5));
  r.Append(std::string_view(wire).substr(5));
  std::string_view p;
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "abcdef");
  int32_t word = 0;
  r.Borrow("ruok");
  ASSERT_TRUE(r.PeekInt(&word));
  EXPECT_EQ(word, 0x72756f6b);
}

}  // namespace
}  // namespace paddock::proto
