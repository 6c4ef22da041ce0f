// SimMember: one member of a SimConsensus, the ReplicatedLog a simulated server is given.
//
// It drives the libraft instance that the fixture hosts for this member, as LibraftLog drives
// its own: entries are framed and padded with LibraftLog::Frame, Propose is raft_apply, Barrier
// is raft_barrier, and the fsm (version 2, snapshots taken synchronously on the caller's turn
// of the loop, where production forks) forwards to the server's Callbacks.
//
// Lifecycle (MemberState in sim_consensus.h):
//
//   kNew --Start--> kUp --Stop, Crash, fail-stop--> kStopping --drained--> kDown
//                    ^                                                       |
//                    +------------------------- Start ----------------------+
//   A Start that fails (a snapshot that does not restore, a disk error) leaves the member kDown.
//
// A member leaves kUp as its process would: the server's callbacks are dropped at once (a
// crash calls none of them; Stop fails the pending proposals first, as raft_close does). Its
// raft lingers as a zombie, cut off from the network and its timers stopped, until the disk
// writes already handed to the stub have landed and its last messages have left the network;
// then the raft is closed and a fresh one initialised in its place. Start on a kDown member is a
// restart: the state machine is rebuilt from the durable snapshot (Callbacks::restore) and
// committed entries are applied again as the leader tells this member its commit index.
//
// Threading: the simulation's one thread. Libraft's callbacks into the server run inside
// SimConsensus::Step (as in production they run inside libuv's loop turn), and they must not
// call back into any member: that is asserted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "consensus/commit_announcer.h"
#include "consensus/replicated_log.h"
#include "testing/sim_consensus.h"
#include "testing/sim_disk.h"

extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

namespace paddock::testing {

class SimMember final : public consensus::ReplicatedLog {
 public:
  // Adds this member's server to `fixture` (raft_fixture_grow). `sim` outlives it.
  SimMember(SimConsensus* sim, raft_fixture* fixture, unsigned index,
            const SimConsensusOptions& options);
  ~SimMember() override;

  Status Start(consensus::Callbacks callbacks) override;
  void Propose(std::string entry, std::function<void(Status)> done) override;
  void Barrier(std::function<void(Status)> done) override;
  bool AnnounceCommit() override;
  // Sends the commit announcements that are due (CommitAnnouncer::Flush); SimConsensus calls it
  // after every step, as LibraftLog does after every loop turn.
  void FlushAnnouncements();
  bool IsLeader() const override;
  uint64_t LeaderId() const override;
  consensus::LogStats Stats() const override;
  // Fails the pending proposals and barriers at once (as raft_close does); `done` fires inside
  // a later SimConsensus::Step, once the member is kDown.
  void Stop(std::function<void()> done) override;

  MemberState state() const { return state_; }
  SimDisk& disk() { return disk_; }
  // The process dies: every callback and pending done is dropped; the raft drains.
  // REQUIRES: state() == kUp.
  void Crash();
  // A kStopping member whose raft has drained is closed and becomes kDown; Stop's done fires.
  // Returns whether that happened. Called between steps only.
  bool FinishStopIfDrained(raft_time now);
  // The member's process would have died inside libraft since the last call: an append failed
  // (LibraftLog aborts) or a snapshot sent by the leader failed to restore (see FsmRestore).
  bool TakeFailStop();
  // The simulation ends: no callback reaches the server any more.
  void Silence() { live_ = false; }
  // Snapshot restores this member ran (at start and by InstallSnapshot) and how many failed.
  unsigned restores() const { return restores_; }
  unsigned restore_failures() const { return restore_failures_; }

 private:
  struct Request;
  static int FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) noexcept;
  static int FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept;
  static int FsmSnapshotFinalize(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept;
  static int FsmRestore(raft_fsm* fsm, raft_buffer* buf) noexcept;
  static void ApplyDone(struct raft_apply* req, int status, void* result);
  static void BarrierDone(struct raft_barrier* req, int status);
  void Finish(Request* r, int status);
  Request* NewRequest(bool barrier, std::function<void(Status)> done);
  void Submitted(Request* r, int rv);
  void Leave();
  void ConfigureRaft();
  void CloseAndReinit();
  Status StartRaft();

  SimConsensus* sim_;
  raft_fixture* fixture_;
  unsigned index_;
  raft* raft_;
  raft_fsm fsm_{};
  SimDisk disk_;
  unsigned election_timeout_ms_;
  unsigned heartbeat_timeout_ms_;
  unsigned snapshot_threshold_;
  unsigned snapshot_trailing_;
  bool pre_vote_;

  MemberState state_;
  consensus::Callbacks callbacks_;
  consensus::CommitAnnouncer announcer_;
  bool live_ = false;  // callbacks reach the server (false from the moment the process dies)
  bool fail_stop_ = false;
  uint64_t incarnation_ = 0;
  std::map<uint64_t, Request*> pending_;  // proposals and barriers in flight, by submission
  uint64_t next_seq_ = 0;
  std::function<void()> stop_done_;
  std::string restore_error_;

  int64_t snapshots_taken_ = 0;
  int64_t snapshot_bytes_last_ = 0;
  uint64_t snapshot_index_last_ = 0;
  unsigned restores_ = 0;
  unsigned restore_failures_ = 0;
};

}  // namespace paddock::testing
