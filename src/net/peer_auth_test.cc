// Proves the members' handshake (net/peer_auth.h) without sockets: an initiator and a responder
// pass their output to each other through a FrameReader, as a link does, with fixed nonces so
// that a run can be replayed. Checked: the same key opens the link both ways and takes no frame
// past the handshake, and a reader fed one byte at a time reads nothing past it; a wrong key
// fails on each side; a proof or challenge recorded on one link fails on another (replay); a
// responder's MAC sent back as a proof fails (reflection); wrong or unknown member ids and the
// wrong port fail; truncated, oversized and foreign frames (libraft's handshake, a bare peer
// kHello) fail on their first bytes. Also the throttle that
// keeps a retrying member with a wrong key from flooding the log, and the address text.
#include "net/peer_auth.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace paddock::net {
namespace {

const std::string kKey = "0123456789abcdef-the-ensemble-key";
const std::string kOtherKey = "fedcba9876543210-another-key";

PeerAuth::Nonce NonceOf(uint8_t seed) {
  PeerAuth::Nonce n{};
  for (size_t i = 0; i < n.size(); i++) n[i] = static_cast<uint8_t>(seed + i);
  return n;
}

PeerAuth Dial(uint64_t self, uint64_t peer, const std::string& key = kKey, uint8_t seed = 1,
              AuthPurpose purpose = AuthPurpose::kPeer) {
  return PeerAuth::Initiator(key, purpose, self, peer, NonceOf(seed));
}

PeerAuth Accept(uint64_t self, const std::string& key = kKey, uint8_t seed = 100,
                AuthPurpose purpose = AuthPurpose::kPeer) {
  return PeerAuth::Responder(key, purpose, self, {1, 2, 3}, NonceOf(seed));
}

// Hands `wire` to `side` through a reader of its own, as a link does; returns how many bytes
// the handshake took (what is left in the reader belongs to whatever follows on the link).
size_t Feed(PeerAuth& side, std::string_view wire) {
  FrameReader frames(PeerAuth::kFrameLimits);
  frames.Append(wire);
  side.Read(&frames);
  return wire.size() - frames.buffered();
}

// Passes output between the two sides until neither has anything to say.
void Exchange(PeerAuth& initiator, PeerAuth& responder) {
  for (int round = 0; round < 3; round++) {
    std::string to_r = initiator.TakeOutput();
    size_t used = Feed(responder, to_r);
    if (!responder.failed()) {
      EXPECT_EQ(used, to_r.size());
    }
    Feed(initiator, responder.TakeOutput());
  }
}

// Feeds `wire` to `side` through `frames` as a reader that must not take bytes past the
// handshake does: one byte at a time, only while the frame being read wants more and the
// handshake runs. Returns how many bytes it read.
size_t FeedByteByByte(PeerAuth& side, FrameReader& frames, const std::string& wire) {
  size_t at = 0;
  while (side.state() == PeerAuth::State::kRunning && frames.BytesWanted() > 0 &&
         at < wire.size()) {
    frames.Append(wire.substr(at, 1));
    side.Read(&frames);
    at++;
  }
  return at;
}

// [u32 length][u8 type][body]
std::string Frame(uint8_t type, const std::string& body) {
  std::string f;
  AppendFrame(&f, type, body);
  return f;
}

TEST(PeerAuthTest, TheSameKeyOpensTheLinkBothWays) {
  PeerAuth i = Dial(1, 2);
  PeerAuth r = Accept(2);
  Exchange(i, r);
  ASSERT_TRUE(i.done());
  ASSERT_TRUE(r.done());
  EXPECT_EQ(i.peer_id(), 2u);
  EXPECT_EQ(r.peer_id(), 1u);
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

// The bytes on the wire, pinned: the MACs were computed independently with Python's hmac
// module over the transcript the header describes, so a change of layout or of what the MACs
// cover shows here (and would break tests/integration/peer_auth_test.py's own initiator).
TEST(PeerAuthTest, TheWireFormatIsPinned) {
  PeerAuth i = Dial(1, 2, kKey, 1);
  PeerAuth r = Accept(2, kKey, 100);
  std::string hello = i.TakeOutput();
  EXPECT_EQ(Hex(hello),
            "0000003341" "0101" "0000000000000001" "0000000000000002"
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  Feed(r, hello);
  std::string challenge = r.TakeOutput();
  ASSERT_EQ(challenge.size(), 77u);
  EXPECT_EQ(Hex(challenge.substr(0, 13)), "0000004942" "0000000000000002");
  EXPECT_EQ(Hex(challenge.substr(45)),
            "49d7ce06c7acabee34f3f4b9361c2a7f782b421845139b9276adad01fdecfd69");
  Feed(i, challenge);
  std::string proof = i.TakeOutput();
  EXPECT_EQ(Hex(proof), "0000002143"
                        "76c2bce4ce7886f817058b7f2d0a21a4c4a06192d2b47000c3012bcb9859e405");
}

TEST(PeerAuthTest, FramesAfterTheProofAreLeftInTheReader) {
  PeerAuth i = Dial(3, 1);
  PeerAuth r = Accept(1);
  ASSERT_EQ(Feed(r, i.TakeOutput()), 55u);
  Feed(i, r.TakeOutput());
  ASSERT_TRUE(i.done());
  std::string after;
  AppendFrame(&after, 4, "a frame of the link");
  FrameReader frames(PeerAuth::kFrameLimits);
  frames.Append(i.TakeOutput() + after);
  r.Read(&frames);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(frames.buffered(), after.size());
  r.Read(&frames);  // done: takes nothing more
  EXPECT_EQ(frames.buffered(), after.size());
  frames.set_limits({1, 1000});  // the link's own frames from here
  std::string_view payload;
  ASSERT_EQ(frames.Pop(&payload), FrameReader::Next::kFrame);
  EXPECT_EQ(payload, "\x04" "a frame of the link");
}

TEST(PeerAuthTest, OneByteAtATimeNeverReadsPastTheHandshake) {
  // "X": bytes after the handshake, which a reader asking BytesWanted() leaves on the socket.
  PeerAuth i = Dial(1, 3, kKey, 7, AuthPurpose::kRaft);
  PeerAuth r = Accept(3, kKey, 9, AuthPurpose::kRaft);
  FrameReader i_frames(PeerAuth::kFrameLimits);
  FrameReader r_frames(PeerAuth::kFrameLimits);
  std::string hello = i.TakeOutput();
  EXPECT_EQ(FeedByteByByte(r, r_frames, hello), hello.size());
  EXPECT_EQ(r_frames.BytesWanted(), 4u);  // the proof's length comes next
  std::string challenge = r.TakeOutput();
  ASSERT_FALSE(challenge.empty());
  EXPECT_EQ(FeedByteByByte(i, i_frames, challenge + "X"), challenge.size());
  ASSERT_TRUE(i.done());
  EXPECT_EQ(i_frames.buffered(), 0u);
  std::string proof = i.TakeOutput();
  EXPECT_EQ(FeedByteByByte(r, r_frames, proof + "XX"), proof.size());
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r_frames.buffered(), 0u);
  EXPECT_EQ(r.peer_id(), 1u);
}

TEST(PeerAuthTest, AWrongKeyFailsAtTheInitiatorAndNoProofLeaves) {
  PeerAuth i = Dial(1, 2, kOtherKey);
  PeerAuth r = Accept(2);
  Feed(r, i.TakeOutput());
  Feed(i, r.TakeOutput());
  ASSERT_TRUE(i.failed());
  EXPECT_NE(i.error().find("wrong key"), std::string::npos) << i.error();
  EXPECT_TRUE(i.TakeOutput().empty());
  EXPECT_FALSE(r.done());
}

TEST(PeerAuthTest, AProofUnderAnotherKeyFailsAtTheResponder) {
  // Same nonces, so the only difference the responder can see is the key.
  PeerAuth i = Dial(1, 2, kOtherKey, 1);
  PeerAuth accomplice = Accept(2, kOtherKey, 100);
  PeerAuth r = Accept(2, kKey, 100);
  std::string hello = i.TakeOutput();
  Feed(accomplice, hello);
  Feed(i, accomplice.TakeOutput());
  ASSERT_TRUE(i.done());
  Feed(r, hello);
  r.TakeOutput();
  Feed(r, i.TakeOutput());
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().find("wrong key"), std::string::npos) << r.error();
}

TEST(PeerAuthTest, AReplayedProofFailsOnANewLink) {
  PeerAuth i = Dial(1, 2);
  PeerAuth r1 = Accept(2, kKey, 100);
  std::string hello = i.TakeOutput();
  Feed(r1, hello);
  Feed(i, r1.TakeOutput());
  std::string proof = i.TakeOutput();
  Feed(r1, proof);
  ASSERT_TRUE(r1.done());
  PeerAuth r2 = Accept(2, kKey, 101);  // the next link: a fresh challenge nonce
  Feed(r2, hello);
  Feed(r2, proof);
  ASSERT_TRUE(r2.failed());
  EXPECT_NE(r2.error().find("wrong key"), std::string::npos) << r2.error();
}

TEST(PeerAuthTest, AReplayedChallengeFailsOnANewLink) {
  PeerAuth i1 = Dial(1, 2, kKey, 1);
  PeerAuth r = Accept(2);
  Feed(r, i1.TakeOutput());
  std::string challenge = r.TakeOutput();
  PeerAuth i2 = Dial(1, 2, kKey, 2);  // the next link: a fresh nonce
  Feed(i2, challenge);
  ASSERT_TRUE(i2.failed());
  EXPECT_NE(i2.error().find("wrong key"), std::string::npos) << i2.error();
}

TEST(PeerAuthTest, AResponderMacReflectedAsTheProofFails) {
  PeerAuth i = Dial(1, 2);
  PeerAuth r = Accept(2);
  Feed(r, i.TakeOutput());
  std::string challenge = r.TakeOutput();
  std::string mac_r = challenge.substr(5 + 8 + PeerAuth::kNonceBytes);
  ASSERT_EQ(mac_r.size(), PeerAuth::kMacBytes);
  Feed(r, Frame(0x43, mac_r));
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().find("wrong key"), std::string::npos) << r.error();
}

