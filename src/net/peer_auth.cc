#include "net/peer_auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <utility>

#include "base/assert.h"

namespace paddock::net {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kHello = 0x41;
constexpr uint8_t kChallenge = 0x42;
constexpr uint8_t kProof = 0x43;
constexpr size_t kHelloBytes = 1 + 1 + 8 + 8 + PeerAuth::kNonceBytes;
constexpr size_t kChallengeBytes = 8 + PeerAuth::kNonceBytes + PeerAuth::kMacBytes;
constexpr size_t kProofBytes = PeerAuth::kMacBytes;
static_assert(4 + 1 + kChallengeBytes == PeerAuth::kFrameBytesMax);

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; i--) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetU64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

void PutBytes(std::string* out, const uint8_t* p, size_t n) {
  out->append(reinterpret_cast<const char*>(p), n);
}

std::string Frame(uint8_t type, std::string_view body) {
  std::string f;
  AppendFrame(&f, type, body);
  PADDOCK_ASSERT(f.size() <= PeerAuth::kFrameBytesMax);
  return f;
}

const char* Label(AuthPurpose purpose) { return purpose == AuthPurpose::kRaft ? "raft" : "peer"; }

const char* TypeName(uint8_t type) {
  switch (type) {
    case kHello: return "hello";
    case kChallenge: return "challenge";
    case kProof: return "proof";
    default: return "unknown";
  }
}

bool SameMac(const std::array<uint8_t, PeerAuth::kMacBytes>& expected, std::string_view got) {
  return got.size() == expected.size() &&
         CRYPTO_memcmp(expected.data(), got.data(), expected.size()) == 0;
}

}  // namespace

PeerAuth::PeerAuth(Role role, std::string_view key, AuthPurpose purpose, uint64_t self,
                   const Nonce& nonce)
    : role_(role), key_(key), purpose_(purpose), self_(self) {
  PADDOCK_ASSERT(key.size() >= kKeyBytesMin);
  PADDOCK_ASSERT(self != 0);
  (role == Role::kInitiator ? nonce_i_ : nonce_r_) = nonce;
}

PeerAuth PeerAuth::Initiator(std::string_view key, AuthPurpose purpose, uint64_t self,
                             uint64_t peer, const Nonce& nonce) {
  PADDOCK_ASSERT(peer != 0 && peer != self);
  PeerAuth a(Role::kInitiator, key, purpose, self, nonce);
  a.id_i_ = self;
  a.id_r_ = peer;
  std::string body;
  body.push_back(static_cast<char>(kVersion));
  body.push_back(static_cast<char>(purpose));
  PutU64(&body, self);
  PutU64(&body, peer);
  PutBytes(&body, a.nonce_i_.data(), a.nonce_i_.size());
  PADDOCK_ASSERT(body.size() == kHelloBytes);
  a.out_ = Frame(kHello, body);
  a.expected_type_ = kChallenge;
  return a;
}

PeerAuth PeerAuth::Responder(std::string_view key, AuthPurpose purpose, uint64_t self,
                             std::set<uint64_t> members, const Nonce& nonce) {
  PeerAuth a(Role::kResponder, key, purpose, self, nonce);
  a.id_r_ = self;
  a.members_ = std::move(members);
  a.expected_type_ = kHello;
  return a;
}

PeerAuth::Nonce PeerAuth::FreshNonce() {
  Nonce n{};
  PADDOCK_ASSERT(RAND_bytes(n.data(), static_cast<int>(n.size())) == 1);
  return n;
}

std::string PeerAuth::TakeOutput() { return std::exchange(out_, std::string()); }

void PeerAuth::Read(FrameReader* frames) {
  PADDOCK_ASSERT(frames->limits() == kFrameLimits);
  std::string_view payload;
  while (state_ == State::kRunning) {
    FrameReader::Next next = frames->Pop(&payload);
    if (next == FrameReader::Next::kNeedMore) return;
    if (next == FrameReader::Next::kBadLength) return FailLength(frames->bad_length());
    Receive(payload);
  }
}

void PeerAuth::Receive(std::string_view payload) {
  if (state_ != State::kRunning) return;
  if (payload.size() < kFrameLimits.payload_bytes_min ||
      payload.size() > kFrameLimits.payload_bytes_max) {
    return FailLength(payload.size());
  }
  OnMessage(static_cast<uint8_t>(payload[0]), payload.substr(1));
}

void PeerAuth::FailLength(size_t payload_bytes) {
  Fail("frame length " + std::to_string(payload_bytes) +
       " out of range: not a Paddock handshake (an older member, or not a member)");
}

