// Proves what a member does when a snapshot goes wrong, in a real ensemble: two or three voters,
// each a LibraftLog with its own directory, on one loop, over libraft's TCP transport on
// loopback; snapshots every 16 entries; the state is a count of applied entries. The fork is
// replaced through LibraftOptions::fork_for_test by one that fails with chosen errors.
//  * Errors of a moment (no process, memory or descriptor to spare) postpone the snapshot: both
//    members, follower included, go on applying every entry and snapshot once the fork works.
//    (libraft 0.15 stops a follower whose snapshot fails with anything but RAFT_BUSY: it
//    turned UNAVAILABLE, and stayed so, silently.)
//  * When libraft stops a member anyway, outside a shutdown, the process ends at once with one
//    line naming the cause (a death test, with an error no retry can cure).
//  * A member started late is sent the leader's snapshot and catches up; if its restore fails,
//    the process ends with one line naming the cause, instead of a member that can apply
//    nothing more.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "testing/free_port.h"
#include "consensus/libraft_log.h"

namespace paddock::consensus {
namespace {

constexpr auto kRunTimeout = std::chrono::seconds(30);

// A loopback port nothing listened on a moment ago.

// What a run does. Entries are proposed one at a time through whoever leads, in two stages:
// first `entries_failing` while every snapshot fork fails with `errors` in turn, then a pause of
// kIdle (a follower learns of the last commit from a heartbeat, and libraft 0.15 stops it only
// if a snapshot fails there: a failure while it applies after an append is dropped), then
// `entries_after` more while forks fail with `errors_after` (empty: they fork).
struct Plan {
  int members = 2;
  int entries_failing = 0;
  std::vector<int> errors{};
  int entries_after = 0;
  std::vector<int> errors_after{};
  // The last member starts only once the first stage is committed (the leader has compacted
  // its log by then, so it is sent a snapshot); its restore may be made to fail.
  bool late_member = false;
  bool late_member_rejects_snapshot = false;
};

class LibraftEnsembleTest : public ::testing::Test {
 protected:
  struct Member {
    std::unique_ptr<LibraftLog> log;
    int64_t applied = 0;
    int forks_failed = 0;
    bool started = false;
    bool rejects_snapshot = false;
    int restored = 0;
  };

