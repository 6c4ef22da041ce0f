#include "datadir/data_dir.h"

#include <uv.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "consensus/data_dir_check.h"
#include "consensus/libraft_log.h"
#include "statemachine/txn.h"

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

namespace paddock::datadir {
namespace {

namespace fs = std::filesystem;

// libraft's disk backend on a loop of its own, for one directory.
class Disk {
 public:
  explicit Disk(std::string dir) : dir_(std::move(dir)) {}
  ~Disk() { Close(); }
  Disk(const Disk&) = delete;
  Disk& operator=(const Disk&) = delete;

  Status Open(uint64_t id) {
    if (uv_loop_init(&loop_) != 0) return Status::Error("uv_loop_init failed");
    loop_ready_ = true;
    consensus::UseNullTransport(&transport_);  // no Raft traffic: the disk backend only
    if (raft_uv_init(&io_, &loop_, dir_.c_str(), &transport_) != 0) {
      return Status::Error("raft log in " + dir_ + ": " + io_.errmsg);
    }
    io_ready_ = true;
    raft_uv_set_auto_recovery(&io_, false);
    if (io_.init(&io_, id, "") != 0) {
      return Status::Error("raft log in " + dir_ + ": " + io_.errmsg);
    }
    initialized_ = true;
    return Status::Ok();
  }
  raft_io* io() { return &io_; }
  uv_loop_t* loop() { return &loop_; }
  Status Error(const char* what, int rv) {
    return Status::Error(std::string(what) + " in " + dir_ + ": " + raft_strerror(rv) +
                         (io_.errmsg[0] != '\0' ? std::string(" (") + io_.errmsg + ")" : ""));
  }

  void Close() {
    if (initialized_) {
      initialized_ = false;
      io_.close(&io_, [](raft_io*) {});
      uv_run(&loop_, UV_RUN_DEFAULT);
    }
    if (io_ready_) {
      io_ready_ = false;
      raft_uv_close(&io_);
    }
    if (loop_ready_) {
      loop_ready_ = false;
      uv_run(&loop_, UV_RUN_DEFAULT);
      uv_loop_close(&loop_);
    }
  }