void PeerAuth::OnMessage(uint8_t type, std::string_view body) {
  if (type != expected_type_) {
    Fail(std::string("expected a ") + TypeName(expected_type_) + ", got frame type " +
         std::to_string(type) + (expected_type_ == kHello ? " (not a Paddock handshake)" : ""));
    return;
  }
  size_t want = type == kHello ? kHelloBytes : (type == kChallenge ? kChallengeBytes : kProofBytes);
  if (body.size() != want) {
    Fail(std::string(TypeName(type)) + " of " + std::to_string(body.size()) +
         " bytes, expected " + std::to_string(want));
    return;
  }
  if (type == kHello) {
    OnHello(body);
  } else if (type == kChallenge) {
    OnChallenge(body);
  } else {
    OnProof(body);
  }
}

void PeerAuth::OnHello(std::string_view body) {
  auto version = static_cast<uint8_t>(body[0]);
  auto purpose = static_cast<uint8_t>(body[1]);
  id_i_ = GetU64(body.substr(2));
  uint64_t to = GetU64(body.substr(10));
  if (version != kVersion) {
    return Fail("handshake version " + std::to_string(version) + " not supported (this is " +
                std::to_string(kVersion) + ")");
  }
  if (purpose != static_cast<uint8_t>(purpose_)) {
    return Fail("a handshake for another port (purpose " + std::to_string(purpose) +
                "; this is the " + Label(purpose_) + " port)");
  }
  if (to != self_) {
    return Fail("hello for member " + std::to_string(to) + ", this is member " +
                std::to_string(self_));
  }
  if (id_i_ == self_ || members_.count(id_i_) == 0) {
    return Fail("claims member id " + std::to_string(id_i_) +
                ", not another member of this ensemble");
  }
  std::memcpy(nonce_i_.data(), body.data() + 18, kNonceBytes);
  auto mac = Mac("responder");
  std::string out;
  PutU64(&out, self_);
  PutBytes(&out, nonce_r_.data(), nonce_r_.size());
  PutBytes(&out, mac.data(), mac.size());
  out_ += Frame(kChallenge, out);
  expected_type_ = kProof;
}

void PeerAuth::OnChallenge(std::string_view body) {
  uint64_t from = GetU64(body);
  if (from != id_r_) {
    return Fail("dialed member " + std::to_string(id_r_) + ", member " + std::to_string(from) +
                " answered");
  }
  std::memcpy(nonce_r_.data(), body.data() + 8, kNonceBytes);
  if (!SameMac(Mac("responder"), body.substr(8 + kNonceBytes))) {
    return Fail("wrong key: the other side's proof does not verify (is paddock.peerKeyFile "
                "the same on every member?)");
  }
  auto mac = Mac("initiator");
  out_ += Frame(kProof, std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  state_ = State::kDone;
}

void PeerAuth::OnProof(std::string_view body) {
  if (!SameMac(Mac("initiator"), body)) {
    return Fail("wrong key: the other side's proof does not verify (is paddock.peerKeyFile "
                "the same on every member?)");
  }
  state_ = State::kDone;
}

void PeerAuth::Fail(std::string why) {
  state_ = State::kFailed;
  error_ = std::move(why);
  out_.clear();  // nothing more goes to a link that failed
}

std::array<uint8_t, PeerAuth::kMacBytes> PeerAuth::Mac(std::string_view role) const {
  std::string msg(role);
  msg.push_back('\0');
  msg += "paddock-auth-1";
  msg.push_back('\0');
  msg += Label(purpose_);
  msg.push_back('\0');
  PutU64(&msg, id_i_);
  PutU64(&msg, id_r_);
  PutBytes(&msg, nonce_i_.data(), nonce_i_.size());
  PutBytes(&msg, nonce_r_.data(), nonce_r_.size());
  std::array<uint8_t, kMacBytes> mac{};
  unsigned int len = 0;
  unsigned char* ok = HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
                           reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                           mac.data(), &len);
  PADDOCK_ASSERT(ok != nullptr && len == kMacBytes);
  return mac;
}

const std::string& PeerAuth::error() const {
  PADDOCK_ASSERT(failed());
  return error_;
}

uint64_t PeerAuth::peer_id() const {
  PADDOCK_ASSERT(done());
  return role_ == Role::kInitiator ? id_r_ : id_i_;
}

bool RefusalThrottle::Warn(const std::string& host, const std::string& reason, uint64_t now_ms,
                           uint64_t* repeats) {
  if (entries_.size() >= kKeysMax) entries_.clear();
  auto [it, fresh] = entries_.try_emplace({host, reason});
  Entry& e = it->second;
  if (!fresh && now_ms - e.warned_ms < kWindowMs) {
    e.repeats++;
    return false;
  }
  *repeats = e.repeats;
  e.repeats = 0;
  e.warned_ms = now_ms;
  return true;
}

std::string AddressText(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = "";
  uint16_t port = 0;
  std::string out;
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    out.append(host);
    port = ntohs(v4->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
    out.append("[").append(host).append("]");
    port = ntohs(v6->sin6_port);
  } else {
    return "?";
  }
  out.append(":").append(std::to_string(port));
  return out;
}

}  // namespace paddock::net
