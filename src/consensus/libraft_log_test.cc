// Proves the entry framing that protects against libraft 0.15's unpadded-entry bug: every framed
// entry is a multiple of 8 bytes, round-trips exactly, and malformed framing is rejected. Then,
// on a real log in a temporary directory: forked snapshots restore the state they captured, and
// a snapshot the state machine rejects stops start-up with an error naming the file (no double
// free of libraft's buffer), and stopping while a snapshot's child runs ends cleanly.
#include "consensus/libraft_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "consensus/data_dir_check.h"

namespace paddock::consensus {
namespace {

TEST(LibraftFraming, EveryEntryIsPaddedToEightBytesAndRoundTrips) {
  for (size_t n = 0; n < 40; n++) {
    std::string payload(n, 'a');
    std::string framed = LibraftLog::Frame(payload);
    EXPECT_EQ(framed.size() % 8, 0u) << n;
    std::string_view back;
    ASSERT_TRUE(LibraftLog::Unframe(framed, &back)) << n;
    EXPECT_EQ(back, payload);
  }
}

TEST(LibraftFraming, LengthLargerThanTheEntryIsRejected) {
  std::string framed = LibraftLog::Frame("abc");
  framed[3] = 100;
  std::string_view back;
  EXPECT_FALSE(LibraftLog::Unframe(framed, &back));
}

TEST(LibraftFraming, UnpaddedEntryIsRejected) {
  std::string_view back;
  EXPECT_FALSE(LibraftLog::Unframe(std::string("\0\0\0\1a", 5), &back));
}

// A real log on disk, standalone, with snapshots forked every 16 entries: the state is a count of
// applied entries. After a restart, the count restored from the newest snapshot plus the
// entries replayed after it equals every entry ever committed, and a snapshot was restored.
class LibraftSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-raft-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  LibraftOptions Options() const {
    LibraftOptions o;
    o.dir = dir_.string();
    o.snapshot_threshold = 16;
    o.snapshot_trailing = 4;
    o.election_timeout_ms = 100;
    o.heartbeat_timeout_ms = 10;
    return o;
  }

  // The state machine: a count of applied entries, its snapshot the count in decimal. A
  // snapshot that is not a number fails the restore, as one failing Paddock's digest does.
  static Callbacks CountingCallbacks(int64_t* count, int64_t* restored) {
    Callbacks cb;
    cb.apply = [count](std::string_view) { (*count)++; };
    cb.snapshot = [count] { return std::to_string(*count); };
    cb.restore = [count, restored](std::string_view snap) {
      if (snap.empty() || snap.find_first_not_of("0123456789") != std::string_view::npos) {
        return Status::Error("snapshot: not a count (damaged)");
      }
      *count = std::stoll(std::string(snap));
      if (restored != nullptr) *restored = *count;
      return Status::Ok();
    };
    return cb;
  }

  // Opens the log, waits to lead, proposes `entries` one by one, and closes it. Returns the count
  // of applied entries (restored plus applied) as the state machine saw it.
  int64_t Run(int entries, int64_t* restored) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    LibraftLog log(&loop, Options());
    int64_t count = 0;
    EXPECT_TRUE(log.Start(CountingCallbacks(&count, restored)).ok());
    int proposed = 0;
    int committed = 0;
    bool done = false;
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    struct Ctx {
      LibraftLog* log;
      int entries;
      int* proposed;
      int* committed;
      bool* done;
    } ctx{&log, entries, &proposed, &committed, &done};
    tick.data = &ctx;
    // One proposal per tick, outside libraft's callbacks; then stop.
    uv_timer_start(&tick, [](uv_timer_t* t) {
      auto* c = static_cast<Ctx*>(t->data);
      if (*c->done || !c->log->IsLeader()) return;
      if (*c->committed == c->entries) {
        *c->done = true;
        uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        c->log->Stop([] {});
        return;
      }
      if (*c->proposed > *c->committed) return;
      (*c->proposed)++;
      c->log->Propose("entry", [c](Status s) {
        EXPECT_TRUE(s.ok()) << s.message();
        (*c->committed)++;
      });
    }, 1, 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_TRUE(done);
    uv_loop_close(&loop);
    return count;
  }

  // Opens the log and closes it again; returns what Start said.
  Status StartAndStop() {
    uv_loop_t loop;
    uv_loop_init(&loop);
    LibraftLog log(&loop, Options());
    int64_t count = 0;
    Status s = log.Start(CountingCallbacks(&count, nullptr));
    log.Stop([] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0) << "a handle of the log is still on the loop";
    return s;
  }

