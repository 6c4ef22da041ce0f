// SimConsensus: the consensus layer of the deterministic whole-cluster simulation (tests/sim).
//
// It runs N Paddock members' Raft (3 or 5 voters; the fixture allows up to 8) in one process on
// a simulated clock, with libraft 0.15's own deterministic test fixture (raft/fixture.h): the
// real libraft state machine, an in-memory raft_io per member, a global millisecond clock, and a
// network and disks that complete one event per step. Member(i) is the consensus::ReplicatedLog
// a simulated server is built on, implemented on that member's raft as LibraftLog implements it
// on a real one (see sim_member.h). The simulation calls server logic between steps:
//
//   SimConsensus sim({.seed = seed, .members = 3});
//   for (unsigned i = 0; i < 3; i++) servers[i].Start(&sim.Member(i));  // calls Start(callbacks)
//   while (sim.NowMs() < end_ms) { sim.Step(); for (auto& s : servers) s.Tick(sim.NowMs()); }
//
// Determinism: a run is a function of the seed and of the calls made on this object. The fixture
// has no randomness of its own (every member draws the same fixed election timeout, 1000 + 100 i
// ms, and ties go to the lower index), so the seed supplies it: before every step each member's
// next randomized election timeout is drawn in [T, 2T), as libraft's real backend draws it, and
// with network_jitter_ms each member's message latency is redrawn. Nothing depends on
// addresses, wall time or threads. TraceHash() digests every event (fixture events, applies,
// completions, faults) so that two runs can be compared.
//
// Faults, with what each one means exactly:
//  * Partition / Heal / CutLink / MendLink / Isolate: the fixture's "saturated" links. A
//    message is dropped if its link is cut when it would be delivered; a cut can be one-way.
//  * Kill / Revive: raft_fixture_kill/revive. A killed member keeps its memory, its timers stop
//    and its links are cut, but the writes already handed to its disk still complete (and may
//    apply entries). It models a paused or network-isolated process, not a crash: a killed
//    leader goes on reporting IsLeader() until, revived, it hears of a newer term. Revive
//    restores its links, except those cut by Partition/CutLink.
//  * Crash (and fail-stops): a process death with durable state, which the fixture cannot do
//    (see sim_member.h and sim_disk.h). Start on the member afterwards is a restart: the
//    snapshot on its disk is restored, then committed entries are applied as the leader says.
//  * SetNetworkLatency / SetDiskLatency: per member, for messages it sends and for its appends
//    and snapshot reads and writes. A lower disk latency waits until nothing is in flight, so
//    writes keep landing in order, as on a real disk.
//  * DiskFault: raft_fixture_io_fault. The stub counts I/O calls: appends, truncations, term and
//    vote writes, loads, and message sends (snapshot writes are not counted). After `delay`
//    more such calls, the next `repeat` fail with RAFT_IOERR (repeat < 0: all of them). A failed
//    append fail-stops the member, as LibraftLog aborts the process: libraft never sees the
//    failure, and nothing the dead process would do reaches the disk or the network (sim_disk.h);
//    a failed term, vote or truncate write makes libraft itself stop the member (role
//    kUnavailable, for good; production's LibraftLog then aborts, and tests/sim's Cluster
//    restarts such a member); a failed send is a lost message, reported through its callback
//    at the end of the step as raft_uv reports one.
//
// Limits:
//  * A restarted member keeps the `trailing` entries before its own snapshot, as production does
//    (sim_disk.h), but production also bounds them by bytes; the simulation counts entries only.
//  * Snapshots are taken in the apply that crosses the threshold (fsm v2; production forks, fsm
//    v3) and production's byte bound on the entries between snapshots is not modelled.
//  * A crash lets the disk writes already submitted land (one legal outcome; losing them is
//    not modelled, nor are torn writes). The member is kDown once they have, and once its last
//    messages have left the network: a few tens of milliseconds of steps.
//  * Messages are never duplicated, reordered (unless network_jitter_ms) or corrupted.
//  * No membership changes (raft_add/assign/remove).
//  * StepUntil overshoots to the next fixture event; StableLeader is as of the last step.
//  * Debian builds libraft without assertions: the fixture's own checks (Leader Append-Only,
//    its preconditions) do nothing, except Election Safety, which aborts. SafetyViolation()
//    checks what the simulation can see.
//
// Threading: not thread-safe; one thread drives the simulation and every callback runs on it.
// Re-entrancy: libraft's callbacks (apply, snapshot, restore, and the dones of Propose and
// Barrier) run inside Step, and must not call back into the log or this object, matching
// LibraftLog's rule: doing so is a programmer error and asserts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/replicated_log.h"

