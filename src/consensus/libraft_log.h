// LibraftLog: ReplicatedLog on Canonical's libraft 0.15 (Debian libraft-dev) with its libuv disk
// backend, in the data directory.
//
// The guard rails measured in shared/reference/libraft-evaluation.md are built in here, so no
// other code needs to know them:
//  * every entry is framed as [u32 length][payload] and padded to a multiple of 8 bytes;
//  * any log-append I/O error aborts the process (fail-stop; no divergence after a bad write);
//    the appends a shutdown cancels are no error, and go back to libraft newest first;
//  * automatic recovery is off: a damaged segment stops start-up instead of being dropped;
//  * the directory is checked before libraft loads it (data_dir_check.h): damage libraft would
//    crash, hang or silently truncate on stops start-up with a message naming the file;
//  * the snapshot threshold and trailing entries are kept small;
//  * snapshots are asynchronous (fsm v3): the loop only forks; the child serializes its
//    copy-on-write view of the state into a memfd, which a threadpool thread maps for libraft
//    once the child exits. The loop never stalls for the serialization (it did for 0.1-0.6 s);
//    a fork that fails for want of memory, processes or descriptors only postpones the snapshot
//    (RAFT_BUSY), which a follower's libraft would otherwise take as a reason to stop for good;
//  * libraft stopping on its own (UNAVAILABLE outside a shutdown) ends the process with the
//    cause (fail-stop), instead of a member that runs on without ever serving again; so does a
//    snapshot from the leader that the state machine cannot restore;
//  * libraft is never called from its own callbacks: the caller defers (see ReplicatedLog);
//  * a follower's immediate answer to an AppendEntries claims no more than the request covered
//    (append_reply_clamp.h): libraft 0.15 claims its whole log, stale entries included, and a
//    new leader then strands the follower and can commit an entry on too few copies; and its
//    immediate answer to an InstallSnapshot older than its own claims at least its committed
//    snapshot (libraft claims the leader's, and the leader can strand the follower in a loop
//    of snapshot sends until the leadership changes);
// Standalone mode is an ensemble of one voter with a transport that never connects; an ensemble
// uses TCP with the members' handshake on every connection (auth_transport.h), every member
// bootstrapped with the same voters.
//
// Threading: loop thread only.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "consensus/append_reply_clamp.h"
#include "consensus/commit_announcer.h"
#include "consensus/replicated_log.h"

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

namespace paddock::consensus {

// Fills a transport that listens on nothing and connects to nobody: an ensemble of one, or a
// tool that only uses libraft's disk backend.
void UseNullTransport(raft_uv_transport* t);

struct LibraftOptions {
  std::string dir;                 // where the log and snapshots live (created if missing)
  uint64_t id = 1;                 // this member's id (myid)
  std::string address = "127.0.0.1:0";
  // Every voter of the ensemble with its Raft address (this member included); empty or one:
  // standalone.
  std::vector<std::pair<uint64_t, std::string>> voters;
  // The ensemble's shared key (paddock.peerKeyFile), proved on every Raft connection.
  std::string peer_key;
  unsigned election_timeout_ms = 1000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 100000;
  unsigned snapshot_trailing = 2000;
  // libraft keeps every entry since the last snapshot in memory, counted in entries: these bound
  // it in bytes too. Past snapshot_bytes of entries a snapshot is taken early, and the trailing
  // entries kept after it are limited to about trailing_bytes.
  uint64_t snapshot_bytes = 64ull << 20;
  uint64_t trailing_bytes = 16ull << 20;
  // Serialize snapshots in a forked child (false: on the loop, as fsm v2 did).
  bool fork_snapshots = true;
  // Test only: called instead of fork(2) for a snapshot, so that a test can make it fail as it
  // does for want of memory or processes (return -1 with errno set). Empty: fork(2).
  std::function<pid_t()> fork_for_test;
};

class LibraftLog final : public ReplicatedLog {
 public:
  LibraftLog(uv_loop_t* loop, LibraftOptions options);
  ~LibraftLog() override;

  Status Start(Callbacks callbacks) override;
  void Propose(std::string entry, std::function<void(Status)> done) override;
  void Barrier(std::function<void(Status)> done) override;
  bool AnnounceCommit() override;
  bool IsLeader() const override;
  uint64_t LeaderId() const override;
  LogStats Stats() const override;
  // Appends submitted to the disk and not completed, and how long ago (microseconds, steady
  // clock) the latest was submitted; -1 if none ever was. For the loop's bounded spin.
  int64_t AppendsInFlight() const { return static_cast<int64_t>(append_cbs_.size()); }
  int64_t MicrosSinceLastAppend() const;
  // libraft's transfer (thesis 3.10): the most up-to-date other voter is caught up, then told to
  // start an election at once, which it wins without anyone waiting for an election timeout.
  // `done` runs on a later loop turn, outside libraft: with the new leader's id, or 0 if this
  // member was not leading or no voter took over within an election timeout (libraft's bound).
  // REQUIRES: Start succeeded; Stop not called; no transfer in progress.
  void TransferLeadership(std::function<void(uint64_t new_leader)> done) override;
  void Stop(std::function<void()> done) override;

