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

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace paddock::consensus {

struct Callbacks {
  // A committed entry, in log order. Must not fail.
  std::function<void(std::string_view entry)> apply;
  // Serializes the state machine. The engine may call it in a forked copy of the process (a
  // copy-on-write view of the state at that moment), so it must only read state and return.
  std::function<std::string()> snapshot;
  // A snapshot of the state as it is now begins (called on the loop thread, in this process).
  std::function<void()> snapshot_started;
  // Replaces the state machine with a snapshot; a failure is fatal for the member.
  std::function<Status(std::string_view snapshot)> restore;
};

// Durations in fixed buckets, for metrics. Bucket i counts values <= kBoundsUs[i]; the last
// bucket counts the rest. Plain value type.
struct DurationHistogram {
  static constexpr std::array<int64_t, 13> kBoundsUs = {
      100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000,
      1'000'000};
  std::array<int64_t, kBoundsUs.size() + 1> counts{};
  int64_t count = 0;
  int64_t sum_us = 0;
  int64_t max_us = 0;

  void Record(int64_t us) {
    size_t i = 0;
    while (i < kBoundsUs.size() && us > kBoundsUs[i]) i++;
    counts[i]++;
    count++;
    sum_us += us;
    if (us > max_us) max_us = us;
  }
};

// What an operator sees of the log (admin endpoint, metrics). Read-only snapshot of counters.
struct LogStats {
  enum class Role { kUnavailable, kFollower, kCandidate, kLeader };
  Role role = Role::kUnavailable;
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t last_applied = 0;
  uint64_t last_index = 0;
  // Durable appends: from handing entries to the disk backend until they are written and synced.
  DurationHistogram fsync;
  // Snapshots this member finished since start (a failed write counts too: libraft reports
  // the end of both alike).
  int64_t snapshots_taken = 0;
  int64_t snapshot_bytes_last = 0;
  int64_t snapshot_capture_us_last = 0;  // serializing the state machine (on the loop)
  int64_t snapshot_total_us_last = 0;    // capture + write to disk
  uint64_t snapshot_index_last = 0;
  // Empty AppendEntries sent to announce a commit (AnnounceCommit), since start.
  int64_t commit_announcements = 0;
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
  // Leader: tells the followers now that the entries applied so far committed, without a new
  // entry (consensus/commit_announcer.h). Returns false if the engine cannot; the caller then
  // proposes a barrier, whose entry carries the commit index.
  virtual bool AnnounceCommit() { return false; }
  virtual bool IsLeader() const = 0;
  // The member this one believes leads (itself when leading); 0 when it knows of none.
  virtual uint64_t LeaderId() const = 0;
  // Counters for operators; an engine without them reports zeros.
  virtual LogStats Stats() const { return {}; }
  // Hands the leadership to another member before this one stops, so that the ensemble does not
  // wait an election timeout for a new leader. `done` gets the new leader's id, or 0 if this
  // member was not leading or nobody took over. An engine that cannot transfer answers 0 at once.
  virtual void TransferLeadership(std::function<void(uint64_t new_leader)> done) { done(0); }
  // Stops the engine; `done` fires once its resources can be released.
  virtual void Stop(std::function<void()> done) = 0;
};

}  // namespace paddock::consensus