TEST(PeerAuthTest, AChallengeReflectedToItsResponderFails) {
  PeerAuth i = Dial(1, 2);
  PeerAuth r = Accept(2);
  Feed(r, i.TakeOutput());
  Feed(r, r.TakeOutput());
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().find("expected a proof"), std::string::npos) << r.error();
}

TEST(PeerAuthTest, AHelloForAnotherMemberFails) {
  PeerAuth i = Dial(1, 2);
  PeerAuth r = Accept(3);
  Feed(r, i.TakeOutput());
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error(), "hello for member 2, this is member 3");
  EXPECT_TRUE(r.TakeOutput().empty());
}

TEST(PeerAuthTest, AnUnknownMemberIdFails) {
  PeerAuth r = Accept(2);
  Feed(r, Dial(7, 2).TakeOutput());
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error(), "claims member id 7, not another member of this ensemble");
}

TEST(PeerAuthTest, AnInitiatorClaimingTheRespondersOwnIdFails) {
  std::string hello = Dial(3, 2).TakeOutput();
  hello[5 + 2 + 7] = 2;  // id_i's low byte: 3 -> 2, the responder's own id
  PeerAuth r = Accept(2);
  Feed(r, hello);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error(), "claims member id 2, not another member of this ensemble");
}

TEST(PeerAuthTest, AnAnswerFromAnotherMemberFailsAtTheInitiator) {
  PeerAuth i = Dial(1, 2, kKey, 1);
  PeerAuth r3 = Accept(3);
  Feed(r3, Dial(1, 3, kKey, 1).TakeOutput());  // member 3 answering at member 2's address
  Feed(i, r3.TakeOutput());
  ASSERT_TRUE(i.failed());
  EXPECT_EQ(i.error(), "dialed member 2, member 3 answered");
}