 private:
  std::string dir_;
  uv_loop_t loop_{};
  raft_uv_transport transport_{};
  raft_io io_{};
  bool loop_ready_ = false;
  bool io_ready_ = false;
  bool initialized_ = false;
};

Voters VotersOf(const raft_configuration& conf) {
  Voters out;
  for (unsigned i = 0; i < conf.n; i++) {
    out.emplace_back(conf.servers[i].id,
                     conf.servers[i].address != nullptr ? conf.servers[i].address : "");
  }
  return out;
}

// What raft_io's load returned: entries loaded together share one batch allocation.
void FreeEntries(raft_entry* entries, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (entries[i].batch == nullptr) {
      raft_free(entries[i].buf.base);
    } else if (i == 0 || entries[i].batch != entries[i - 1].batch) {
      raft_free(entries[i].batch);
    }
  }
  raft_free(entries);
}

// A scratch view of a data directory for libraft to load: its load finishes open segments
// (renames and truncates them), and a tool that reads must leave the directory as it was. The
// files libraft may change (open segments, metadata) are copied, the others hard-linked (copied
// where a link cannot be made); the view lives beside the directory, on its filesystem.
class ScratchCopy {
 public:
  ~ScratchCopy() {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  Status Make(const std::string& raft_dir) {
    fs::path src(raft_dir);
    std::string scratch_name = src.filename().string();
    scratch_name.insert(0, 1, '.');
    scratch_name.append(".read-XXXXXX");
    std::string pattern = (src.parent_path() / scratch_name).string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Status::Error(pattern + ": cannot make a scratch directory: " + std::strerror(errno));
    }
    dir_ = pattern;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(src, ec)) {
      if (!entry.is_regular_file()) continue;
      std::string name = entry.path().filename().string();
      fs::path to = fs::path(dir_) / name;
      bool mutable_file = name.rfind("open-", 0) == 0 || name.rfind("metadata", 0) == 0;
      std::error_code link_ec;
      if (!mutable_file) fs::create_hard_link(entry.path(), to, link_ec);
      if (mutable_file || link_ec) fs::copy_file(entry.path(), to, ec);
      if (ec) return Status::Error(entry.path().string() + ": " + ec.message());
    }
    if (ec) return Status::Error(raft_dir + ": " + ec.message());
    return Status::Ok();
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace

Voters StandaloneVoters() {
  consensus::LibraftOptions defaults;
  return {{1, defaults.address}};
}

Status WriteDataDir(const std::string& raft_dir, const Voters& voters, std::string_view state) {
  std::error_code ec;
  if (fs::exists(raft_dir, ec) && !fs::is_empty(raft_dir, ec)) {
    return Status::Error(raft_dir + ": not empty (a data directory is there already; choose an "
                         "empty one)");
  }
  fs::create_directories(raft_dir, ec);
  if (ec) return Status::Error(raft_dir + ": " + ec.message());
  if (voters.empty()) return Status::Error("no voters");
  raft_configuration conf;
  raft_configuration_init(&conf);
  for (const auto& [id, address] : voters) {
    if (raft_configuration_add(&conf, id, address.c_str(), RAFT_VOTER) != 0) {
      raft_configuration_close(&conf);
      return Status::Error("raft configuration: bad voter " + std::to_string(id));
    }
  }
  Disk disk(raft_dir);
  Status s = disk.Open(voters.front().first);
  // The configuration as the first entry (term 1, index 1), as a server's bootstrap writes it;
  // then the state as a snapshot at that index, which replaces the entry.
  int rv = 0;
  if (s.ok() && (rv = disk.io()->bootstrap(disk.io(), &conf)) != 0) s = disk.Error("bootstrap", rv);
  raft_term term = 0;
  raft_id vote = 0;
  raft_snapshot* old = nullptr;
  raft_index start = 0;
  raft_entry* entries = nullptr;
  size_t n = 0;
  if (s.ok() && (rv = disk.io()->load(disk.io(), &term, &vote, &old, &start, &entries, &n)) != 0) {
    s = disk.Error("load", rv);
  }
  if (s.ok()) {
    FreeEntries(entries, n);
    raft_buffer buf;
    buf.len = state.size();
    buf.base = const_cast<char*>(state.data());
    raft_snapshot snap{};
    snap.index = 1;
    snap.term = 1;
    snap.configuration = conf;
    snap.configuration_index = 1;
    snap.bufs = &buf;
    snap.n_bufs = 1;
    struct Put {
      raft_io_snapshot_put req{};
      bool done = false;
      int status = 0;
    } put;
    put.req.data = &put;
    rv = disk.io()->snapshot_put(disk.io(), 0, &put.req, &snap,
                                 [](raft_io_snapshot_put* req, int status) {
                                   auto* p = static_cast<Put*>(req->data);
                                   p->done = true;
                                   p->status = status;
                                 });
    if (rv != 0) {
      s = disk.Error("snapshot", rv);
    } else {
      while (!put.done) uv_run(disk.loop(), UV_RUN_ONCE);
      if (put.status != 0) s = disk.Error("snapshot", put.status);
    }
  }
  disk.Close();
  raft_configuration_close(&conf);
  return s;
}

Status ReadDataDir(const std::string& raft_dir, statemachine::StateMachine* sm,
                   DataDirContents* contents) {
  std::error_code ec;
  if (!fs::is_directory(raft_dir, ec)) return Status::Error(raft_dir + ": not a directory");
  // Damage libraft would crash or hang on stops here, naming the file (as a server's start).
  if (Status s = consensus::CheckDataDir(raft_dir); !s.ok()) return s;
  ScratchCopy scratch;
  if (Status s = scratch.Make(raft_dir); !s.ok()) return s;
  Disk disk(scratch.dir());
  if (Status s = disk.Open(1); !s.ok()) return s;
  raft_term term = 0;
  raft_id vote = 0;
  raft_snapshot* snap = nullptr;
  raft_index start = 0;
  raft_entry* entries = nullptr;
  size_t n = 0;
  if (int rv = disk.io()->load(disk.io(), &term, &vote, &snap, &start, &entries, &n); rv != 0) {
    return disk.Error("load", rv);
  }
  *contents = DataDirContents{};
  contents->term = term;
  contents->voted_for = vote;
  contents->first_index = start;
  contents->entries = n;
  Status s = Status::Ok();
  if (snap != nullptr) {
    contents->snapshot_index = snap->index;
    contents->snapshot_term = snap->term;
    contents->voters = VotersOf(snap->configuration);
    contents->snapshot_bytes = snap->bufs[0].len;
    s = sm->Restore({static_cast<const char*>(snap->bufs[0].base), snap->bufs[0].len});
    if (!s.ok()) s = Status::Error(raft_dir + ": snapshot " + std::to_string(snap->index) + ": " +
                                   s.message());
    contents->snapshot_zxid = sm->last_zxid();
  }
  for (size_t i = 0; i < n && s.ok(); i++) {
    const raft_entry& e = entries[i];
    // libraft keeps trailing entries behind a snapshot: those are in it already.
    if (start + i <= contents->snapshot_index) continue;
    std::string_view bytes(static_cast<const char*>(e.buf.base), e.buf.len);
    if (e.type != RAFT_COMMAND) continue;
    contents->commands++;
    std::string_view payload;
    if (!consensus::LibraftLog::Unframe(bytes, &payload)) {
      s = Status::Error(raft_dir + ": entry " + std::to_string(start + i) + " is malformed");
      break;
    }
    Result<std::vector<statemachine::Txn>> txns = statemachine::DecodeBatch(payload);
    if (!txns.ok()) {
      s = Status::Error(raft_dir + ": entry " + std::to_string(start + i) + ": " +
                        txns.status().message());
      break;
    }
    for (const statemachine::Txn& txn : *txns) {
      sm->Apply(txn);
      contents->txns++;
    }
  }
  if (snap != nullptr) {
    raft_configuration_close(&snap->configuration);
    raft_free(snap->bufs[0].base);
    raft_free(snap->bufs);
    raft_free(snap);
  }
  FreeEntries(entries, n);
  return s;
}

}  // namespace paddock::datadir
