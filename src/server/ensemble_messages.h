// The bodies of the peer channel's messages (server/peers.h), as jute, and what a forwarded
// batch may hold. Plain values; pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "statemachine/txn.h"

namespace paddock::server {

// Sent by every member to every other one at least every tick/2: its state, and the sessions
// whose clients it heard from since the last one. Followers forward liveness this way, and
// every member keeps every session's deadline, so that a new leader keeps each session's
// remaining time instead of resetting it.
struct Heartbeat {
  enum class Role : uint8_t { kNone = 0, kFollower = 1, kLeader = 2 };
  struct Touch {
    int64_t session_id = 0;
    int32_t timeout_ms = 0;  // as negotiated by the member holding the connection
    int32_t age_ms = 0;      // how long before sending the client was last heard
  };
  Role role = Role::kNone;
  bool serving = false;
  int64_t last_zxid = 0;
  // How long before sending the sender last heard a heartbeat of the recipient; -1: never. A
  // follower learns from its leader's whether its own messages get through.
  int32_t heard_you_age_ms = -1;
  std::vector<Touch> touches;
};

std::string EncodeHeartbeat(const Heartbeat& h);
bool DecodeHeartbeat(std::string_view body, Heartbeat* out);

// kFailed: the origin seqs of forwarded txns that the leader could not propose or commit.
std::string EncodeSeqs(const std::vector<int64_t>& seqs);
bool DecodeSeqs(std::string_view body, std::vector<int64_t>* out);

// kForward: what a leader accepts from another member. Followers forward their clients' writes
// (closeSession included), session creation and reattachment, and syncs (a client's, or their
// own catch-up marker). Everything else is the leader's own decision (an expiry, a container
// deletion, the ensemble's first entry): a batch carrying any of it is refused whole, so that
// a member, or whoever holds the key, cannot expire sessions or rewrite the ensemble's secret
// through the leader. Returns the first txn that may not be forwarded, or nullptr.
const statemachine::Txn* FirstNotForwardable(std::span<const statemachine::Txn> txns);
// The txn kind's name for log lines ("expireSession"; "kind(9)" for one this build does not
// know).
std::string TxnKindName(statemachine::TxnKind kind);

}  // namespace paddock::server
