#include "testing/sim_member.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"
#include "consensus/libraft_log.h"

namespace paddock::testing {

// A proposal or a barrier in flight. libraft holds it until its callback; the server's `done`
// is dropped (left empty) when the process dies first.
struct SimMember::Request {
  struct raft_apply apply {};
  struct raft_barrier barrier {};
  SimMember* owner = nullptr;
  uint64_t seq = 0;
  uint64_t incarnation = 0;
  bool is_barrier = false;
  std::function<void(Status)> done;
};

SimMember::SimMember(SimConsensus* sim, raft_fixture* fixture, unsigned index,
                     const SimConsensusOptions& options)
    : sim_(sim),
      fixture_(fixture),
      index_(index),
      raft_(nullptr),
      disk_(fixture, index),
      election_timeout_ms_(options.election_timeout_ms),
      heartbeat_timeout_ms_(options.heartbeat_timeout_ms),
      snapshot_threshold_(options.snapshot_threshold),
      snapshot_trailing_(options.snapshot_trailing),
      pre_vote_(options.pre_vote),
      state_(MemberState::kNew) {
  fsm_.version = 2;
  fsm_.data = this;
  fsm_.apply = FsmApply;
  fsm_.snapshot = FsmSnapshot;
  fsm_.snapshot_finalize = FsmSnapshotFinalize;
  fsm_.restore = FsmRestore;
  fsm_.snapshot_async = nullptr;
  int rv = raft_fixture_grow(fixture, &fsm_);
  PADDOCK_ASSERT(rv == 0 && raft_fixture_n(fixture) == index + 1);
  raft_ = raft_fixture_get(fixture, index);
  // Production aborts the process on a failed append: from this moment nothing reaches the
  // server; SimConsensus turns the member into a crashed one once libraft has returned.
  disk_.set_on_append_failure([this] {
    live_ = false;
    fail_stop_ = true;
  });
}

SimMember::~SimMember() {
  PADDOCK_ASSERT_MSG(pending_.empty(), "a member destroyed with proposals libraft still holds");
}

Status SimMember::Start(consensus::Callbacks callbacks) {
  sim_->AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(state_ == MemberState::kNew || state_ == MemberState::kDown,
                     "Start on a member that is running or still stopping");
  callbacks_ = std::move(callbacks);
  incarnation_++;
  Status s = disk_.RebuildStub();
  if (s.ok()) s = StartRaft();
  if (!s.ok()) {
    state_ = MemberState::kDown;
    sim_->OnStartFailed(index_);
    return s.Wrap("member " + std::to_string(index_));
  }
  state_ = MemberState::kUp;
  sim_->OnMemberBack(index_);
  return Status::Ok();
}

// raft_start loads the stub: the snapshot goes through Callbacks::restore; the entries after it
// wait in the log until the leader says they are committed.
Status SimMember::StartRaft() {
  ConfigureRaft();
  restore_error_.clear();
  live_ = true;
  fail_stop_ = false;
  sim_->EnterLibraft();
  int rv = raft_start(raft_);
  sim_->LeaveLibraft();
  if (rv == 0) return Status::Ok();
  std::string message = std::string("raft start: ") + raft_errmsg(raft_);
  if (!restore_error_.empty()) message += "; snapshot restore failed: " + restore_error_;
  live_ = false;
  CloseAndReinit();
  return Status::Error(message);
}

void SimMember::ConfigureRaft() {
  raft_set_election_timeout(raft_, election_timeout_ms_);
  raft_set_heartbeat_timeout(raft_, heartbeat_timeout_ms_);
  raft_set_snapshot_threshold(raft_, snapshot_threshold_);
  raft_set_snapshot_trailing(raft_, snapshot_trailing_);
  raft_set_pre_vote(raft_, pre_vote_);
}

// The stub closes at once, so raft_close has finished when it returns; a fresh raft takes the
// fixture's slot, unstarted, so that the slot can always be started or closed again.
void SimMember::CloseAndReinit() {
  PADDOCK_ASSERT_MSG(disk_.Idle(), "closing a raft the stub may still call");
  sim_->EnterLibraft();
  raft_close(raft_, nullptr);
  sim_->LeaveLibraft();
  PADDOCK_ASSERT_MSG(pending_.empty(), "raft_close left a proposal unanswered");
  std::memset(static_cast<void*>(raft_), 0, sizeof *raft_);
  raft_fixture_server& server = fixture_->servers[index_];
  int rv = raft_init(raft_, &server.io, &fsm_, index_ + 1, server.address);
  PADDOCK_ASSERT(rv == 0);
  raft_->tracer = &server.tracer;  // as the fixture sets it up
}

SimMember::Request* SimMember::NewRequest(bool barrier, std::function<void(Status)> done) {
  auto* r = new Request;
  r->owner = this;
  r->seq = next_seq_++;
  r->incarnation = incarnation_;
  r->is_barrier = barrier;
  r->done = std::move(done);
  r->apply.data = r;
  r->barrier.data = r;
  pending_[r->seq] = r;
  return r;
}

void SimMember::Propose(std::string entry, std::function<void(Status)> done) {
  sim_->AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(state_ == MemberState::kUp, "Propose on a member that is not running");
  std::string framed = consensus::LibraftLog::Frame(entry);
  raft_buffer buf;
  buf.len = framed.size();
  buf.base = raft_malloc(framed.size());
  PADDOCK_ASSERT(buf.base != nullptr);
  std::memcpy(buf.base, framed.data(), framed.size());
  Request* r = NewRequest(false, std::move(done));
  sim_->EnterLibraft();
  int rv = raft_apply(raft_, &r->apply, &buf, 1, ApplyDone);
  sim_->LeaveLibraft();
  if (rv != 0) raft_free(buf.base);
  Submitted(r, rv);
}

void SimMember::Barrier(std::function<void(Status)> done) {
  sim_->AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(state_ == MemberState::kUp, "Barrier on a member that is not running");
  Request* r = NewRequest(true, std::move(done));
  sim_->EnterLibraft();
  int rv = raft_barrier(raft_, &r->barrier, BarrierDone);
  sim_->LeaveLibraft();
  Submitted(r, rv);
}

bool SimMember::AnnounceCommit() {
  sim_->AssertOutsideLibraft();
  if (state_ != MemberState::kUp || !live_) return false;
  announcer_.Request(raft_);
  announcer_.Flush(raft_);  // at once, as LibraftLog does
  return true;
}

void SimMember::FlushAnnouncements() {
  if (state_ != MemberState::kUp || !live_) return;
  announcer_.Flush(raft_);
}

// libraft refused the request (rv != 0) or holds it until its callback. A refusal caused by a
// failed append is a fail-stop: the process is gone and nobody hears of the request.
void SimMember::Submitted(Request* r, int rv) {
  if (rv != 0) {
    pending_.erase(r->seq);
    if (live_ && r->done) {
      const char* what = r->is_barrier ? "raft barrier: " : "raft apply: ";
      sim_->OnDone(index_, rv);
      r->done(Status::Error(what + std::string(raft_strerror(rv))));
    }
    delete r;
  }
  if (TakeFailStop()) sim_->FailStop(index_);
}

void SimMember::ApplyDone(struct raft_apply* req, int status, void* /*result*/) {
  auto* r = static_cast<Request*>(req->data);
  r->owner->Finish(r, status);
}

void SimMember::BarrierDone(struct raft_barrier* req, int status) {
  auto* r = static_cast<Request*>(req->data);
  r->owner->Finish(r, status);
}

// Runs inside libraft: right after the entry was applied (status 0), or when the leader lost
// leadership (outcome unknown: the entry may still commit under the next leader).
void SimMember::Finish(Request* r, int status) {
  pending_.erase(r->seq);
  std::function<void(Status)> done = std::move(r->done);
  bool deliver = done && live_ && r->incarnation == incarnation_;
  const char* what = r->is_barrier ? "raft barrier: " : "raft apply: ";
  delete r;
  if (!deliver) return;
  sim_->OnDone(index_, status);
  done(status == 0 ? Status::Ok() : Status::Error(what + std::string(raft_strerror(status))));
}

bool SimMember::IsLeader() const {
  return state_ == MemberState::kUp && raft_state(raft_) == RAFT_LEADER;
}

uint64_t SimMember::LeaderId() const {
  if (state_ != MemberState::kUp) return 0;
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(raft_, &id, &address);
  return id;
}

consensus::LogStats SimMember::Stats() const {
  consensus::LogStats s;
  if (state_ == MemberState::kUp) {
    switch (raft_state(raft_)) {
      case RAFT_FOLLOWER:
        s.role = consensus::LogStats::Role::kFollower;
        break;
      case RAFT_CANDIDATE:
        s.role = consensus::LogStats::Role::kCandidate;
        break;
      case RAFT_LEADER:
        s.role = consensus::LogStats::Role::kLeader;
        break;
      default:
        s.role = consensus::LogStats::Role::kUnavailable;
        break;
    }
    s.term = raft_->current_term;
    s.commit_index = raft_->commit_index;
    s.last_applied = raft_last_applied(raft_);
    s.last_index = raft_last_index(raft_);
  }
  s.fsync = disk_.fsync();
  s.snapshots_taken = snapshots_taken_;
  s.snapshot_bytes_last = snapshot_bytes_last_;
  s.snapshot_index_last = snapshot_index_last_;
  return s;
}

// As raft_close does in production, the pending proposals and barriers fail first (inside the
// call, so their dones must not call back either); `done` fires once the member is down.
void SimMember::Stop(std::function<void()> done) {
  sim_->AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(state_ == MemberState::kUp, "Stop on a member that is not running");
  sim_->EnterLibraft();
  for (auto& [seq, r] : pending_) {
    if (!r->done) continue;
    std::function<void(Status)> d = std::move(r->done);
    r->done = nullptr;
    sim_->OnDone(index_, RAFT_LEADERSHIPLOST);
    const char* what = r->is_barrier ? "raft barrier: " : "raft apply: ";
    d(Status::Error(what + std::string(raft_strerror(RAFT_LEADERSHIPLOST))));
  }
  sim_->LeaveLibraft();
  stop_done_ = std::move(done);
  Leave();
}

void SimMember::Crash() {
  PADDOCK_ASSERT(state_ == MemberState::kUp);
  for (auto& [seq, r] : pending_) r->done = nullptr;
  Leave();
}

void SimMember::Leave() {
  live_ = false;
  announcer_ = {};
  state_ = MemberState::kStopping;
  sim_->OnMemberGone(index_);
}

bool SimMember::FinishStopIfDrained(raft_time now) {
  if (state_ != MemberState::kStopping) return false;
  // What the dead process never did is cancelled once the rest has drained (libraft may
  // submit more while handling the cancellations; those are swallowed too).
  if (!disk_.Idle() && disk_.OnlySwallowedPending()) disk_.CancelSwallowed();
  if (!disk_.Idle() || now < disk_.quiet_at()) return false;
  CloseAndReinit();
  state_ = MemberState::kDown;
  if (stop_done_) {
    std::function<void()> done = std::move(stop_done_);
    stop_done_ = nullptr;
    done();
  }
  return true;
}

bool SimMember::TakeFailStop() {
  bool failed = fail_stop_;
  fail_stop_ = false;
  return failed && state_ == MemberState::kUp;
}

int SimMember::FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) noexcept {
  auto* self = static_cast<SimMember*>(fsm->data);
  *result = nullptr;
  if (!self->live_) return 0;  // a dead process: its state machine is discarded anyway
  std::string_view payload;
  bool ok =
      consensus::LibraftLog::Unframe({static_cast<const char*>(buf->base), buf->len}, &payload);
  PADDOCK_ASSERT_MSG(ok, "malformed log entry");
  // libraft 0.15 counts the entry as applied only after this returns.
  self->sim_->OnApply(self->index_, raft_last_applied(self->raft_) + 1, payload);
  self->callbacks_.apply(payload);
  return 0;
}