  // Frames and pads a payload as stored in the log (exposed for tests).
  static std::string Frame(std::string_view payload);
  // Strips the framing; false if the entry is malformed.
  static bool Unframe(std::string_view entry, std::string_view* payload);

 private:
  static int FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) noexcept;
  static int FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept;
  static int FsmSnapshotFinalize(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept;
  static int FsmSnapshotFork(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept;
  static int FsmSnapshotAsync(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept;
  [[noreturn]] void SnapshotChild(int fd, pid_t parent);
  int SnapshotNotTaken(const char* what, int err);
  static void AfterLoopTurn(uv_check_t* h);
  void FailStopIfUnavailable();
  void AfterSnapshotCapture();
  static int FsmRestore(raft_fsm* fsm, raft_buffer* buf) noexcept;
  static int GuardedAppend(raft_io* io, raft_io_append* req, const raft_entry entries[],
                           unsigned n, raft_io_append_cb cb) noexcept;
  static void GuardedAppendDone(raft_io_append* req, int status) noexcept;
  static int ClampedStart(raft_io* io, unsigned msecs, raft_io_tick_cb tick,
                          raft_io_recv_cb recv) noexcept;
  static void ClampedRecv(raft_io* io, raft_message* message) noexcept;
  static int ClampedSend(raft_io* io, raft_io_send* req, const raft_message* message,
                         raft_io_send_cb cb) noexcept;
  void ReturnCanceledAppends();
  Status Bootstrap();
  Status StartError() const;

  uv_loop_t* loop_;
  LibraftOptions options_;
  Callbacks callbacks_;
  raft_io io_{};
  raft_uv_transport transport_{};
  bool tcp_transport_ = false;
  raft_fsm fsm_{};
  raft raft_{};
  bool io_ready_ = false;
  bool raft_initialized_ = false;  // raft_init succeeded: raft_close it
  bool started_ = false;
  bool stopping_ = false;  // Stop() was called: libraft's cancellations are expected
  bool in_raft_close_ = false;
  std::function<void()> stop_done_;
  std::string restore_error_;  // why the last snapshot restore failed, for StartError()
  std::string last_error_;     // the last error Paddock answered libraft with, for a fail-stop
  uv_check_t available_check_{};  // AfterLoopTurn, while started
  // A leadership transfer: libraft's request, and its outcome until AfterLoopTurn reports it.
  struct raft_transfer transfer_{};
  std::function<void(uint64_t)> transfer_done_;
  bool transfer_finished_ = false;
  int64_t snapshot_failures_ = 0;  // forks that failed since the last line about them
  std::chrono::steady_clock::time_point snapshot_failure_logged_{};
  // The guarded append: libraft's own append and the callbacks it passed.
  int (*append_)(raft_io*, raft_io_append*, const raft_entry[], unsigned, raft_io_append_cb) =
      nullptr;
  struct PendingAppend {
    raft_io_append_cb cb = nullptr;
    std::chrono::steady_clock::time_point start;
  };
  std::unordered_map<raft_io_append*, PendingAppend> append_cbs_;
  std::chrono::steady_clock::time_point last_append_start_{};  // {}: none yet
  // The clamped replies: libraft's own start and send, and its receive callback.
  int (*start_)(raft_io*, unsigned, raft_io_tick_cb, raft_io_recv_cb) = nullptr;
  int (*send_)(raft_io*, raft_io_send*, const raft_message*, raft_io_send_cb) = nullptr;
  raft_io_recv_cb recv_ = nullptr;
  AppendReplyClamp append_reply_clamp_;
  // Commit announcements asked for and not sent yet; sent after every loop turn.
  CommitAnnouncer announcer_;
  int64_t commit_announcements_ = 0;
  // Appends raft_close cancelled, in the order it cancelled them (see ReturnCanceledAppends).
  std::vector<std::pair<raft_io_append*, raft_io_append_cb>> canceled_appends_;
  // Measured here for Stats(): append durations and the last snapshot.
  DurationHistogram fsync_;
  int64_t snapshots_taken_ = 0;
  int64_t snapshot_bytes_last_ = 0;
  int64_t snapshot_capture_us_last_ = 0;
  int64_t snapshot_total_us_last_ = 0;
  uint64_t snapshot_index_last_ = 0;
  // Entries applied since the last snapshot began, for the byte bound.
  uint64_t bytes_since_snapshot_ = 0;
  uint64_t entries_since_snapshot_ = 0;
  std::chrono::steady_clock::time_point snapshot_start_;
  // The forked snapshot in progress: its child and the memfd it writes; the mapping handed to
  // libraft (unmapped in finalize).
  pid_t snapshot_child_ = -1;
  int snapshot_fd_ = -1;
  void* snapshot_map_ = nullptr;
  size_t snapshot_map_bytes_ = 0;
};

}  // namespace paddock::consensus
