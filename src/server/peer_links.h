// PeerLinks: how a Server reaches the other members of its ensemble, beside Raft's own
// transport. PeerNet (peers.h) is the implementation on real sockets; the simulation (tests/sim)
// has its own. The messages and their bodies are described in ensemble_messages.h.
//
// Threading: the loop thread only.
#pragma once

#include <cstdint>
#include <string_view>

namespace paddock::server {

class PeerLinks {
 public:
  enum class Type : uint8_t {
    kHello = 1,      // i32 sender id
    kForward = 2,    // a txn batch (statemachine::EncodeBatch) for the leader to propose
    kFailed = 3,     // i32 count, then count x i64 origin seq: forwarded txns that did not commit
    kHeartbeat = 4,  // the sender's state and the sessions it heard from (ensemble_messages.h)
  };
  virtual ~PeerLinks() = default;
  // Queues a message on the link to `to`; false (nothing sent) if that link is not up.
  virtual bool Send(int to, Type type, std::string_view body) = 0;
  // Whether the link to `to` is up.
  virtual bool Connected(int to) const = 0;
};

}  // namespace paddock::server
