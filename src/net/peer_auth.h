// PeerAuth: the handshake that opens every link between the members of an ensemble, on the
// peer channel (server/peers.h) and on Raft's port (consensus/auth_transport.h). Before a link
// carries anything, each side proves that it holds the ensemble's shared key
// (paddock.peerKeyFile), by mutual challenge-response with HMAC-SHA256 (RFC 2104):
//
//   initiator (it dialed)                             responder (it accepted)
//     Hello {version, purpose, id_i, id_r, nonce_i} ──►  version and purpose known, id_r is
//                                                        itself, id_i another member
//                      ◄── Challenge {id_r, nonce_r, mac_r = HMAC(key, "responder" 0 T)}
//     id_r is whom it dialed, mac_r verifies
//     Proof {mac_i = HMAC(key, "initiator" 0 T)}   ──►  mac_i verifies
//
//   T = "paddock-auth-1" 0 label 0 | id_i | id_r | nonce_i | nonce_r   (label "peer" or "raft")
//
// Why each part is there: both nonces are fresh per link, so a MAC recorded on one link does not
// verify on another (replay); the two role strings differ, so a responder's MAC sent back as an
// initiator's proof does not verify (reflection); the ids bind the proofs to the two members
// the link joins, and the label to one port, so a Raft handshake cannot open a peer link. The
// initiator may send data right after its proof (it has verified the responder); the responder
// reads data only after the proof verified. Either side closes a link that fails.
//
// Frames are [u32 length][u8 type][body], big-endian, length = 1 + body bytes: the peer
// channel's framing (net/frame_reader.h), with types of their own. The link's FrameReader, with
// kFrameLimits while the handshake runs, hands the frames to Read; after the handshake the same
// reader carries on with the link's own frames, so nothing past the handshake is lost or taken.
// Anything else that opens a link (libraft's own handshake, a bare peer kHello) fails on its
// first bytes. Bodies (integers big-endian):
//   Hello (0x41):     u8 version = 1, u8 purpose (1 peer, 2 raft), u64 id_i, u64 id_r, nonce_i[32]
//   Challenge (0x42): u64 id_r, nonce_r[32], mac_r[32]
//   Proof (0x43):     mac_i[32]
//
// What it does not do: after the handshake a link is plain TCP, so someone who can modify
// traffic on the path can still take over an established link (TLS would be the next step);
// and any holder of the key can claim any member id (every member holds the same key).
//
// Pure: no I/O and no clock (callers bound the handshake's time with kTimeoutMs); nonces are
// passed in. Thread-compatible value types.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "net/frame_reader.h"

namespace paddock::net {

// Which port a link is for; part of what both proofs cover.
enum class AuthPurpose : uint8_t { kPeer = 1, kRaft = 2 };

class PeerAuth {
 public:
  static constexpr size_t kKeyBytesMin = 16;
  static constexpr size_t kNonceBytes = 32;
  static constexpr size_t kMacBytes = 32;
  // The largest handshake frame, length field included: a Challenge, 77 bytes.
  static constexpr size_t kFrameBytesMax = 4 + 1 + 8 + kNonceBytes + kMacBytes;
  // What a handshake frame's payload (type byte and body) may be: the limits of a link's
  // FrameReader while its handshake runs.
  static constexpr FrameReader::Limits kFrameLimits{1, kFrameBytesMax - 4};
  // Callers close a link whose handshake has not finished after this long: a peer that stalls
  // (or a port scanner that says nothing) must not hold a link open. Loopback takes well under
  // a millisecond; a slow WAN a few round trips.
  static constexpr uint64_t kTimeoutMs = 5000;
  using Nonce = std::array<uint8_t, kNonceBytes>;

  enum class State { kRunning, kDone, kFailed };

  // The side that connected to member `peer`. Its Hello is ready in TakeOutput() at once.
  // REQUIRES: key.size() >= kKeyBytesMin; self != 0, peer != 0, self != peer.
  static PeerAuth Initiator(std::string_view key, AuthPurpose purpose, uint64_t self,
                            uint64_t peer, const Nonce& nonce);
  // The side that accepted a connection. An initiator is admitted only if it claims an id in
  // `members` other than `self`.
  // REQUIRES: key.size() >= kKeyBytesMin; self != 0.
  static PeerAuth Responder(std::string_view key, AuthPurpose purpose, uint64_t self,
                            std::set<uint64_t> members, const Nonce& nonce);
  // A fresh random nonce (OpenSSL's RAND_bytes; asserts that it worked).
  static Nonce FreshNonce();

  // The bytes to write to the link now (may be empty); clears them.
  std::string TakeOutput();
  // Hands the whole frames buffered in `frames` to Receive, one at a time, while the handshake
  // runs, and stops at its end: the frames after it stay in `frames`, for the link. A length
  // outside kFrameLimits fails the handshake. REQUIRES: frames->limits() == kFrameLimits.
  void Read(FrameReader* frames);
  // One handshake frame's payload: its type byte, then its body. Ignored unless running.
  void Receive(std::string_view payload);

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // Why the handshake failed, for the log. REQUIRES: failed().
  const std::string& error() const;
  // The member on the other end: for an initiator the one it dialed, for a responder the one
  // that proved itself. REQUIRES: done().
  uint64_t peer_id() const;

 private:
  enum class Role { kInitiator, kResponder };
  PeerAuth(Role role, std::string_view key, AuthPurpose purpose, uint64_t self,
           const Nonce& nonce);
  void FailLength(size_t payload_bytes);
  void OnMessage(uint8_t type, std::string_view body);
  void OnHello(std::string_view body);
  void OnChallenge(std::string_view body);
  void OnProof(std::string_view body);
  void Fail(std::string why);
  // HMAC(key, role-string 0 T) over this link's transcript.
  std::array<uint8_t, kMacBytes> Mac(std::string_view role) const;

  Role role_;
  std::string key_;
  AuthPurpose purpose_;
  uint64_t self_;
  std::set<uint64_t> members_;  // responder: who may connect
  uint64_t id_i_ = 0;
  uint64_t id_r_ = 0;
  Nonce nonce_i_{};
  Nonce nonce_r_{};
  State state_ = State::kRunning;
  uint8_t expected_type_ = 0;
  std::string out_;  // bytes to write
  std::string error_;
};

// Which refused links get a warning in the log. A member with a wrong key retries its links
// several times a second, and each try fails on both sides: the first refusal for each (remote
// host, reason) is a warning, then at most one per kWindowMs carrying how many were not warned
// about since; the callers log the others at debug level. Pure (time passed in); bounded: past
// kKeysMax pairs it starts over.
class RefusalThrottle {
 public:
  static constexpr uint64_t kWindowMs = 60000;
  static constexpr size_t kKeysMax = 256;

  // True if this refusal deserves a warning; then *repeats is how many refusals of the same
  // pair were not warned about since the last warning.
  bool Warn(const std::string& host, const std::string& reason, uint64_t now_ms,
            uint64_t* repeats);

 private:
  struct Entry {
    uint64_t warned_ms = 0;
    uint64_t repeats = 0;
  };
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

// "a.b.c.d:port" or "[v6]:port" of a socket address, for log lines; "?" if it is neither.
std::string AddressText(const sockaddr* addr);

}  // namespace paddock::net
