// SimDisk: the durable state of one simulated member, kept around libraft's fixture stub.
//
// libraft 0.15's fixture (src/fixture.c) gives each member an in-memory raft_io, the "stub",
// that keeps term, vote, the last snapshot and the log entries. It was written for runs without
// restarts, and three of its habits make its entries unloadable once snapshots happen:
//  * after a snapshot with trailing entries it still keeps every entry from index 1, while its
//    load reports the entries as starting right after the snapshot;
//  * its truncate counts from index 1 even after an installed snapshot moved the first index
//    (and copies past the end of its array when asked to keep more entries than it holds);
//  * a write submitted before a truncate or an installed snapshot lands after it.
// Nothing reads the stub's entries except load, which libraft calls only in raft_start; a member
// that is never restarted never notices. SimDisk makes restarts faithful: it interposes on the
// stub's raft_io methods (as LibraftLog wraps append) and keeps its own record of what reached
// the disk, by index:
//
//   submit append   -> its entries get indices [next, next + n)        (next advances)
//   truncate(t)     -> recorded entries >= t dropped, in-flight appends clipped, next = t
//   install (put 0) -> in-flight appends clipped to nothing, next = snapshot + 1
//   append lands    -> its unclipped entries join the record (after a gap only a snapshot that
//                      landed first covers, the record restarts at them)
//   snapshot lands  -> recorded entries the snapshot covers are dropped, but its `trailing`
//   (own)              ones; an installed snapshot (trailing 0) drops them all
//
// A snapshot of its own keeps the `trailing` entries before it, as raft_uv does (an installed
// one replaces the whole log). Load is interposed too: it hands libraft the stub's term, vote
// and snapshot with the record's entries, trailing ones included, so a restarted member starts
// from what a real disk would hold. (Without the trailing entries, a restarted follower lacked
// the entry just before its snapshot, which production never does, and libraft 0.15 then left
// its leader sending the same snapshot for ever: a success reply that does not raise the match
// index never ends the snapshot state.) RebuildStub() refills the stub's own array, which only
// its arithmetic uses from then on.
//
// SimDisk also counts the stub requests that still hold a callback into libraft: a crashed
// member's raft may be closed only when there are none, or the stub would call into freed memory.
// Invariant: a member's appends and snapshot puts complete in the order they were submitted
// (SimConsensus lowers a disk latency only while nothing is in flight); it is asserted.
//
// It also carries SimConsensusOptions::clamp_append_replies: every message reaches libraft
// through the member's consensus::AppendReplyClamp (start is interposed to wrap the receive
// callback), and with the option on, the reply the member sends while handling an AppendEntries
// or an InstallSnapshot is clamped there, as LibraftLog always does (append_reply_clamp.h).
//
// Threading: the simulation's one thread. The interposers find their SimDisk through a registry
// keyed by raft_io and by request pointer (libraft's callbacks carry nothing else).
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "consensus/append_reply_clamp.h"
#include "consensus/replicated_log.h"

extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

namespace paddock::testing {

class SimDisk {
 public:
  // `fixture` owns the stub of member `index`; both outlive this object.
  SimDisk(raft_fixture* fixture, unsigned index);
  ~SimDisk();
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  // Replaces the stub's methods with the interposers and reads the bootstrap entry the stub
  // holds. REQUIRES: called once, after raft_fixture_bootstrap, before any other I/O.
  void Install();
  // Rewrites the stub's entries from the record (see the header comment). Fails only if the
  // stub's own fault injection fails the truncation (a disk error at start-up).
  // REQUIRES: Idle().
  Status RebuildStub();

  // No stub request holds a callback into libraft.
  bool Idle() const { return pending_count_ == 0; }
  // No append or snapshot write is in flight (a lower disk latency may take effect).
  bool WritesIdle() const { return appends_.empty() && puts_.empty(); }
  // Fixture time by which every message this member sent has been delivered or dropped.
  raft_time quiet_at() const { return quiet_at_; }
  void ExtendQuietAt(raft_time t) { quiet_at_ = std::max(quiet_at_, t); }
  // The latency the stub gives this member's messages now (kept for quiet_at).
  void set_network_latency_ms(unsigned ms) { network_latency_ms_ = ms; }
  // Called (inside libraft) when an append fails: production aborts the process then
  // (LibraftLog::GuardedAppend), so libraft never runs its error path for it. Here the process
  // is dead from that moment: the failed append and every later write, truncation or message
  // of this incarnation are swallowed (reported as submitted, never performed), and their
  // callbacks are cancelled once the member is otherwise drained (CancelSwallowed).
  void set_on_append_failure(std::function<void()> f) { on_append_failure_ = std::move(f); }
  // Completes the sends the stub's fault injection failed (see Send), as lost messages.
  // REQUIRES: outside libraft (SimConsensus calls it after every step).
  void CompleteFailedSends();
  // Only swallowed requests are pending.
  bool OnlySwallowedPending() const {
    return pending_count_ == swallowed_.size() + failed_sends_.size();
  }
  // Completes every swallowed request with RAFT_CANCELED, as a closing raft_io does (and those
  // libraft submits meanwhile). REQUIRES: OnlySwallowedPending(); outside libraft.
  void CancelSwallowed();
  // The simulation ends: completes the requests SimDisk holds itself (swallowed ones and failed
  // sends), whatever the stub still holds, before the fixture closes the rafts.
  void CancelOwnRequests();
  // See SimConsensusOptions::clamp_append_replies.
  void set_clamp_append_replies(bool on) { clamp_append_replies_ = on; }
  // Successful AppendEntries replies whose last index was lowered to what the request covered,
  // and InstallSnapshot replies raised to the member's committed snapshot.
  uint64_t clamped_replies() const { return append_reply_clamp_.clamped_replies(); }
  uint64_t raised_replies() const { return append_reply_clamp_.raised_replies(); }