extern "C" {
struct raft_fixture;
struct raft_fixture_event;
}

namespace paddock::testing {

class SimMember;

struct SimConsensusOptions {
  uint64_t seed = 1;
  unsigned members = 3;  // voters, 1..8 (RAFT_FIXTURE_MAX_SERVERS)
  unsigned election_timeout_ms = 1000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned network_latency_ms = 15;  // the fixture's default
  // Each step redraws every member's message latency in [latency, latency + jitter]. Messages on
  // one link may then overtake each other, which TCP would not do (libraft tolerates it).
  unsigned network_jitter_ms = 0;
  unsigned disk_latency_ms = 10;  // the fixture's default
  // Small, so that snapshots and InstallSnapshot happen in short runs. The fixture copies the
  // leader's whole in-memory log at every step, so a step costs O(threshold + trailing).
  unsigned snapshot_threshold = 32;
  unsigned snapshot_trailing = 8;
  bool pre_vote = true;  // as production
  // libraft 0.15 (and 0.18.1) answers a heartbeat with its whole log length, so a new leader
  // counts a follower's stale uncommitted entries as copies of its own: the follower is stranded
  // and an entry can commit on too few copies (sim_consensus_test.cc reproduces both). On, the
  // follower's reply is lowered to prevLogIndex + n_entries, as Raft says, in the member's
  // raft_io, by the consensus::AppendReplyClamp that LibraftLog always applies: on by default,
  // as in production. Off shows libraft as it is. The same clamp raises a follower's immediate
  // answer to an InstallSnapshot older than its own snapshot to that snapshot (libraft answers
  // with the leader's index, and the leader can loop on snapshot sends: append_reply_clamp.h).
  bool clamp_append_replies = true;
  bool randomize_election_timeouts = true;
};

enum class MemberState {
  kNew,       // constructed, never started; down until Start
  kUp,        // started (possibly killed: see Kill)
  kStopping,  // crashed or stopped: callbacks dropped, its raft draining
  kDown,      // closed; Start restarts it from its durable state
};

class SimConsensus {
 public:
  explicit SimConsensus(const SimConsensusOptions& options);
  // Closes every member's raft; no callback reaches a server during or after this.
  ~SimConsensus();
  SimConsensus(const SimConsensus&) = delete;
  SimConsensus& operator=(const SimConsensus&) = delete;

  unsigned size() const { return static_cast<unsigned>(members_.size()); }
  // Member i (raft id i + 1; LeaderId() answers in ids). Valid as long as this object.
  consensus::ReplicatedLog& Member(unsigned i);
  const consensus::ReplicatedLog& Member(unsigned i) const;
  MemberState State(unsigned i) const;
  bool Killed(unsigned i) const { return killed_[i]; }

  // --- Time. Every method below asserts it is not called from inside a libraft callback.
  uint64_t NowMs() const;
  // Fires the next fixture event (a tick, a message, a disk completion), then does the work
  // that must wait for libraft to return (closing drained members, Stop's done, deferred disk
  // latencies). Returns the fixture time of that event.
  uint64_t Step();
  // Steps until the fixture time reaches `time_ms`; the last event may be later than it (the
  // fixture cannot be asked when its next event is). Returns the time reached.
  uint64_t StepUntil(uint64_t time_ms);
  // Steps until `done()` holds (checked before every step) or the time reaches `deadline_ms`.
  bool StepUntil(const std::function<bool()>& done, uint64_t deadline_ms);

  // --- Network faults (member indices). A cut drops what would be delivered while it holds.
  void CutLink(unsigned from, unsigned to);
  void MendLink(unsigned from, unsigned to);
  void Partition(unsigned a, unsigned b);
  void Heal(unsigned a, unsigned b);
  void Isolate(unsigned i);
  void HealAll();
  void SetNetworkLatency(unsigned i, unsigned ms);

