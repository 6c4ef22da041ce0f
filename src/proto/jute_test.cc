// Proves the jute primitives match ZooKeeper's BinaryOutputArchive byte for byte, that null and
// empty buffers round-trip distinctly, and that the reader fails (and stays failed) on truncated
// input and on lengths out of range.
#include "proto/jute.h"

#include <gtest/gtest.h>

namespace paddock::proto {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string h;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    h.push_back(d[c >> 4]);
    h.push_back(d[c & 15]);
  }
  return h;
}

TEST(Jute, IntAndLongAreBigEndian) {
  std::string out;
  JuteWriter w(&out);
  w.Int(-2);
  w.Long(0x0102030405060708);
  EXPECT_EQ(Hex(out), "fffffffe0102030405060708");
}

TEST(Jute, NullBufferIsMinusOneAndEmptyIsZero) {
  std::string out;
  JuteWriter w(&out);
  w.Buf(std::nullopt);
  w.Buf(std::string());
  EXPECT_EQ(Hex(out), "ffffffff00000000");
  JuteReader r(out);
  Buffer a, b;
  ASSERT_TRUE(r.Buf(&a));
  ASSERT_TRUE(r.Buf(&b));
  EXPECT_FALSE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->empty());
  EXPECT_TRUE(r.AtEnd());
}

TEST(Jute, TruncatedInputFailsAndStaysFailed) {
  std::string out;
  JuteWriter w(&out);
  w.String("hello");
  out.pop_back();
  JuteReader r(out);
  std::string s;
  EXPECT_FALSE(r.String(&s));
  int32_t v = 0;
  EXPECT_FALSE(r.Int(&v));
  EXPECT_FALSE(r.ok());
}

TEST(Jute, NegativeLengthOtherThanNullIsRejected) {
  std::string out;
  JuteWriter w(&out);
  w.Int(-2);
  JuteReader r(out);
  Buffer b;
  EXPECT_FALSE(r.Buf(&b));
}

TEST(Jute, LengthOverTheLimitIsRejected) {
  std::string out;
  JuteWriter w(&out);
  w.String(std::string(100, 'x'));
  JuteReader r(out, 99);
  std::string s;
  EXPECT_FALSE(r.String(&s));
  JuteReader r2(out, 100);
  EXPECT_TRUE(r2.String(&s));
}

TEST(Jute, VectorCountLargerThanInputIsRejected) {
  std::string out;
  JuteWriter w(&out);
  w.Int(1000);
  JuteReader r(out);
  std::vector<std::string> v;
  EXPECT_FALSE(r.StringVector(&v));
}

}  // namespace
}  // namespace paddock::proto
