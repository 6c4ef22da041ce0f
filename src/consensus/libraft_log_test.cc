// Proves the entry framing that protects against libraft 0.15's unpadded-entry bug: every framed
// entry is a multiple of 8 bytes, round-trips exactly, and malformed framing is rejected.
#include "consensus/libraft_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

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

  // Opens the log, waits to lead, proposes `entries` one by one, and closes it. Returns the count
  // of applied entries (restored plus applied) as the state machine saw it.
  int64_t Run(int entries, int64_t* restored) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    LibraftOptions o;
    o.dir = dir_.string();
    o.snapshot_threshold = 16;
    o.snapshot_trailing = 4;
    o.election_timeout_ms = 100;
    o.heartbeat_timeout_ms = 10;
    LibraftLog log(&loop, o);
    int64_t count = 0;
    Callbacks cb;
    cb.apply = [&count](std::string_view) { count++; };
    cb.snapshot = [&count] { return std::to_string(count); };
    cb.restore = [&count, restored](std::string_view snap) {
      count = std::stoll(std::string(snap));
      *restored = count;
      return Status::Ok();
    };
    EXPECT_TRUE(log.Start(std::move(cb)).ok());
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

}  // namespace
}  // namespace paddock::consensus