  // Replaces the newest snapshot's data with `bytes` bytes that are no count, written raw:
  // libraft reads a file without an LZ4 frame as it is, and has no checksum of its own over the
  // data, so only the state machine's restore can reject it. Returns the file's name.
  std::string DamageNewestSnapshot(size_t bytes) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      names.push_back(e.path().filename().string());
    }
    std::string newest = NewestSnapshot(names);
    EXPECT_FALSE(newest.empty());
    std::ofstream(dir_ / newest, std::ios::binary | std::ios::trunc) << std::string(bytes, 'x');
    return newest;
  }

  std::filesystem::path dir_;
};

TEST_F(LibraftSnapshotTest, ForkedSnapshotsRestoreTheStateTheyCaptured) {
  int64_t restored = -1;
  EXPECT_EQ(Run(100, &restored), 100);
  bool snapshot_file = false;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    if (e.path().filename().string().rfind("snapshot-", 0) == 0) snapshot_file = true;
  }
  EXPECT_TRUE(snapshot_file);
  restored = -1;
  EXPECT_EQ(Run(20, &restored), 120);
  EXPECT_GE(restored, 16);  // the newest snapshot's count, then replayed entries on top
  EXPECT_LE(restored, 100);
}

// libraft 0.15 frees the buffer of a snapshot whose restore failed itself (raft_start through
// snapshotDestroy, and installSnapshotCb on a follower), and takes it over only when the restore
// succeeds. A restore that also freed it on failure freed it twice: instead of the start-up
// error below, the process died in the raft heap's check of the second free (small buffers) or
// on the unmapped header (buffers of a mapping of their own, over 64 KiB).
TEST_F(LibraftSnapshotTest, ASmallCorruptSnapshotStopsStartUpWithAnErrorNamingIt) {
  int64_t restored = -1;
  ASSERT_EQ(Run(40, &restored), 40);
  std::string damaged = DamageNewestSnapshot(100);
  Status s = StartAndStop();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(damaged + " (the newest, which libraft loads) is corrupt"),
            std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not a count (damaged)"), std::string::npos) << s.message();
}

TEST_F(LibraftSnapshotTest, ALargeCorruptSnapshotStopsStartUpWithAnErrorNamingIt) {
  int64_t restored = -1;
  ASSERT_EQ(Run(40, &restored), 40);
  std::string damaged = DamageNewestSnapshot(1 << 20);
  Status s = StartAndStop();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(damaged + " (the newest, which libraft loads) is corrupt"),
            std::string::npos) << s.message();
}

// raft_close while a snapshot's child still serializes: libraft's close waits for the threadpool
// work that waits for the child, then cancels writing the snapshot (the log is closing) and
// finalizes it. Stop completes, the snapshot is finalized (counted), and a restart has every
// committed entry. The child is held at a gate (through the fork seam) until Stop was called.
TEST_F(LibraftSnapshotTest, StoppingWhileTheSnapshotChildRunsEndsCleanlyAndLosesNothing) {
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  uv_loop_t loop;
  uv_loop_init(&loop);
  LibraftOptions o = Options();
  o.fork_for_test = [&gate]() -> pid_t {
    pid_t pid = fork();
    char c = 0;
    if (pid == 0 && read(gate[0], &c, 1) != 1) _exit(1);  // the child waits for the test
    return pid;
  };
  LibraftLog log(&loop, o);
  int64_t count = 0;
  Callbacks cb = CountingCallbacks(&count, nullptr);
  struct Ctx {
    LibraftLog* log;
    int gate_out;
    bool snapshot_started = false;
    bool stopped = false;
    int proposed = 0;
    int committed = 0;
  } ctx{&log, gate[1]};
  cb.snapshot_started = [&ctx] { ctx.snapshot_started = true; };
  ASSERT_TRUE(log.Start(std::move(cb)).ok());
  uv_timer_t tick;
  uv_timer_init(&loop, &tick);
  tick.data = &ctx;
  uv_timer_start(&tick, [](uv_timer_t* t) {
    auto* c = static_cast<Ctx*>(t->data);
    if (c->snapshot_started) {
      uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
      c->log->Stop([c] { c->stopped = true; });
      EXPECT_EQ(write(c->gate_out, "x", 1), 1);  // now the child may serialize and exit
      return;
    }
    if (!c->log->IsLeader() || c->proposed > c->committed) return;
    c->proposed++;
    c->log->Propose("entry", [c](Status s) { c->committed += s.ok() ? 1 : 0; });
  }, 1, 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  close(gate[0]);
  close(gate[1]);
  EXPECT_TRUE(ctx.stopped);
  EXPECT_EQ(log.Stats().snapshots_taken, 1);
  int64_t restored = -1;
  EXPECT_EQ(Run(0, &restored), ctx.committed);
}

}  // namespace
}  // namespace paddock::consensus