  raft_index snapshot_index() const { return snapshot_index_; }
  // Index of the last entry recorded as durable (the snapshot's when none follows it).
  raft_index last_durable_index() const { return durable_first_ + durable_.size() - 1; }
  const consensus::DurationHistogram& fsync() const { return fsync_; }

 private:
  struct DurableEntry {
    raft_term term = 0;
    unsigned short type = 0;
    std::string data;
  };
  struct PendingAppend {
    raft_io_append* req = nullptr;
    raft_io_append_cb cb = nullptr;
    const raft_entry* entries = nullptr;
    raft_index first = 0;
    unsigned n = 0;
    unsigned keep = 0;  // entries not clipped by a later truncate or install
    raft_time submitted = 0;
  };
  struct PendingPut {
    raft_io_snapshot_put* req = nullptr;
    raft_io_snapshot_put_cb cb = nullptr;
    raft_index index = 0;
    unsigned trailing = 0;
    bool install = false;  // trailing 0: an installed snapshot replaces the whole log
  };

  static SimDisk* OfIo(raft_io* io);
  static SimDisk* TakeOwner(const void* req);
  void Track(const void* req);

  static int Append(raft_io* io, raft_io_append* req, const raft_entry entries[], unsigned n,
                    raft_io_append_cb cb);
  static void AppendDone(raft_io_append* req, int status);
  void AppendLanded(const PendingAppend& a);
  static int Truncate(raft_io* io, raft_index index);
  static int Load(raft_io* io, raft_term* term, raft_id* voted_for, raft_snapshot** snapshot,
                  raft_index* start_index, raft_entry** entries, size_t* n_entries);
  static int Start(raft_io* io, unsigned msecs, raft_io_tick_cb tick, raft_io_recv_cb recv);
  static void Recv(raft_io* io, raft_message* message);
  static int Send(raft_io* io, raft_io_send* req, const raft_message* message, raft_io_send_cb cb);
  static void SendDone(raft_io_send* req, int status);
  static int SnapshotPut(raft_io* io, unsigned trailing, raft_io_snapshot_put* req,
                         const raft_snapshot* snapshot, raft_io_snapshot_put_cb cb);
  static void SnapshotPutDone(raft_io_snapshot_put* req, int status);
  void SnapshotLanded(const PendingPut& put);
  static int SnapshotGet(raft_io* io, raft_io_snapshot_get* req, raft_io_snapshot_get_cb cb);
  static void SnapshotGetDone(raft_io_snapshot_get* req, raft_snapshot* snapshot, int status);
  void ClipAppends(raft_index from);
  // Drops what the snapshot covers beyond its `trailing` entries (all of it if the record does
  // not reach the snapshot).
  void DropCovered(unsigned trailing);
  raft_time Now() const { return raft_fixture_time(fixture_); }

  raft_fixture* fixture_;
  unsigned index_;
  raft_io* io_;
  raft_io stub_{};  // the stub's own methods, called by the interposers

  // The record: entries [durable_first_, durable_first_ + size) and the snapshot before them.
  std::deque<DurableEntry> durable_;
  raft_index durable_first_ = 1;
  raft_index snapshot_index_ = 0;
  unsigned trailing_ = 0;  // of the stored snapshot
  raft_index next_index_ = 1;  // where the next submitted append begins
  size_t stub_count_ = 0;      // entries in the stub's own array (its truncate must stay inside)

  std::deque<PendingAppend> appends_;  // in submission order, which is completion order
  std::deque<PendingPut> puts_;
  std::unordered_map<raft_io_send*, raft_io_send_cb> sends_;
  std::unordered_map<raft_io_snapshot_get*, raft_io_snapshot_get_cb> gets_;
  size_t pending_count_ = 0;

  // libraft's receive callback, reached through the clamp; the clamp changes replies only when
  // clamp_append_replies_ is on.
  raft_io_recv_cb recv_cb_ = nullptr;
  bool clamp_append_replies_ = false;
  consensus::AppendReplyClamp append_reply_clamp_;

  raft_time quiet_at_ = 0;
  unsigned network_latency_ms_ = 0;
  std::function<void()> on_append_failure_;
  // The process died inside an append (see set_on_append_failure) until the next start.
  bool dead_ = false;
  void Die();
  std::vector<std::function<void()>> swallowed_;  // their cancellations
  std::vector<std::function<void()>> failed_sends_;
  consensus::DurationHistogram fsync_;
};

}  // namespace paddock::testing
