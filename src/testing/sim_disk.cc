#include "testing/sim_disk.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace paddock::testing {
namespace {

// Which SimDisk owns a raft_io, and which owns a request in flight. Request pointers are unique
// while in flight, so one map serves every kind and every simulation alive in the process.
std::unordered_map<const raft_io*, SimDisk*>& IoRegistry() {
  static std::unordered_map<const raft_io*, SimDisk*> registry;
  return registry;
}
std::unordered_map<const void*, SimDisk*>& RequestRegistry() {
  static std::unordered_map<const void*, SimDisk*> registry;
  return registry;
}

}  // namespace

SimDisk::SimDisk(raft_fixture* fixture, unsigned index)
    : fixture_(fixture), index_(index), io_(&fixture->servers[index].io) {}

SimDisk::~SimDisk() {
  PADDOCK_ASSERT_MSG(Idle(), "a simulated disk destroyed with requests in flight");
  IoRegistry().erase(io_);
}

SimDisk* SimDisk::OfIo(raft_io* io) {
  auto it = IoRegistry().find(io);
  PADDOCK_ASSERT_MSG(it != IoRegistry().end(), "raft_io without a SimDisk");
  return it->second;
}

SimDisk* SimDisk::TakeOwner(const void* req) {
  auto it = RequestRegistry().find(req);
  PADDOCK_ASSERT_MSG(it != RequestRegistry().end(), "completion of an unknown stub request");
  SimDisk* disk = it->second;
  RequestRegistry().erase(it);
  PADDOCK_ASSERT(disk->pending_count_ > 0);
  disk->pending_count_--;
  return disk;
}

void SimDisk::Track(const void* req) {
  bool inserted = RequestRegistry().emplace(req, this).second;
  PADDOCK_ASSERT_MSG(inserted, "a stub request submitted twice");
  pending_count_++;
}

void SimDisk::Install() {
  PADDOCK_ASSERT(stub_.append == nullptr);
  stub_ = *io_;
  IoRegistry()[io_] = this;
  io_->start = Start;
  io_->append = Append;
  io_->truncate = Truncate;
  io_->load = Load;
  io_->send = Send;
  io_->snapshot_put = SnapshotPut;
  io_->snapshot_get = SnapshotGet;

  // The stub holds what raft_bootstrap wrote: the first configuration entry, at index 1.
  raft_term term = 0;
  raft_id vote = 0;
  raft_snapshot* snapshot = nullptr;
  raft_index start = 0;
  raft_entry* entries = nullptr;
  size_t n = 0;
  int rv = stub_.load(io_, &term, &vote, &snapshot, &start, &entries, &n);
  PADDOCK_ASSERT_MSG(rv == 0 && snapshot == nullptr && start == 1 && n == 1,
                     "a freshly bootstrapped stub holds one entry");
  durable_.push_back(
      DurableEntry{entries[0].term, entries[0].type,
                   std::string(static_cast<const char*>(entries[0].buf.base), entries[0].buf.len)});
  raft_free(entries[0].batch);
  raft_free(entries);
  durable_first_ = 1;
  next_index_ = 2;
  stub_count_ = 1;
}

Status SimDisk::RebuildStub() {
  PADDOCK_ASSERT(Idle());
  dead_ = false;  // a new process
  DropCovered(trailing_);
  PADDOCK_ASSERT(durable_first_ <= snapshot_index_ + 1);
  PADDOCK_ASSERT(durable_.empty() || last_durable_index() >= snapshot_index_);
  PADDOCK_ASSERT(snapshot_index_ > 0 || durable_first_ == 1);
  // The stub's own truncate(1) empties its array (and counts as one I/O for its fault
  // injection, like the load that follows).
  int rv = stub_.truncate(io_, 1);
  if (rv != 0) return Status::Error(std::string("disk: ") + raft_strerror(rv));
  for (const DurableEntry& e : durable_) {
    raft_entry copy{};
    copy.term = e.term;
    copy.type = e.type;
    copy.buf.len = e.data.size();
    copy.buf.base = raft_malloc(std::max<size_t>(1, e.data.size()));
    PADDOCK_ASSERT(copy.buf.base != nullptr);
    std::memcpy(copy.buf.base, e.data.data(), e.data.size());
    copy.batch = nullptr;
    raft_fixture_add_entry(fixture_, index_, &copy);  // the stub owns copy.buf from here
  }
  stub_count_ = durable_.size();
  next_index_ = durable_first_ + durable_.size();
  return Status::Ok();
}