TEST(PeerAuthTest, AHandshakeForTheOtherPortFails) {
  PeerAuth i = Dial(1, 2, kKey, 1, AuthPurpose::kRaft);
  PeerAuth r = Accept(2, kKey, 100, AuthPurpose::kPeer);
  Feed(r, i.TakeOutput());
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().find("another port"), std::string::npos) << r.error();
}

TEST(PeerAuthTest, TruncatedAndOversizedFramesFail) {
  std::string hello = Dial(1, 2).TakeOutput();
  std::string body = hello.substr(5);
  {
    PeerAuth r = Accept(2);
    Feed(r, Frame(0x41, body.substr(0, body.size() - 1)));  // one byte short, framed as whole
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.error(), "hello of 49 bytes, expected 50");
  }
  {
    PeerAuth r = Accept(2);
    Feed(r, Frame(0x41, body + "x"));  // one byte too many
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.error(), "hello of 51 bytes, expected 50");
  }
  {
    PeerAuth r = Accept(2);
    FrameReader frames(PeerAuth::kFrameLimits);
    frames.Append(Frame(0x41, std::string(1000, 'x')).substr(0, 4));
    r.Read(&frames);  // refused on the length: the rest is never waited for
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.error(), "frame length 1001 out of range: not a Paddock handshake (an older "
                         "member, or not a member)");
    EXPECT_EQ(frames.BytesWanted(), 0u);
  }
  {
    PeerAuth r = Accept(2);
    Feed(r, std::string("\0\0\0\0", 4));  // length 0: not even a type byte
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.error().find("frame length 0 out of range"), std::string::npos) << r.error();
  }
  {
    PeerAuth r = Accept(2);
    r.Receive("");  // a whole message handed over directly is checked the same way
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.error().find("frame length 0 out of range"), std::string::npos) << r.error();
  }
  {
    PeerAuth r = Accept(2);
    FrameReader frames(PeerAuth::kFrameLimits);
    frames.Append(hello.substr(0, 20));  // a stream cut short waits; the caller's timeout ends it
    r.Read(&frames);
    EXPECT_EQ(r.state(), PeerAuth::State::kRunning);
    EXPECT_EQ(frames.BytesWanted(), hello.size() - 20);
  }
}

