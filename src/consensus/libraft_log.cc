#include "consensus/libraft_log.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "base/assert.h"
#include "base/log.h"
#include "consensus/auth_transport.h"
#include "consensus/data_dir_check.h"
#include "consensus/raft_heap.h"

namespace paddock::consensus {
namespace {

// The instance owning each raft_io, for the guarded append and the clamped replies (one per
// process in practice).
std::map<raft_io*, LibraftLog*>& Instances() {
  static std::map<raft_io*, LibraftLog*> instances;
  return instances;
}

struct ProposeRequest {
  struct raft_apply req {};
  std::function<void(Status)> done;
};

struct BarrierRequest {
  struct raft_barrier req {};
  std::function<void(Status)> done;
};

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

Status RaftError(const char* what, int rv) {
  return Status::Error(std::string(what) + ": " + raft_strerror(rv));
}

Status MakeDirs(const std::string& dir) {
  std::string partial;
  for (size_t i = 0; i <= dir.size(); i++) {
    if (i == dir.size() || (dir[i] == '/' && i > 0)) {
      partial = dir.substr(0, i);
      if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::Error("cannot create directory " + partial + ": " + std::strerror(errno));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

LibraftLog::LibraftLog(uv_loop_t* loop, LibraftOptions options)
    : loop_(loop), options_(std::move(options)) {}

LibraftLog::~LibraftLog() { Instances().erase(&io_); }

std::string LibraftLog::Frame(std::string_view payload) {
  PADDOCK_ASSERT(payload.size() <= UINT32_MAX);
  size_t total = 4 + payload.size();
  size_t padded = (total + 7) / 8 * 8;
  std::string out(padded, '\0');
  auto n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; i++) out[static_cast<size_t>(i)] = static_cast<char>(n >> (24 - 8 * i));
  std::memcpy(out.data() + 4, payload.data(), payload.size());
  PADDOCK_ASSERT(out.size() % 8 == 0);
  return out;
}

bool LibraftLog::Unframe(std::string_view entry, std::string_view* payload) {
  if (entry.size() < 4 || entry.size() % 8 != 0) return false;
  uint32_t n = 0;
  for (size_t i = 0; i < 4; i++) n = (n << 8) | static_cast<uint8_t>(entry[i]);
  if (n > entry.size() - 4 || (4 + n + 7) / 8 * 8 != entry.size()) return false;
  *payload = entry.substr(4, n);
  return true;
}

Status LibraftLog::Start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  if (Status s = MakeDirs(options_.dir); !s.ok()) return s;
  // A damaged directory stops start-up here, naming the file (see data_dir_check.h).
  if (Status s = CheckDataDir(options_.dir); !s.ok()) return s;
  // Before any other libraft call: every libraft allocation must come from this heap.
  InstallForkExcludedRaftHeap();
  int rv = 0;
  if (options_.voters.size() > 1) {
    rv = AuthTransportInit(&transport_, loop_, options_.peer_key, options_.voters);
    if (rv != 0) return RaftError("raft transport", rv);
    tcp_transport_ = true;
  } else {
    UseNullTransport(&transport_);
  }
  rv = raft_uv_init(&io_, loop_, options_.dir.c_str(), &transport_);
  if (rv != 0) return Status::Error(std::string("raft log in ") + options_.dir + ": " + io_.errmsg);
  io_ready_ = true;
  raft_uv_set_auto_recovery(&io_, false);
  // A restarted member is retried this often by the leader (libraft's default is 1 s).
  raft_uv_set_connect_retry_delay(&io_, 200);
  // Fail-stop on a log write error: wrap the backend's append.
  append_ = io_.append;
  io_.append = GuardedAppend;
  // Answers to an AppendEntries claim no more than it covered: wrap start (to see what libraft
  // receives) and send.
  start_ = io_.start;
  io_.start = ClampedStart;
  send_ = io_.send;
  io_.send = ClampedSend;
  Instances()[&io_] = this;

  fsm_.version = 2;
  fsm_.data = this;
  fsm_.apply = FsmApply;
  fsm_.snapshot = FsmSnapshot;
  fsm_.snapshot_finalize = FsmSnapshotFinalize;
  fsm_.restore = FsmRestore;
  if (options_.fork_snapshots) {
    // libraft 0.15's raft_uv reports io version 1 although it implements async_work, and
    // raft_init then refuses an fsm of version 3 (fixed upstream in 269e541).
    io_.version = 2;
    fsm_.version = 3;
    fsm_.snapshot = FsmSnapshotFork;
    fsm_.snapshot_async = FsmSnapshotAsync;
  }
  rv = raft_init(&raft_, &io_, &fsm_, options_.id, options_.address.c_str());
  if (rv != 0) return Status::Error(std::string("raft init: ") + raft_errmsg(&raft_));
  raft_initialized_ = true;
  raft_set_election_timeout(&raft_, options_.election_timeout_ms);
  raft_set_heartbeat_timeout(&raft_, options_.heartbeat_timeout_ms);
  raft_set_snapshot_threshold(&raft_, options_.snapshot_threshold);
  raft_set_snapshot_trailing(&raft_, options_.snapshot_trailing);
  raft_set_pre_vote(&raft_, true);
  if (Status s = Bootstrap(); !s.ok()) return s;
  rv = raft_start(&raft_);
  if (rv != 0) return StartError();
  started_ = true;
  uv_check_init(loop_, &available_check_);
  available_check_.data = this;
  uv_check_start(&available_check_, AfterLoopTurn);
  uv_unref(reinterpret_cast<uv_handle_t*>(&available_check_));
  return Status::Ok();
}

// After every loop turn's I/O, outside libraft: a finished leadership transfer is reported, and
// an unavailable raft ends the process.
void LibraftLog::AfterLoopTurn(uv_check_t* h) {
  auto* self = static_cast<LibraftLog*>(h->data);
  if (!self->stopping_) self->commit_announcements_ += self->announcer_.Flush(&self->raft_);
  if (self->transfer_finished_) {
    self->transfer_finished_ = false;
    uint64_t leader = self->LeaderId();
    std::function<void(uint64_t)> done = std::move(self->transfer_done_);
    self->transfer_done_ = nullptr;
    done(leader != self->options_.id ? leader : 0);
    if (self->stopping_) return;  // done may have stopped the log
  }
  self->FailStopIfUnavailable();
}

// libraft turns UNAVAILABLE on its own when an error inside it ends its part in the ensemble (in
// 0.15: a failed snapshot, a failed vote or tick, a log that conflicts with a committed entry),
// and reports it nowhere; the member would go on running without ever serving again. Fail-stop
// instead, with the cause, so that it is restarted.
void LibraftLog::FailStopIfUnavailable() {
  if (stopping_ || raft_state(&raft_) != RAFT_UNAVAILABLE) return;
  std::string cause = last_error_;
  if (const char* why = raft_errmsg(&raft_); cause.empty() && why != nullptr) cause = why;
  if (cause.empty()) cause = "libraft gave no reason";
  log::Flush();  // the lines that led here come first
  std::fprintf(stderr,
               "paddock: fatal: libraft stopped taking part in the ensemble (state UNAVAILABLE "
               "outside a shutdown): %s\n",
               cause.c_str());
  std::fflush(stderr);
  std::abort();
}

// raft_start failed. libraft names the segment it could not load, but not the snapshot whose
// restore (our digest check) failed: that one is the newest in the directory.
Status LibraftLog::StartError() const {
  std::string message = std::string("raft start (log in ") + options_.dir + ")";
  // libraft leaves its message empty when the restore callback failed.
  if (const char* why = raft_errmsg(const_cast<raft*>(&raft_)); why != nullptr && *why != '\0') {
    message += std::string(": ") + why;
  }
  if (restore_error_.empty()) return Status::Error(message);
  std::vector<std::string> names;
  if (DIR* d = opendir(options_.dir.c_str()); d != nullptr) {
    while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
    closedir(d);
  }
  return Status::Error(message + "; snapshot file " + options_.dir + "/" + NewestSnapshot(names) +
                       " (the newest, which libraft loads) is corrupt: " + restore_error_);
}

Status LibraftLog::Bootstrap() {
  raft_configuration conf;
  raft_configuration_init(&conf);
  // Every member of a new ensemble is bootstrapped with the same voters, so their first entries
  // are identical (etcd's "initial cluster"); a member whose log exists skips this.
  std::vector<std::pair<uint64_t, std::string>> voters = options_.voters;
  if (voters.empty()) voters.emplace_back(options_.id, options_.address);
  for (const auto& [id, address] : voters) {
    int rv = raft_configuration_add(&conf, id, address.c_str(), RAFT_VOTER);
    if (rv != 0) {
      raft_configuration_close(&conf);
      return RaftError("raft configuration", rv);
    }
  }
  int rv = raft_bootstrap(&raft_, &conf);
  raft_configuration_close(&conf);
  if (rv == RAFT_CANTBOOTSTRAP) return Status::Ok();  // the log already exists
  if (rv != 0) return Status::Error(std::string("raft bootstrap: ") + raft_errmsg(&raft_));
  PADDOCK_LOG_INFO("raft log created dir={} voters={}", options_.dir, voters.size());
  return Status::Ok();
}

int LibraftLog::GuardedAppend(raft_io* io, raft_io_append* req, const raft_entry entries[],
                              unsigned n, raft_io_append_cb cb) noexcept {
  LibraftLog* self = Instances().at(io);
  self->last_append_start_ = std::chrono::steady_clock::now();
  self->append_cbs_[req] = PendingAppend{cb, self->last_append_start_};
  int rv = self->append_(io, req, entries, n, GuardedAppendDone);
  if (rv != 0) {
    log::Flush();  // the lines that led here come first
    std::fprintf(stderr, "paddock: fatal: raft log append failed: %s\n", raft_strerror(rv));
    std::abort();
  }
  return rv;
}

void LibraftLog::GuardedAppendDone(raft_io_append* req, int status) noexcept {
  for (auto& [io, self] : Instances()) {
    auto it = self->append_cbs_.find(req);
    if (it == self->append_cbs_.end()) continue;
    // raft_close cancels the appends still queued behind the write in progress (RAFT_CANCELED):
    // their entries never reached the disk, and libraft has already failed the proposals they
    // carried (outcome unknown to their clients). That is a normal shutdown. Any other failure,
    // and a cancel outside shutdown, is a disk error: fail-stop.
    if (status != 0 && !(status == RAFT_CANCELED && self->stopping_)) {
      log::Flush();  // the lines that led here come first
      std::fprintf(stderr, "paddock: fatal: raft log write failed: %s\n", raft_strerror(status));
      std::fflush(stderr);
      std::abort();
    }
    raft_io_append_cb cb = it->second.cb;
    if (status == 0) self->fsync_.Record(MicrosSince(it->second.start));
    self->append_cbs_.erase(it);
    if (status == RAFT_CANCELED && self->in_raft_close_) {
      self->canceled_appends_.emplace_back(req, cb);  // handed to libraft by Stop()
      return;
    }
    cb(req, status);
    return;
  }
  PADDOCK_ASSERT_MSG(false, "append completion for an unknown request");
}

// The clamped replies (append_reply_clamp.h). libraft passes its receive callback only to
// start; every message then reaches libraft through ClampedRecv, and every reply it sends while
// handling one leaves through ClampedSend, inside that call.
int LibraftLog::ClampedStart(raft_io* io, unsigned msecs, raft_io_tick_cb tick,
                             raft_io_recv_cb recv) noexcept {
  LibraftLog* self = Instances().at(io);
  PADDOCK_ASSERT(self->recv_ == nullptr);
  self->recv_ = recv;
  return self->start_(io, msecs, tick, ClampedRecv);
}

void LibraftLog::ClampedRecv(raft_io* io, raft_message* message) noexcept {
  LibraftLog* self = Instances().at(io);
  self->append_reply_clamp_.Deliver(io, message, self->recv_, self->raft_);
}

// The backend encodes the message before it returns (uvEncodeMessage in UvSend), so the clamped
// copy may live on this stack; libraft's own reply is a local of recvAppendEntries too.
int LibraftLog::ClampedSend(raft_io* io, raft_io_send* req, const raft_message* message,
                            raft_io_send_cb cb) noexcept {
  LibraftLog* self = Instances().at(io);
  raft_message clamped;
  return self->send_(io, req, self->append_reply_clamp_.Clamp(message, &clamped), cb);
}

int LibraftLog::FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) noexcept {
  auto* self = static_cast<LibraftLog*>(fsm->data);
  std::string_view payload;
  bool ok = Unframe({static_cast<const char*>(buf->base), buf->len}, &payload);
  PADDOCK_ASSERT_MSG(ok, "malformed log entry");
  self->callbacks_.apply(payload);
  *result = nullptr;
  self->bytes_since_snapshot_ += buf->len;
  self->entries_since_snapshot_++;
  // Enough bytes held in memory: a threshold of 1 makes libraft snapshot after this entry. (A
  // plain setter of a field, safe inside the callback: it starts no I/O.)
  if (self->bytes_since_snapshot_ >= self->options_.snapshot_bytes) {
    raft_set_snapshot_threshold(&self->raft_, 1);
  }
  return 0;
}

// Bookkeeping at the start of every snapshot (loop thread): the byte bound is reset, and the
// entries kept behind this snapshot are bounded in bytes by the average entry size since the
// last one.
void LibraftLog::AfterSnapshotCapture() {
  snapshot_index_last_ = raft_.last_applied;
  raft_set_snapshot_threshold(&raft_, options_.snapshot_threshold);
  uint64_t avg = bytes_since_snapshot_ / std::max<uint64_t>(1, entries_since_snapshot_);
  uint64_t trailing = options_.trailing_bytes / std::max<uint64_t>(1, avg);
  raft_set_snapshot_trailing(
      &raft_, static_cast<unsigned>(std::clamp<uint64_t>(
                  trailing, std::min<uint64_t>(16, options_.snapshot_trailing),
                  options_.snapshot_trailing)));
  bytes_since_snapshot_ = 0;
  entries_since_snapshot_ = 0;
}

// fsm v2: the state is serialized here, on the loop (fork_snapshots off).
int LibraftLog::FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept {
  auto* self = static_cast<LibraftLog*>(fsm->data);
  self->snapshot_start_ = std::chrono::steady_clock::now();
  if (self->callbacks_.snapshot_started) self->callbacks_.snapshot_started();
  std::string state = self->callbacks_.snapshot();
  self->snapshot_capture_us_last_ = MicrosSince(self->snapshot_start_);
  self->snapshot_bytes_last_ = static_cast<int64_t>(state.size());
  self->AfterSnapshotCapture();
  auto* out = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  PADDOCK_ASSERT(out != nullptr);
  out->len = state.size();
  out->base = raft_malloc(state.size());
  PADDOCK_ASSERT(out->base != nullptr || state.empty());
  std::memcpy(out->base, state.data(), state.size());
  *bufs = out;
  *n = 1;
  return 0;
}

// fsm v3, on the loop: fork. The child holds a copy-on-write image of the state as of this
// entry; it serializes it into a memfd and exits. The loop goes on at once.
int LibraftLog::FsmSnapshotFork(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept {
  auto* self = static_cast<LibraftLog*>(fsm->data);
  *bufs = nullptr;
  *n = 0;
  self->snapshot_start_ = std::chrono::steady_clock::now();
  int fd = memfd_create("paddock-snapshot", MFD_CLOEXEC);
  if (fd < 0) return self->SnapshotNotTaken("memfd_create", errno);
  pid_t parent = getpid();
  pid_t pid = self->options_.fork_for_test ? self->options_.fork_for_test() : fork();
  if (pid < 0) {
    int err = errno;
    close(fd);
    return self->SnapshotNotTaken("fork", err);
  }
  if (pid == 0) self->SnapshotChild(fd, parent);
  if (self->callbacks_.snapshot_started) self->callbacks_.snapshot_started();
  self->snapshot_child_ = pid;
  self->snapshot_fd_ = fd;
  self->snapshot_capture_us_last_ = MicrosSince(self->snapshot_start_);
  self->AfterSnapshotCapture();
  return 0;
}

// The child: only serializes and writes. It holds none of the parent's descriptors (a client
// socket closed by the parent must close now, and a restarted server must be able to bind its
// ports even while this child finishes), it dies with the parent, and signals meant for the
// group end it plainly (the parent's handlers would forward them to the parent's loop).
void LibraftLog::SnapshotChild(int fd, pid_t parent) {
  if (fd > 3) close_range(3, static_cast<unsigned>(fd) - 1, 0);
  close_range(static_cast<unsigned>(fd) + 1, ~0U, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the parent is already gone
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  std::string state = callbacks_.snapshot();
  const char* p = state.data();
  size_t left = state.size();
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(1);
    p += w;
    left -= static_cast<size_t>(w);
  }
  _exit(0);
}

// The fork or its memfd failed. For want of a process, memory or a descriptor (EAGAIN, ENOMEM,
// EMFILE, ENFILE), which a moment later may be there, the answer is RAFT_BUSY: libraft drops
// this attempt and tries again after the next entry it applies. Any other error is answered as
// one, and libraft 0.15 then stops a follower (UNAVAILABLE: FailStopIfUnavailable ends the
// process) while a leader ignores it and tries again; a follower once stopped there for good on
// a transient error too, silently. libraft tries after every entry, so the lines are at most
// one a second.
int LibraftLog::SnapshotNotTaken(const char* what, int err) {
  bool transient =
      err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE || err == EINTR;
  std::string error = std::string(what) + ": " + std::strerror(err);
  snapshot_failures_++;
  auto now = std::chrono::steady_clock::now();
  if (now - snapshot_failure_logged_ >= std::chrono::seconds(1)) {
    snapshot_failure_logged_ = now;
    if (transient) {
      PADDOCK_LOG_WARN("snapshot postponed error=\"{}\" failures={} action=\"libraft tries "
                       "again after the next entry\"", error, snapshot_failures_);
    } else {
      PADDOCK_LOG_ERROR("snapshot not taken error=\"{}\" failures={}", error, snapshot_failures_);
    }
    snapshot_failures_ = 0;
  }
  if (transient) return RAFT_BUSY;
  last_error_ = "snapshot not taken: " + error;
  return RAFT_IOERR;
}

// fsm v3, on a threadpool thread: waits for the child and maps what it wrote.
int LibraftLog::FsmSnapshotAsync(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept {
  auto* self = static_cast<LibraftLog*>(fsm->data);
  int status = 0;
  while (waitpid(self->snapshot_child_, &status, 0) < 0 && errno == EINTR) {
  }
  self->snapshot_child_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return RAFT_IOERR;
  struct stat st {};
  if (fstat(self->snapshot_fd_, &st) != 0 || st.st_size <= 0) return RAFT_IOERR;
  auto bytes = static_cast<size_t>(st.st_size);
  void* map = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, self->snapshot_fd_, 0);
  if (map == MAP_FAILED) return RAFT_IOERR;
  auto* out = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  if (out == nullptr) {
    munmap(map, bytes);
    return RAFT_NOMEM;
  }
  out->base = map;
  out->len = bytes;
  self->snapshot_map_ = map;
  self->snapshot_map_bytes_ = bytes;
  *bufs = out;
  *n = 1;
  return 0;
}

// libraft calls this once the snapshot is written (or failed): the end of the snapshot's time.
int LibraftLog::FsmSnapshotFinalize(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n) noexcept {
  auto* self = static_cast<LibraftLog*>(fsm->data);
  self->snapshot_total_us_last_ = MicrosSince(self->snapshot_start_);
  self->snapshots_taken_++;
  if (self->snapshot_map_ != nullptr) {
    self->snapshot_bytes_last_ = static_cast<int64_t>(self->snapshot_map_bytes_);
    munmap(self->snapshot_map_, self->snapshot_map_bytes_);
    self->snapshot_map_ = nullptr;
    self->snapshot_map_bytes_ = 0;
  } else if (*bufs != nullptr) {
    for (unsigned i = 0; i < *n; i++) raft_free((*bufs)[i].base);
  }
  if (*bufs != nullptr) raft_free(*bufs);
  if (self->snapshot_fd_ >= 0) close(self->snapshot_fd_);
  self->snapshot_fd_ = -1;
  *bufs = nullptr;
  *n = 0;
  return 0;
}

// Who frees the snapshot's buffer, in libraft 0.15: the restore callback on success (ownership
// passes to the state machine; snapshotRestore then frees only the array of buffers), libraft
// itself on failure (raft_start destroys the whole snapshot, installSnapshotCb frees the data).
// Freeing it here on failure too was a double free: a crash instead of the start-up error.
int LibraftLog::FsmRestore(raft_fsm* fsm, raft_buffer* buf) noexcept {
  auto* self = static_cast<LibraftLog*>(fsm->data);
  Status s = self->callbacks_.restore({static_cast<const char*>(buf->base), buf->len});
  if (!s.ok() && self->started_) {
    // Sent by the leader (installSnapshotCb): libraft has already replaced this member's log and
    // snapshot file with it, and the state machine is not at its index. The member could apply
    // nothing more, silently; after a restart the file stops start-up with the error above.
    log::Flush();  // the lines that led here come first
    std::fprintf(stderr, "paddock: fatal: the snapshot the leader sent could not be restored: %s\n",
                 s.message().c_str());
    std::fflush(stderr);
    std::abort();
  }
  if (!s.ok()) {
    PADDOCK_LOG_ERROR("snapshot restore failed error=\"{}\"", s.message());
    self->restore_error_ = s.message();
    return RAFT_CORRUPT;
  }
  raft_free(buf->base);
  return 0;
}

void LibraftLog::Propose(std::string entry, std::function<void(Status)> done) {
  std::string framed = Frame(entry);
  raft_buffer buf;
  buf.len = framed.size();
  buf.base = raft_malloc(framed.size());
  PADDOCK_ASSERT(buf.base != nullptr);
  std::memcpy(buf.base, framed.data(), framed.size());
  auto* p = new ProposeRequest;
  p->done = std::move(done);
  p->req.data = p;
  int rv = raft_apply(&raft_, &p->req, &buf, 1, [](struct raft_apply* req, int status, void*) {
    auto* pr = static_cast<ProposeRequest*>(req->data);
    pr->done(status == 0 ? Status::Ok() : RaftError("raft apply", status));
    delete pr;
  });
  if (rv != 0) {
    raft_free(buf.base);
    p->done(RaftError("raft apply", rv));
    delete p;
  }
}

void LibraftLog::Barrier(std::function<void(Status)> done) {
  auto* b = new BarrierRequest;
  b->done = std::move(done);
  b->req.data = b;
  int rv = raft_barrier(&raft_, &b->req, [](struct raft_barrier* req, int status) {
    auto* br = static_cast<BarrierRequest*>(req->data);
    br->done(status == 0 ? Status::Ok() : RaftError("raft barrier", status));
    delete br;
  });
  if (rv != 0) {
    b->done(RaftError("raft barrier", rv));
    delete b;
  }
}

bool LibraftLog::AnnounceCommit() {
  if (!started_ || stopping_) return false;
  announcer_.Request(&raft_);
  // At once: this loop turn's check handles may have run already (libuv runs the newest
  // first, so AfterLoopTurn runs before the server's turn), and the loop could then sleep
  // until libraft's own heartbeat. The followers that still have to acknowledge get theirs
  // in the turn their acknowledgement arrives.
  commit_announcements_ += announcer_.Flush(&raft_);
  return true;
}

int64_t LibraftLog::MicrosSinceLastAppend() const {
  if (last_append_start_ == std::chrono::steady_clock::time_point{}) return -1;  // none yet
  return MicrosSince(last_append_start_);
}

bool LibraftLog::IsLeader() const {
  return started_ && raft_state(const_cast<raft*>(&raft_)) == RAFT_LEADER;
}

uint64_t LibraftLog::LeaderId() const {
  if (!started_) return 0;
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(const_cast<raft*>(&raft_), &id, &address);
  return id;
}

LogStats LibraftLog::Stats() const {
  LogStats s;
  if (started_) {
    auto* r = const_cast<raft*>(&raft_);  // libraft's getters take a non-const pointer
    switch (raft_state(r)) {
      case RAFT_FOLLOWER: s.role = LogStats::Role::kFollower; break;
      case RAFT_CANDIDATE: s.role = LogStats::Role::kCandidate; break;
      case RAFT_LEADER: s.role = LogStats::Role::kLeader; break;
      default: s.role = LogStats::Role::kUnavailable; break;
    }
    s.term = raft_.current_term;
    s.commit_index = raft_.commit_index;
    s.last_applied = raft_last_applied(r);
    s.last_index = raft_last_index(r);
    s.commit_announcements = commit_announcements_;
  }
  s.fsync = fsync_;
  s.snapshots_taken = snapshots_taken_;
  s.snapshot_bytes_last = snapshot_bytes_last_;
  s.snapshot_capture_us_last = snapshot_capture_us_last_;
  s.snapshot_total_us_last = snapshot_total_us_last_;
  s.snapshot_index_last = snapshot_index_last_;
  return s;
}

// The voter with the highest match index, the one closest to taking over (libraft's own choice,
// with id 0, is the first voter that is up to date, else the last one, alive or not).
void LibraftLog::TransferLeadership(std::function<void(uint64_t)> done) {
  PADDOCK_ASSERT(!stopping_ && !transfer_done_);
  if (!started_ || raft_state(&raft_) != RAFT_LEADER) {
    done(0);
    return;
  }
  raft_id target = 0;
  raft_index best = 0;
  for (unsigned i = 0; i < raft_.configuration.n; i++) {
    const raft_server& server = raft_.configuration.servers[i];
    if (server.id == raft_.id || server.role != RAFT_VOTER) continue;
    raft_index match = raft_.leader_state.progress[i].match_index;
    if (target == 0 || match > best) {
      target = server.id;
      best = match;
    }
  }
  if (target == 0) {
    done(0);
    return;
  }
  transfer_.data = this;
  int rv = raft_transfer(&raft_, &transfer_, target, [](struct raft_transfer* req) {
    static_cast<LibraftLog*>(req->data)->transfer_finished_ = true;  // reported after the turn
  });
  if (rv != 0) {
    PADDOCK_LOG_WARN("leadership transfer not started to={} error=\"{}\"", target,
                     raft_errmsg(&raft_));
    done(0);
    return;
  }
  PADDOCK_LOG_INFO("leadership transfer started to={} match_index={} last_index={}", target, best,
                   raft_last_index(&raft_));
  transfer_done_ = std::move(done);
}

void LibraftLog::Stop(std::function<void()> done) {
  stop_done_ = std::move(done);
  stopping_ = true;  // before raft_close, which cancels queued appends (GuardedAppendDone)
  if (!raft_initialized_) {
    if (io_ready_) raft_uv_close(&io_);
    if (tcp_transport_) AuthTransportRelease(&transport_);
    tcp_transport_ = false;
    io_ready_ = false;
    stop_done_();
    return;
  }
  // Once raft_init succeeded, the backend has a timer on the loop (libraft's uvInit) that only
  // raft_close closes, also when raft_start failed: freeing the backend directly left it linked
  // in the loop, in freed memory, and uv_loop_close refused to close the loop (EBUSY).
  if (started_) uv_close(reinterpret_cast<uv_handle_t*>(&available_check_), nullptr);
  raft_.data = this;
  in_raft_close_ = true;
  raft_close(&raft_, [](raft* r) {
    auto* self = static_cast<LibraftLog*>(r->data);
    raft_uv_close(&self->io_);
    if (self->tcp_transport_) AuthTransportRelease(&self->transport_);
    self->tcp_transport_ = false;
    self->io_ready_ = false;
    self->raft_initialized_ = false;
    self->started_ = false;
    self->stop_done_();
  });
  in_raft_close_ = false;
  ReturnCanceledAppends();
}

// The appends raft_close cancelled go back to libraft newest first. On a failed append, libraft
// 0.15's leader callback (appendLeaderCb) truncates its in-memory log from the append's first
// index without checking that the index is still in the log (upstream fixed it later, in
// 8b9c95c). Oldest first, as raft_close cancels them, the first truncation removes the entries of
// every later append, and the next callback truncates past the end of the log: a SIGSEGV on
// SIGTERM under write load (tests/crash/sigterm_under_load_test.py). Newest first, every
// truncation starts inside the log.
void LibraftLog::ReturnCanceledAppends() {
  if (canceled_appends_.empty()) return;
  // The log is closed only on a later loop turn (libraft closes its timer first), so its state
  // is still there for these callbacks.
  PADDOCK_ASSERT(started_);
  PADDOCK_LOG_INFO("log appends cancelled by the shutdown count={}", canceled_appends_.size());
  std::vector<std::pair<raft_io_append*, raft_io_append_cb>> canceled;
  canceled.swap(canceled_appends_);
  for (auto it = canceled.rbegin(); it != canceled.rend(); ++it) {
    it->second(it->first, RAFT_CANCELED);
  }
}

// A transport for an ensemble of one: nothing to listen on, nobody to connect to.
namespace {
int NullInit(raft_uv_transport*, raft_id, const char*) { return 0; }
int NullListen(raft_uv_transport*, raft_uv_accept_cb) { return 0; }
int NullConnect(raft_uv_transport*, raft_uv_connect*, raft_id, const char*, raft_uv_connect_cb) {
  return RAFT_NOCONNECTION;
}
void NullClose(raft_uv_transport* t, raft_uv_transport_close_cb cb) {
  if (cb != nullptr) cb(t);
}
}  // namespace

void UseNullTransport(raft_uv_transport* t) {
  t->init = NullInit;
  t->listen = NullListen;
  t->connect = NullConnect;
  t->close = NullClose;
}

}  // namespace paddock::consensus