int SimDisk::Append(raft_io* io, raft_io_append* req, const raft_entry entries[], unsigned n,
                    raft_io_append_cb cb) {
  SimDisk* self = OfIo(io);
  // libraft writes exactly the entries it has just added to its in-memory log, so their last
  // index is the log's last: this pins the index bookkeeping to libraft's own.
  auto* r = static_cast<raft*>(io->data);
  PADDOCK_ASSERT_MSG(raft_last_index(r) == self->next_index_ + n - 1,
                     "append does not start where the simulated disk expects");
  int rv = self->dead_ ? RAFT_IOERR : self->stub_.append(io, req, entries, n, AppendDone);
  if (rv != 0) {
    // Production (LibraftLog::GuardedAppend) aborts the process here: fail-stop. libraft must
    // not see the failure (its error path would run, which production never reaches).
    self->Die();
    self->next_index_ += n;
    self->pending_count_++;
    self->swallowed_.push_back([req, cb] { cb(req, RAFT_CANCELED); });
    return 0;
  }
  self->Track(req);
  self->appends_.push_back(PendingAppend{req, cb, entries, self->next_index_, n, n, self->Now()});
  self->next_index_ += n;
  return 0;
}

void SimDisk::Die() {
  if (dead_) return;
  dead_ = true;
  if (on_append_failure_) on_append_failure_();
}

void SimDisk::CancelSwallowed() {
  PADDOCK_ASSERT(OnlySwallowedPending());
  CancelOwnRequests();
}

void SimDisk::CancelOwnRequests() {
  // libraft may submit again from a completion (swallowed too, or failed by the stub).
  for (int round = 0; !swallowed_.empty() || !failed_sends_.empty(); round++) {
    PADDOCK_ASSERT_MSG(round < 100, "libraft keeps submitting I/O to a dead or closing member");
    std::vector<std::function<void()>> cancels;
    cancels.swap(swallowed_);
    pending_count_ -= cancels.size();
    for (auto& cancel : cancels) cancel();
    CompleteFailedSends();
  }
}

void SimDisk::CompleteFailedSends() {
  std::vector<std::function<void()>> done;
  done.swap(failed_sends_);
  pending_count_ -= done.size();
  for (auto& fn : done) fn();
}

void SimDisk::AppendDone(raft_io_append* req, int status) {
  SimDisk* self = TakeOwner(req);
  PADDOCK_ASSERT_MSG(!self->appends_.empty() && self->appends_.front().req == req,
                     "appends completed out of submission order");
  PendingAppend a = self->appends_.front();
  self->appends_.pop_front();
  self->stub_count_ += a.n;  // the stub appended all of them to its array, clipped or not
  PADDOCK_ASSERT_MSG(status == 0, "the fixture stub failed an append asynchronously");
  self->fsync_.Record(static_cast<int64_t>(self->Now() - a.submitted) * 1000);
  self->AppendLanded(a);
  a.cb(req, status);
}

void SimDisk::AppendLanded(const PendingAppend& a) {
  for (unsigned k = 0; k < a.keep; k++) {
    raft_index index = a.first + k;
    raft_index next = durable_first_ + durable_.size();
    if (index != next) {
      // Only a snapshot that landed first can cover the entries in between: the record restarts
      // here (DropCovered keeps what reaches the snapshot).
      PADDOCK_ASSERT_MSG(index > next && index <= snapshot_index_ + 1,
                         "durable entries must stay contiguous");
      durable_.clear();
      durable_first_ = index;
    }
    const raft_entry& e = a.entries[k];
    durable_.push_back(
        DurableEntry{e.term, e.type, std::string(static_cast<const char*>(e.buf.base), e.buf.len)});
  }
  DropCovered(trailing_);
}