TEST(PeerAuthTest, ForeignFirstBytesFail) {
  {
    // libraft 0.15's TCP handshake: u64 protocol 1, little-endian.
    PeerAuth r = Accept(2, kKey, 100, AuthPurpose::kRaft);
    Feed(r, std::string("\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0", 16));
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.error().find("not a Paddock handshake"), std::string::npos) << r.error();
  }
  {
    // The peer channel's kHello without the handshake: [len 5][type 1][i32 id].
    PeerAuth r = Accept(2);
    Feed(r, Frame(1, std::string("\0\0\0\x01", 4)));
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.error(), "expected a hello, got frame type 1 (not a Paddock handshake)");
  }
}

TEST(RefusalThrottleTest, WarnsOncePerHostAndReasonAWindowThenCountsTheRest) {
  RefusalThrottle t;
  uint64_t repeats = 99;
  ASSERT_TRUE(t.Warn("10.0.0.3", "wrong key", 1000, &repeats));
  EXPECT_EQ(repeats, 0u);
  EXPECT_FALSE(t.Warn("10.0.0.3", "wrong key", 1200, &repeats));
  EXPECT_FALSE(t.Warn("10.0.0.3", "wrong key", 1400, &repeats));
  EXPECT_TRUE(t.Warn("10.0.0.3", "timed out", 1400, &repeats));   // another reason
  EXPECT_TRUE(t.Warn("10.0.0.4", "wrong key", 1400, &repeats));   // another host
  ASSERT_TRUE(t.Warn("10.0.0.3", "wrong key", 1000 + RefusalThrottle::kWindowMs, &repeats));
  EXPECT_EQ(repeats, 2u);
}

TEST(RefusalThrottleTest, StaysBoundedByStartingOver) {
  RefusalThrottle t;
  uint64_t repeats = 0;
  for (size_t i = 0; i < 3 * RefusalThrottle::kKeysMax; i++) {
    EXPECT_TRUE(t.Warn("host" + std::to_string(i), "r", 5, &repeats));
  }
  // The pairs seen long ago were forgotten: a warning again, not a silent repeat.
  EXPECT_TRUE(t.Warn("host0", "r", 6, &repeats));
}

TEST(AddressTextTest, NamesIpv4AndIpv6Endpoints) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(2888);
  v4.sin_addr.s_addr = htonl(0x7f000001);
  EXPECT_EQ(AddressText(reinterpret_cast<sockaddr*>(&v4)), "127.0.0.1:2888");
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(3888);
  v6.sin6_addr = in6addr_loopback;
  EXPECT_EQ(AddressText(reinterpret_cast<sockaddr*>(&v6)), "[::1]:3888");
}

}  // namespace
}  // namespace paddock::net
