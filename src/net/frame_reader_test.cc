// Proves the frame reader splits a byte stream into payloads however it is chunked (byte by
// byte, or several frames in one read), accepts a frame of exactly its largest size, and
// refuses lengths outside its limits (too large, negative as an int32, or zero where a type
// byte is required) without consuming them. Borrowed bytes are decoded in place and what is
// left of them is kept; BytesWanted never asks for a byte past the frame being read. The
// writers produce the framing the reader reads.
#include "net/frame_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace paddock::net {
namespace {

constexpr FrameReader::Limits kClientPort{0, 0xfffff};

// Pops every whole frame.
std::vector<std::string> PopAll(FrameReader& r) {
  std::vector<std::string> got;
  std::string_view p;
  while (r.Pop(&p) == FrameReader::Next::kFrame) got.emplace_back(p);
  return got;
}

TEST(FrameReader, SplitsFramesDeliveredByteByByte) {
  std::string stream;
  AppendFrame(&stream, "abc");
  AppendFrame(&stream, "");
  AppendFrame(&stream, "hello");
  FrameReader r(kClientPort);
  std::vector<std::string> got;
  for (char c : stream) {
    r.Append(std::string_view(&c, 1));
    for (std::string& p : PopAll(r)) got.push_back(std::move(p));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "", "hello"}));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, SplitsSeveralFramesInOneRead) {
  std::string stream;
  AppendFrame(&stream, "one");
  AppendFrame(&stream, "two");
  AppendFrame(&stream, "three");
  stream += std::string("\0\0", 2);  // the start of a fourth
  FrameReader r(kClientPort);
  r.Append(stream);
  EXPECT_EQ(PopAll(r), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(r.buffered(), 2u);
  EXPECT_EQ(r.BytesWanted(), 2u);
}

TEST(FrameReader, AcceptsExactlyTheLimitAndRefusesOneMore) {
  FrameReader r({0, 10});
  std::string stream;
  AppendFrame(&stream, std::string(10, 'x'));
  r.Append(stream);
  std::string_view p;
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  std::string big;
  AppendFrame(&big, std::string(11, 'x'));
  r.Append(big);
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kBadLength);
  EXPECT_EQ(r.bad_length(), 11u);
  EXPECT_EQ(r.BytesWanted(), 0u);  // nothing more is worth reading
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kBadLength);  // and it stays refused
  EXPECT_EQ(r.buffered(), big.size());
}

TEST(FrameReader, RefusesANegativeLengthOnItsFourBytes) {
  FrameReader r(kClientPort);
  r.Append(std::string("\xff\xff\xff\xfe", 4));
  std::string_view p;
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kBadLength);
  EXPECT_EQ(static_cast<int32_t>(r.bad_length()), -2);
}

TEST(FrameReader, RefusesAnEmptyFrameWhereATypeByteIsRequired) {
  FrameReader r({1, 100});
  r.Append(std::string("\0\0\0\0", 4));
  std::string_view p;
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kBadLength);
  EXPECT_EQ(r.bad_length(), 0u);
}

TEST(FrameReader, NewLimitsApplyToTheNextFrame) {
  std::string stream;
  AppendFrame(&stream, 0x41, "hi");
  AppendFrame(&stream, 7, std::string(50, 'y'));
  FrameReader r({1, 10});
  r.Append(stream);
  std::string_view p;
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "\x41hi");  // the type byte is part of the payload
  EXPECT_EQ(r.Pop(&p), FrameReader::Next::kBadLength);
  r.set_limits({1, 1000});
  EXPECT_EQ(r.limits(), (FrameReader::Limits{1, 1000}));
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "\x07" + std::string(50, 'y'));
}

// A reader that must leave what follows a frame on the socket reads BytesWanted() at a time.
TEST(FrameReader, BytesWantedEndsAtTheFrameBeingRead) {
  std::string stream;
  AppendFrame(&stream, "abcdef");
  std::string after = "not ours";
  std::string wire = stream + after;
  FrameReader r(kClientPort);
  size_t at = 0;
  EXPECT_EQ(r.BytesWanted(), 4u);
  while (size_t want = r.BytesWanted()) {
    r.Append(wire.substr(at, std::min<size_t>(want, 3)));
    at += std::min<size_t>(want, 3);
  }
  EXPECT_EQ(at, stream.size());
  std::string_view p;
  ASSERT_EQ(r.Pop(&p), FrameReader::Next::kFrame);
  EXPECT_EQ(p, "abcdef");
  EXPECT_EQ(r.BytesWanted(), 4u);  // the next length
}

TEST(FrameReader, PeekSeesFourLetterWords) {
  FrameReader r(kClientPort);
  r.Append("ruok");
  int32_t v = 0;
  ASSERT_TRUE(r.PeekInt(&v));
  EXPECT_EQ(v, 0x72756f6b);
}

TEST(FrameReader, WritersFrameInPlaceAndAtOnce) {
  std::string a;
  size_t at = BeginFrame(&a);
  a += "payload";
  FinishFrame(&a, at);
  std::string b;
  AppendFrame(&b, "payload");
  EXPECT_EQ(a, b);
  EXPECT_EQ(b, std::string("\0\0\0\7payload", 11));
  std::string typed;
  AppendFrame(&typed, 4, "xy");
  EXPECT_EQ(typed, std::string("\0\0\0\3\4xy", 7));
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
  FrameReader r(kClientPort);
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
  FrameReader r(kClientPort);
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
}  // namespace paddock::net
