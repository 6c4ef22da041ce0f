// Proves that session passwords are HMAC-SHA256(ensemble secret, big-endian session id) cut to
// 16 bytes, as the design brief fixes (unlike ZooKeeper's java.util.Random password, reference
// §2.4, it cannot be derived from the id alone), and that CheckPassword accepts exactly that
// password: not another session's, not another secret's, not a truncated or padded one, and
// never one for session id 0. The expected bytes were computed independently with
// `openssl dgst -sha256 -mac HMAC`.
#include "session/password.h"

#include <gtest/gtest.h>

#include <string>

namespace paddock::session {
namespace {

std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

const std::string kSecret(kSecretBytes, 'k');

TEST(SessionPassword, IsSixteenBytes) {
  EXPECT_EQ(SessionPassword(kSecret, 0x0100000000000000).size(), kPasswordBytes);
  EXPECT_EQ(kPasswordBytes, 16u);
}

TEST(SessionPassword, IsTheHmacSha256OfTheBigEndianIdCutToSixteenBytes) {
  EXPECT_EQ(SessionPassword(kSecret, 0x0100000000000000),
            Unhex("a3571a648b9b70c735cf8301dccf9d3b"));
  EXPECT_EQ(SessionPassword(kSecret, 0x01000b2c3d4e0000),
            Unhex("5f439abf9f62d628b1c3cc6facc032de"));
}

TEST(SessionPassword, EncodesANegativeIdAsItsTwosComplementBytes) {
  EXPECT_EQ(SessionPassword("secret", -1), Unhex("b8ffc5630e4a7c2b1eb576b3908f37db"));
}

TEST(SessionPassword, IsTheSameEveryTimeForTheSameSecretAndId) {
  EXPECT_EQ(SessionPassword(kSecret, 42), SessionPassword(kSecret, 42));
}

TEST(SessionPassword, DiffersBetweenSessions) {
  EXPECT_NE(SessionPassword(kSecret, 0x0100000000000000),
            SessionPassword(kSecret, 0x0100000000000001));
}

TEST(SessionPassword, DiffersBetweenSecrets) {
  std::string other = kSecret;
  other[31] = 'j';
  EXPECT_NE(SessionPassword(kSecret, 7), SessionPassword(other, 7));
}

TEST(CheckPassword, AcceptsTheSessionsOwnPassword) {
  EXPECT_TRUE(CheckPassword(kSecret, 99, SessionPassword(kSecret, 99)));
}

TEST(CheckPassword, RejectsAPasswordWithOneBitFlipped) {
  for (size_t i = 0; i < kPasswordBytes; i++) {
    std::string p = SessionPassword(kSecret, 99);
    p[i] = static_cast<char>(p[i] ^ 0x01);
    EXPECT_FALSE(CheckPassword(kSecret, 99, p)) << "byte " << i;
  }
}

TEST(CheckPassword, RejectsAnotherSessionsPassword) {
  EXPECT_FALSE(CheckPassword(kSecret, 99, SessionPassword(kSecret, 100)));
}

TEST(CheckPassword, RejectsAPasswordMadeWithAnotherSecret) {
  EXPECT_FALSE(CheckPassword(kSecret, 99, SessionPassword("another secret", 99)));
}

TEST(CheckPassword, RejectsAnyLengthOtherThanSixteen) {
  std::string p = SessionPassword(kSecret, 99);
  EXPECT_FALSE(CheckPassword(kSecret, 99, ""));
  EXPECT_FALSE(CheckPassword(kSecret, 99, p.substr(0, 15)));
  EXPECT_FALSE(CheckPassword(kSecret, 99, p + '\0'));
}

TEST(CheckPassword, RejectsTheAllZeroPasswordOfANewSessionRequest) {
  EXPECT_FALSE(CheckPassword(kSecret, 99, std::string(16, '\0')));
}

TEST(CheckPassword, RejectsSessionIdZeroEvenWithItsComputedPassword) {
  EXPECT_FALSE(CheckPassword(kSecret, 0, SessionPassword(kSecret, 0)));
}

}  // namespace
}  // namespace paddock::session
