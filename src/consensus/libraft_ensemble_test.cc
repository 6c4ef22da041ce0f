// Proves what a member does when its snapshot cannot be forked, in a real ensemble: two voters,
// each a LibraftLog with its own directory, on one loop, over libraft's TCP transport on
// loopback; snapshots every 16 entries; the state is a count of applied entries. The fork is
// replaced through LibraftOptions::fork_for_test by one that fails with chosen errors first.
//  * Errors of a moment (no process, memory or descriptor to spare) postpone the snapshot: both
//    members, follower included, go on applying every entry and snapshot once the fork works.
//    (libraft 0.15 stops a follower whose snapshot fails with anything but RAFT_BUSY: it
//    turned UNAVAILABLE, and stayed so, silently.)
//  * When libraft stops a member anyway, outside a shutdown, the process ends at once with one
//    line naming the cause (a death test, with an error no retry can cure).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "consensus/libraft_log.h"

namespace paddock::consensus {
namespace {

constexpr int kMembers = 2;
constexpr auto kRunTimeout = std::chrono::seconds(30);

// A loopback port nothing listened on a moment ago.
uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

class LibraftEnsembleTest : public ::testing::Test {
 protected:
  struct Member {
    std::unique_ptr<LibraftLog> log;
    int64_t applied = 0;
    int forks_failed = 0;
  };

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-ensemble-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Two stages, entries proposed one at a time through whoever leads. First `entries_failing`
  // entries while every snapshot fork fails with `errors` in turn, then a pause of kIdle: a
  // follower learns of the last commit from a heartbeat, and libraft 0.15 stops it only if a
  // snapshot fails there (a failure while it applies after an append is dropped). Then
  // `entries_after` more, with forks failing with `errors_after` (empty: they fork). Returns ""
  // once every member applied every entry committed, else how the run ended (a member
  // UNAVAILABLE, or kRunTimeout).
  std::string Run(int entries_failing, std::vector<int> errors, int entries_after,
                  std::vector<int> errors_after) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    std::vector<std::pair<uint64_t, std::string>> voters;
    for (int i = 0; i < kMembers; i++) {
      voters.emplace_back(i + 1, "127.0.0.1:" + std::to_string(FreeLoopbackPort()));
    }
    fork_errors_ = std::move(errors);
    fork_errors_after_ = std::move(errors_after);
    for (int i = 0; i < kMembers; i++) {
      Member& m = members_[static_cast<size_t>(i)];
      m.log = std::make_unique<LibraftLog>(&loop, MemberOptions(i, voters, &m));
      EXPECT_TRUE(m.log->Start(MemberCallbacks(&m)).ok());
    }
    stage_entries_ = entries_failing;
    entries_after_ = entries_after;
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

  static Callbacks MemberCallbacks(Member* m) {
    Callbacks cb;
    cb.apply = [m](std::string_view) { m->applied++; };
    cb.snapshot = [m] { return std::to_string(m->applied); };
    cb.restore = [m](std::string_view snap) {
      m->applied = std::stoll(std::string(snap));
      return Status::Ok();
    };
    return cb;
  }

  // Every millisecond, outside libraft's callbacks: checks how things stand, moves to the next
  // stage, and proposes the next entry once the previous one committed.
  void Tick() {
    if (stopped_) return;
    for (size_t i = 0; i < members_.size(); i++) {
      if (members_[i].log->Stats().role == LogStats::Role::kUnavailable) {
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
    for (const Member& m : members_) caught_up = caught_up && m.applied >= committed_;
    if (committed_ < stage_entries_ || !caught_up) return Propose();
    if (entries_after_ == 0) return Finish("");
    if (idle_until_ == std::chrono::steady_clock::time_point{}) idle_until_ = now + kIdle;
    if (now < idle_until_) return;
    stage_entries_ += entries_after_;
    entries_after_ = 0;
    fork_errors_ = fork_errors_after_;
  }

  void Propose() {
    if (proposed_ > committed_ || committed_ >= stage_entries_) return;
    for (Member& m : members_) {
      if (!m.log->IsLeader()) continue;
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
  std::array<Member, kMembers> members_;
  std::vector<int> fork_errors_;  // forks fail with these in turn (empty: they fork)
  std::vector<int> fork_errors_after_;
  uv_timer_t tick_{};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point idle_until_{};
  int stage_entries_ = 0;
  int entries_after_ = 0;
  int proposed_ = 0;
  int committed_ = 0;
  bool stopped_ = false;
  std::string outcome_;
};

TEST_F(LibraftEnsembleTest, ForksFailingForWantOfResourcesOnlyPostponeTheSnapshots) {
  ASSERT_EQ(Run(40, {EAGAIN, ENOMEM, EMFILE, ENFILE}, 40, {}), "");
  for (size_t i = 0; i < members_.size(); i++) {
    SCOPED_TRACE("member " + std::to_string(i + 1));
    EXPECT_GE(members_[i].forks_failed, 4);  // from the 16th entry to the 40th
    EXPECT_GE(members_[i].log->Stats().snapshots_taken, 1);
    EXPECT_GE(members_[i].applied, 80);
    EXPECT_EQ(members_[i].applied, members_[0].applied);
  }
}

using LibraftEnsembleDeathTest = LibraftEnsembleTest;

TEST_F(LibraftEnsembleDeathTest, AMemberLibraftStopsEndsTheProcessNamingTheCause) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // EPERM (a seccomp filter, say) is no shortage: answered as an error, libraft stops the
  // follower at the heartbeat after the last entry.
  EXPECT_DEATH(Run(40, {EPERM}, 0, {}),
               "paddock: fatal: libraft stopped taking part in the ensemble \\(state UNAVAILABLE "
               "outside a shutdown\\): snapshot not taken: fork: Operation not permitted");
}

}  // namespace
}  // namespace paddock::consensus