int SimDisk::Truncate(raft_io* io, raft_index index) {
  SimDisk* self = OfIo(io);
  if (self->dead_ && index != 1) return 0;  // a dead process writes nothing
  if (index == 1) {
    // Only the stub itself truncates at 1, while it writes an installed snapshot (libraft never
    // does: entry 1 is the bootstrap configuration, the same everywhere). The record changes
    // when that snapshot's callback runs.
    PADDOCK_ASSERT(!self->puts_.empty() && self->puts_.front().install);
    int rv = self->stub_.truncate(io, 1);
    if (rv == 0) self->stub_count_ = 0;
    return rv;
  }
  // Keep the stub's arithmetic inside its array; its array is rewritten before any load.
  raft_index safe = std::min<raft_index>(index, self->stub_count_ + 1);
  int rv = self->stub_.truncate(io, safe);
  if (rv != 0) return rv;
  self->stub_count_ = static_cast<size_t>(safe - 1);
  PADDOCK_ASSERT_MSG(index > self->snapshot_index_, "truncating entries a snapshot covers");
  while (!self->durable_.empty() && self->last_durable_index() >= index) {
    self->durable_.pop_back();
  }
  self->ClipAppends(index);
  self->next_index_ = index;
  return 0;
}

void SimDisk::ClipAppends(raft_index from) {
  for (PendingAppend& a : appends_) {
    if (a.first >= from) {
      a.keep = 0;
    } else if (a.first + a.keep > from) {
      a.keep = static_cast<unsigned>(from - a.first);
    }
  }
}

int SimDisk::Start(raft_io* io, unsigned msecs, raft_io_tick_cb tick, raft_io_recv_cb recv) {
  SimDisk* self = OfIo(io);
  self->recv_cb_ = recv;
  return self->stub_.start(io, msecs, tick, Recv);
}

void SimDisk::Recv(raft_io* io, raft_message* message) {
  SimDisk* self = OfIo(io);
  self->append_reply_clamp_.Deliver(io, message, self->recv_cb_,
                                    *raft_fixture_get(self->fixture_, self->index_));
}

// With the clamp off, libraft's reply goes out as it wrote it: the simulation can then show
// what its stale AppendEntries reply does (append_reply_clamp.h).
int SimDisk::Send(raft_io* io, raft_io_send* req, const raft_message* message, raft_io_send_cb cb) {
  SimDisk* self = OfIo(io);
  if (self->dead_) {  // a dead process sends nothing
    self->pending_count_++;
    self->swallowed_.push_back([req, cb] { cb(req, RAFT_CANCELED); });
    return 0;
  }
  raft_message clamped;
  if (self->clamp_append_replies_) message = self->append_reply_clamp_.Clamp(message, &clamped);
  int rv = self->stub_.send(io, req, message, SendDone);
  if (rv != 0) {
    // The stub's injected failure is synchronous; raft_uv reports a failed send through its
    // callback (and libraft 0.15 frees an AppendEntries' entries twice when the send of its
    // result fails synchronously). So the message is lost, and its callback says so at the
    // end of the step (CompleteFailedSends).
    self->pending_count_++;
    self->failed_sends_.push_back([req, cb] { cb(req, RAFT_NOCONNECTION); });
    return 0;
  }
  self->Track(req);
  self->sends_[req] = cb;
  return 0;
}

void SimDisk::SendDone(raft_io_send* req, int status) {
  SimDisk* self = TakeOwner(req);
  auto it = self->sends_.find(req);
  PADDOCK_ASSERT(it != self->sends_.end());
  raft_io_send_cb cb = it->second;
  self->sends_.erase(it);
  // The stub has just put the message on the wire; it arrives (or is dropped) this much later.
  self->ExtendQuietAt(self->Now() + self->network_latency_ms_);
  if (cb != nullptr) cb(req, status);
}

int SimDisk::SnapshotPut(raft_io* io, unsigned trailing, raft_io_snapshot_put* req,
                         const raft_snapshot* snapshot, raft_io_snapshot_put_cb cb) {
  SimDisk* self = OfIo(io);
  if (self->dead_) {
    self->pending_count_++;
    self->swallowed_.push_back([req, cb] { cb(req, RAFT_CANCELED); });
    return 0;
  }
  int rv = self->stub_.snapshot_put(io, trailing, req, snapshot, SnapshotPutDone);
  if (rv != 0) return rv;
  self->Track(req);
  bool install = trailing == 0;
  self->puts_.push_back(PendingPut{req, cb, snapshot->index, trailing, install});
  if (install) {
    // The installed snapshot replaces the whole log: writes still in flight are void (the real
    // backend waits for them, then truncates), and the log continues after the snapshot.
    self->ClipAppends(0);
    self->next_index_ = snapshot->index + 1;
  }
  return 0;
}