  // A death test runs its body in a child process (re-executed: style "threadsafe"), which
  // gets the directory's name from the parent through the environment, so that the parent's
  // TearDown removes what the child wrote.
  void SetUp() override {
    std::string prefix = (std::filesystem::temp_directory_path() /
                          ("paddock-ensemble-" + std::to_string(getpid())))
                             .string();
    setenv("PADDOCK_ENSEMBLE_TEST_DIR", prefix.c_str(), 0);  // kept if inherited
    dir_ = std::string(getenv("PADDOCK_ENSEMBLE_TEST_DIR")) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Returns "" once every started member applied every entry committed, else how the run ended
  // (a member UNAVAILABLE, or kRunTimeout).
  std::string Run(Plan plan) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    std::vector<std::pair<uint64_t, std::string>> voters;
    for (int i = 0; i < plan.members; i++) {
      voters.emplace_back(i + 1, "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()));
    }
    members_ = std::vector<Member>(static_cast<size_t>(plan.members));
    for (int i = 0; i < plan.members; i++) {
      Member& m = members_[static_cast<size_t>(i)];
      LibraftOptions o = MemberOptions(i, voters, &m);
      // A member that takes a snapshot of its own when the leader's arrives makes libraft 0.15
      // drop the leader's, which is sent again only after install_snapshot_timeout (30 s). The
      // late member may apply entries before the snapshot (messages queued for it while it was
      // down), so it never reaches a snapshot of its own.
      if (plan.late_member && i + 1 == plan.members) o.snapshot_threshold = 1000;
      m.log = std::make_unique<LibraftLog>(&loop, std::move(o));
    }
    members_.back().rejects_snapshot = plan.late_member_rejects_snapshot;
    for (size_t i = 0; i < members_.size(); i++) {
      if (!plan.late_member || i + 1 < members_.size()) StartMember(&members_[i]);
    }
    fork_errors_ = plan.errors;
    stage_entries_ = plan.entries_failing;
    plan_ = std::move(plan);
    start_ = std::chrono::steady_clock::now();
    uv_timer_init(&loop, &tick_);
    tick_.data = this;
    uv_timer_start(
        &tick_, [](uv_timer_t* t) { static_cast<LibraftEnsembleTest*>(t->data)->Tick(); }, 1, 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return outcome_;
  }

  LibraftOptions MemberOptions(int i, const std::vector<std::pair<uint64_t, std::string>>& voters,
                               Member* m) {
    LibraftOptions o;
    o.dir = (dir_ / std::to_string(i + 1)).string();
    o.id = static_cast<uint64_t>(i + 1);
    o.address = voters[static_cast<size_t>(i)].second;
    o.voters = voters;
    o.peer_key = std::string(32, 'k');  // every member holds the same key
    o.snapshot_threshold = 16;
    o.snapshot_trailing = 4;
    o.election_timeout_ms = 300;
    o.heartbeat_timeout_ms = 30;
    o.fork_for_test = [this, m]() -> pid_t {
      if (fork_errors_.empty()) return fork();
      errno = fork_errors_[static_cast<size_t>(m->forks_failed++) % fork_errors_.size()];
      return -1;
    };
    return o;
  }

  static void StartMember(Member* m) {
    Callbacks cb;
    cb.apply = [m](std::string_view) { m->applied++; };
    cb.snapshot = [m] { return std::to_string(m->applied); };
    cb.restore = [m](std::string_view snap) {
      if (m->rejects_snapshot) return Status::Error("snapshot: digest mismatch (damaged)");
      m->applied = std::stoll(std::string(snap));
      m->restored++;
      return Status::Ok();
    };
    EXPECT_TRUE(m->log->Start(std::move(cb)).ok());
    m->started = true;
  }

  // Every millisecond, outside libraft's callbacks: checks how things stand, moves to the next
  // stage, and proposes the next entry once the previous one committed.
  void Tick() {
    if (stopped_) return;
    for (size_t i = 0; i < members_.size(); i++) {
      if (members_[i].started &&
          members_[i].log->Stats().role == LogStats::Role::kUnavailable) {
        return Finish("member " + std::to_string(i + 1) + " is UNAVAILABLE, having applied " +
                      std::to_string(members_[i].applied) + " of " +
                      std::to_string(committed_) + " entries committed");
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - start_ > kRunTimeout) {
      return Finish("timed out with " + std::to_string(committed_) + " entries committed");
    }
    bool caught_up = true;
    for (const Member& m : members_) {
      caught_up = caught_up && (!m.started || m.applied >= committed_);
    }
    if (committed_ < stage_entries_ || !caught_up) return Propose();
    if (!members_.back().started) return StartMember(&members_.back());
    if (plan_.entries_after == 0) return Finish("");
    if (idle_until_ == std::chrono::steady_clock::time_point{}) idle_until_ = now + kIdle;
    if (now < idle_until_) return;
    stage_entries_ += plan_.entries_after;
    plan_.entries_after = 0;
    fork_errors_ = plan_.errors_after;
  }

  void Propose() {
    if (proposed_ > committed_ || committed_ >= stage_entries_) return;
    for (Member& m : members_) {
      if (!m.started || !m.log->IsLeader()) continue;
      proposed_++;
      m.log->Propose("entry", [this](Status s) {
        // A proposal lost with a leader change is proposed again (its outcome is unknown, so
        // the test compares the members with each other, not with a count).
        if (s.ok()) committed_++;
        if (!s.ok()) proposed_--;
      });
      return;
    }
  }

  void Finish(std::string outcome) {
    outcome_ = std::move(outcome);
    stopped_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    for (Member& m : members_) m.log->Stop([] {});
  }

  static constexpr auto kIdle = std::chrono::milliseconds(300);  // ten heartbeats
  std::filesystem::path dir_;
  Plan plan_;
  std::vector<Member> members_;
  std::vector<int> fork_errors_;  // forks fail with these in turn (empty: they fork)
  uv_timer_t tick_{};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point idle_until_{};
  int stage_entries_ = 0;
  int proposed_ = 0;
  int committed_ = 0;
  bool stopped_ = false;
  std::string outcome_;
};

TEST_F(LibraftEnsembleTest, ForksFailingForWantOfResourcesOnlyPostponeTheSnapshots) {
  ASSERT_EQ(Run({.entries_failing = 40,
                 .errors = {EAGAIN, ENOMEM, EMFILE, ENFILE},
                 .entries_after = 40}),
            "");
  for (size_t i = 0; i < members_.size(); i++) {
    SCOPED_TRACE("member " + std::to_string(i + 1));
    EXPECT_GE(members_[i].forks_failed, 4);  // from the 16th entry to the 40th
    EXPECT_GE(members_[i].log->Stats().snapshots_taken, 1);
    EXPECT_GE(members_[i].applied, 80);
    EXPECT_EQ(members_[i].applied, members_[0].applied);
  }
}

// The plan itself, without faults: a member started late is sent a snapshot and catches up.
TEST_F(LibraftEnsembleTest, AMemberStartedLateCatchesUpFromASnapshot) {
  Plan plan{.members = 3, .entries_failing = 60, .entries_after = 10, .late_member = true};
  ASSERT_EQ(Run(plan), "");
  EXPECT_EQ(members_[2].restored, 1);
  EXPECT_EQ(members_[2].applied, members_[0].applied);
}

// A commit announced from the server's turn (a check handle started before the log, as
// Daemon's is) reaches the follower at once, without waiting for libraft's heartbeat: the loop
// may well sleep right after that turn. Two voters, a heartbeat of 500 ms; one entry is
// proposed once a leader is known, and announced after its done fired (outside libraft).
// Nothing else wakes the loop: the turn runs after whatever I/O or libraft tick woke it.
TEST_F(LibraftEnsembleTest, AnAnnouncedCommitReachesTheFollowerBeforeTheHeartbeat) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<std::pair<uint64_t, std::string>> voters;
  for (int i = 0; i < 2; i++) {
    voters.emplace_back(i + 1, "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()));
  }
  struct State {
    std::vector<Member> members = std::vector<Member>(2);
    int leader = -1;
    bool proposed = false;
    bool announce = false;
    bool done = false;
    std::chrono::steady_clock::time_point announced_at{};
    std::chrono::milliseconds follower_lag{-1};
    uv_check_t turn{};
    uv_timer_t deadline{};
    void Finish() {
      if (done) return;
      done = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&turn), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
      for (Member& m : members) m.log->Stop([] {});
    }
    Member& Leader() { return members[static_cast<size_t>(leader)]; }
    Member& Follower() { return members[static_cast<size_t>(1 - leader)]; }
    void Turn() {
      if (done) return;
      if (leader < 0) {
        for (int i = 0; i < 2; i++) {
          if (members[static_cast<size_t>(i)].log->IsLeader()) leader = i;
        }
        if (leader < 0) return;
      }
      if (!proposed) {
        proposed = true;
        Leader().log->Propose("entry", [this](Status s) { announce = s.ok(); });
      } else if (announce) {
        announce = false;
        int64_t before = Leader().log->Stats().commit_announcements;
        EXPECT_TRUE(Leader().log->AnnounceCommit());
        // Sent before AnnounceCommit returns: this turn may be the loop's last before it
        // sleeps (libuv ran the log's own check handle first).
        EXPECT_EQ(Leader().log->Stats().commit_announcements, before + 1);
        announced_at = std::chrono::steady_clock::now();
      } else if (announced_at != std::chrono::steady_clock::time_point{} &&
                 Follower().applied >= Leader().applied) {
        follower_lag = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - announced_at);
        Finish();
      }
    }
  } st;
  // The server's turn: started before the logs, so libuv runs it after their own check.
  uv_check_init(&loop, &st.turn);
  st.turn.data = &st;
  uv_check_start(&st.turn, [](uv_check_t* h) { static_cast<State*>(h->data)->Turn(); });
  uv_timer_init(&loop, &st.deadline);
  st.deadline.data = &st;
  uv_timer_start(
      &st.deadline, [](uv_timer_t* t) { static_cast<State*>(t->data)->Finish(); },
      static_cast<uint64_t>(std::chrono::milliseconds(kRunTimeout).count()), 0);
  for (int i = 0; i < 2; i++) {
    Member& m = st.members[static_cast<size_t>(i)];
    LibraftOptions o = MemberOptions(i, voters, &m);
    o.election_timeout_ms = 1000;
    o.heartbeat_timeout_ms = 500;
    m.log = std::make_unique<LibraftLog>(&loop, std::move(o));
    StartMember(&m);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  ASSERT_GE(st.follower_lag.count(), 0) << "no leader, or the entry did not apply";
  // A message on loopback; the heartbeat would have come up to 500 ms on.
  EXPECT_LT(st.follower_lag.count(), 100);
}

using LibraftEnsembleDeathTest = LibraftEnsembleTest;

TEST_F(LibraftEnsembleDeathTest, AMemberLibraftStopsEndsTheProcessNamingTheCause) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // EPERM (a seccomp filter, say) is no shortage: answered as an error, libraft stops the
  // follower at the heartbeat after the last entry.
  EXPECT_DEATH(Run({.entries_failing = 40, .errors = {EPERM}}),
               "paddock: fatal: libraft stopped taking part in the ensemble \\(state UNAVAILABLE "
               "outside a shutdown\\): snapshot not taken: fork: Operation not permitted");
}

// A follower that cannot restore the snapshot its leader sent has already replaced its log and
// its snapshot file with it: it could apply nothing more, and would go on silently.
TEST_F(LibraftEnsembleDeathTest, AFollowerThatCannotRestoreTheLeadersSnapshotEndsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(Run({.members = 3,
                    .entries_failing = 60,
                    .late_member = true,
                    .late_member_rejects_snapshot = true}),
               "paddock: fatal: the snapshot the leader sent could not be restored: snapshot: "
               "digest mismatch \\(damaged\\)");
}

}  // namespace
}  // namespace paddock::consensus
