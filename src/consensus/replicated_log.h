// ReplicatedLog: the narrow interface between Paddock and its consensus engine.
//
// Payloads are opaque bytes. Proposals are made on the leader; every member learns committed
// entries in log order through Callbacks::apply, on the loop thread. Snapshots capture and
// restore the state machine. Keeping the engine behind this interface lets it be replaced
// (design brief, "consensus").
//
// Threading: every method and every callback runs on the owning event loop's thread.
// Re-entrancy: callbacks must not call back into the log (Propose, Barrier, Stop); the server
// defers such work to the next loop turn.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace paddock::consensus {

struct Callbacks {
  // A committed entry, in log order. Must not fail.
  std::function<void(std::string_view entry)> apply;
  // Captures the state machine (called on the loop thread).
  std::function<std::string()> snapshot;
  // Replaces the state machine with a snapshot; a failure is fatal for the member.
  std::function<Status(std::string_view snapshot)> restore;
};

class ReplicatedLog {
 public:
  virtual ~ReplicatedLog() = default;

  // Opens or creates the log and starts taking part in the ensemble.
  virtual Status Start(Callbacks callbacks) = 0;
  // Proposes an entry. `done` reports whether it was committed (and applied) or failed; a
  // failure after acceptance means "outcome unknown" (the entry may still commit later).
  // REQUIRES: IsLeader().
  virtual void Propose(std::string entry, std::function<void(Status)> done) = 0;
  // Appends a barrier: `done` fires once every earlier entry is committed and applied.
  virtual void Barrier(std::function<void(Status)> done) = 0;
  virtual bool IsLeader() const = 0;
  // Stops the engine; `done` fires once its resources can be released.
  virtual void Stop(std::function<void()> done) = 0;
};

}  // namespace paddock::consensus