void SimDisk::SnapshotPutDone(raft_io_snapshot_put* req, int status) {
  SimDisk* self = TakeOwner(req);
  PADDOCK_ASSERT_MSG(!self->puts_.empty() && self->puts_.front().req == req,
                     "snapshot writes completed out of submission order");
  PendingPut put = self->puts_.front();
  self->puts_.pop_front();
  if (status == 0) self->SnapshotLanded(put);
  put.cb(req, status);
}

void SimDisk::SnapshotLanded(const PendingPut& put) {
  PADDOCK_ASSERT_MSG(put.index >= snapshot_index_, "a snapshot older than the stored one");
  snapshot_index_ = put.index;
  trailing_ = put.trailing;
  if (put.install) {
    durable_.clear();
    durable_first_ = put.index + 1;
    return;
  }
  DropCovered(trailing_);
}

void SimDisk::DropCovered(unsigned trailing) {
  if (snapshot_index_ == 0) return;
  if (durable_.empty() || last_durable_index() < snapshot_index_) {
    durable_.clear();
    durable_first_ = snapshot_index_ + 1;
    return;
  }
  // Keep (snapshot - trailing, snapshot]: raft_uv deletes only what lies before that.
  raft_index keep_from = snapshot_index_ + 1 - std::min<raft_index>(trailing, snapshot_index_);
  while (durable_first_ < keep_from) {
    durable_.pop_front();
    durable_first_++;
  }
}

int SimDisk::Load(raft_io* io, raft_term* term, raft_id* voted_for, raft_snapshot** snapshot,
                  raft_index* start_index, raft_entry** entries, size_t* n_entries) {
  SimDisk* self = OfIo(io);
  int rv = self->stub_.load(io, term, voted_for, snapshot, start_index, entries, n_entries);
  if (rv != 0) return rv;
  // The stub's term, vote and snapshot; the record's entries (one batch, as raft_uv loads them).
  raft_index snapshot_index = *snapshot != nullptr ? (*snapshot)->index : 0;
  PADDOCK_ASSERT_MSG(snapshot_index == self->snapshot_index_, "stub and record disagree");
  if (*n_entries > 0) {
    raft_free((*entries)[0].batch);
    raft_free(*entries);
  }
  *entries = nullptr;
  *n_entries = 0;
  *start_index = self->durable_first_;
  if (self->durable_.empty()) return 0;
  size_t bytes = 0;
  for (const DurableEntry& e : self->durable_) bytes += e.data.size();
  auto* batch = static_cast<char*>(raft_malloc(std::max<size_t>(1, bytes)));
  auto* out = static_cast<raft_entry*>(raft_malloc(sizeof(raft_entry) * self->durable_.size()));
  PADDOCK_ASSERT(batch != nullptr && out != nullptr);
  size_t at = 0;
  for (size_t k = 0; k < self->durable_.size(); k++) {
    const DurableEntry& e = self->durable_[k];
    std::memcpy(batch + at, e.data.data(), e.data.size());
    out[k] = raft_entry{};
    out[k].term = e.term;
    out[k].type = e.type;
    out[k].buf.base = batch + at;
    out[k].buf.len = e.data.size();
    out[k].batch = batch;
    at += e.data.size();
  }
  *entries = out;
  *n_entries = self->durable_.size();
  return 0;
}

int SimDisk::SnapshotGet(raft_io* io, raft_io_snapshot_get* req, raft_io_snapshot_get_cb cb) {
  SimDisk* self = OfIo(io);
  if (self->dead_) {
    self->pending_count_++;
    self->swallowed_.push_back([req, cb] { cb(req, nullptr, RAFT_CANCELED); });
    return 0;
  }
  int rv = self->stub_.snapshot_get(io, req, SnapshotGetDone);
  if (rv != 0) return rv;
  self->Track(req);
  self->gets_[req] = cb;
  return 0;
}

void SimDisk::SnapshotGetDone(raft_io_snapshot_get* req, raft_snapshot* snapshot, int status) {
  SimDisk* self = TakeOwner(req);
  auto it = self->gets_.find(req);
  PADDOCK_ASSERT(it != self->gets_.end());
  raft_io_snapshot_get_cb cb = it->second;
  self->gets_.erase(it);
  cb(req, snapshot, status);
}

}  // namespace paddock::testing