int SimMember::FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept {
  auto* self = static_cast<SimMember*>(fsm->data);
  // A dead process takes no snapshot; libraft treats RAFT_BUSY as "try again later".
  if (!self->live_) return RAFT_BUSY;
  if (self->callbacks_.snapshot_started) self->callbacks_.snapshot_started();
  std::string state = self->callbacks_.snapshot();
  self->snapshot_bytes_last_ = static_cast<int64_t>(state.size());
  self->snapshot_index_last_ = raft_last_applied(self->raft_);
  auto* out = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  PADDOCK_ASSERT(out != nullptr);
  out->len = state.size();
  out->base = raft_malloc(std::max<size_t>(1, state.size()));
  PADDOCK_ASSERT(out->base != nullptr);
  std::memcpy(out->base, state.data(), state.size());
  *bufs = out;
  *n = 1;
  return 0;
}

int SimMember::FsmSnapshotFinalize(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept {
  auto* self = static_cast<SimMember*>(fsm->data);
  for (unsigned i = 0; i < *n; i++) raft_free((*bufs)[i].base);
  raft_free(*bufs);
  *bufs = nullptr;
  *n = 0;
  self->snapshots_taken_++;
  return 0;
}

// On success the buffer is ours to free. On failure at start libraft frees it itself (raft_start
// calls snapshotDestroy), so it must be left alone, and Start reports the failure.
//
// A snapshot the leader sent that fails to restore is fatal for the member (replicated_log.h):
// libraft 0.15 would reject it and go on with its log reset to the snapshot, its disk holding
// the snapshot and its state machine not, and accept the leader's next attempt as "already
// have it". Production dies here anyway (LibraftLog frees the buffer, then libraft frees it
// again). The member fail-stops; a restart restores the snapshot from its disk. Its raft is
// dead from here on, so it is told "restored": libraft's failure path would leak the buffer
// array (installSnapshotCb frees only the data).
int SimMember::FsmRestore(raft_fsm* fsm, raft_buffer* buf) noexcept {
  auto* self = static_cast<SimMember*>(fsm->data);
  if (!self->live_) {
    // An InstallSnapshot that was being written when the process died; the raft is discarded.
    raft_free(buf->base);
    return 0;
  }
  Status s = self->callbacks_.restore({static_cast<const char*>(buf->base), buf->len});
  if (!s.ok()) {
    self->restore_error_ = s.message();
    self->restore_failures_++;
    self->sim_->OnRestore(self->index_, false);
    if (self->state_ != MemberState::kUp) return RAFT_CORRUPT;
    self->live_ = false;
    self->fail_stop_ = true;
    raft_free(buf->base);
    return 0;
  }
  raft_free(buf->base);
  self->restores_++;
  self->sim_->OnRestore(self->index_, true);
  return 0;
}

}  // namespace paddock::testing