  // --- Process faults.
  // REQUIRES: State(i) == kUp and !Killed(i).
  void Kill(unsigned i);
  // REQUIRES: State(i) == kUp and Killed(i).
  void Revive(unsigned i);
  // REQUIRES: State(i) == kUp. The member is kDown a few milliseconds of steps later.
  void Crash(unsigned i);
  // Times member i fail-stopped: a failed append (LibraftLog aborts the process) or a failed
  // restore of a snapshot the leader sent (fatal for the member). Each is a crash.
  unsigned FailStops(unsigned i) const { return fail_stops_[i]; }

  // --- Disk faults.
  void SetDiskLatency(unsigned i, unsigned ms);
  void DiskFault(unsigned i, int delay, int repeat);
  void ClearDiskFault(unsigned i) { DiskFault(i, -1, 0); }

  // --- Directed elections (the fixture's elect/depose, which step internally).
  // REQUIRES: every member up and not killed, no leader, all followers.
  void Elect(unsigned i);
  // REQUIRES: a stable leader (StableLeader() < size()).
  void Depose();

  // --- Observation.
  // The fixture's stable leader (acknowledged by every connected member, a majority in all),
  // or size() when there is none.
  unsigned StableLeader() const;
  uint64_t TraceHash() const { return trace_hash_; }
  uint64_t steps() const { return steps_; }
  // Snapshot restores run by member i (at start and by InstallSnapshot), and failed ones.
  unsigned Restores(unsigned i) const;
  unsigned RestoreFailures(unsigned i) const;
  // The first safety violation seen, empty if none: two members applying different entries at
  // one index, a member applying out of order, two leaders in one term. (libraft's own
  // invariant checks are compiled out of Debian's build except Election Safety, which aborts.)
  const std::string& SafetyViolation() const { return violation_; }
  // Member i's Raft as libraft holds it (for a run that does not converge): role, term, commit,
  // last index, its disk's snapshot and durable entries, and, on a leader, its progress per
  // follower (state 0 probe, 1 pipeline, 2 snapshot; next and match index; last sends).
  std::string Describe(unsigned i) const;

 private:
  friend class SimMember;
  static void Hook(raft_fixture* fixture, raft_fixture_event* event);
  void OnEvent(const raft_fixture_event& event);
  void AfterStep();
  void Randomize();
  uint64_t NextRandom();
  void CheckLeaders();
  void SyncLinks();
  void Park(unsigned i);
  unsigned MaxLatencyMs() const;
  void FailStop(unsigned i);
  // Called by SimMember.
  void AssertOutsideLibraft() const;
  void EnterLibraft() { in_libraft_++; }
  void LeaveLibraft() { in_libraft_--; }
  void OnMemberGone(unsigned i);
  void OnMemberBack(unsigned i);
  void OnStartFailed(unsigned i);
  void OnApply(unsigned member, uint64_t index, std::string_view payload);
  void OnRestore(unsigned member, bool ok);
  void OnDone(unsigned member, int status);
  void Trace(uint64_t a, uint64_t b = 0, uint64_t c = 0);
  void Violation(std::string what);

  SimConsensusOptions options_;
  std::unique_ptr<raft_fixture> fixture_;
  std::vector<std::unique_ptr<SimMember>> members_;
  std::vector<std::vector<bool>> cut_;  // cut_[from][to]: a link cut by a fault
  std::vector<bool> killed_;
  std::vector<unsigned> fail_stops_;
  std::vector<unsigned> latency_ms_;       // base network latency, per sender
  std::vector<unsigned> disk_latency_ms_;  // in effect
  std::vector<int> disk_latency_wanted_;   // a lower latency waiting for writes to land, or -1
  uint64_t rng_;
  bool randomize_ = true;
  int in_libraft_ = 0;
  uint64_t steps_ = 0;
  uint64_t trace_hash_ = 14695981039346656037ull;  // FNV-1a offset basis
  std::vector<uint64_t> applied_;       // by log index: digest of the entry applied there
  std::vector<uint64_t> last_applied_;  // per member: index of its last applied entry
  std::string violation_;
};

}  // namespace paddock::testing
