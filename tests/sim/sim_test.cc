// Proves, over many seeded runs of a whole 3- or 5-member cluster in one process (run.h lists
// the invariants), that Paddock's guarantees hold under partitions, one-way cuts, pauses, crashes
// with restart, disk errors, connection resets and silent clients; and that a run is a function
// of its seed.
//
//   build/tests/cluster_sim_test                           # PADDOCK_SIM_SEEDS seeds (2,000)
//   PADDOCK_SIM_SEED=1234 build/tests/cluster_sim_test     # replays one seed, with its figures
//   PADDOCK_SIM_SEEDS=100000 PADDOCK_SIM_FIRST=1 build/tests/cluster_sim_test   # the long mode
//
// A failing seed prints the command that replays it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/log.h"
#include "sim/client.h"
#include "sim/cluster.h"
#include "sim/run.h"
#include "testing/sim_consensus.h"

namespace paddock::sim {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// The members' logs are the real ones: quiet unless asked (PADDOCK_SIM_LOG=debug).
class Simulation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log::Init();
    const char* level = std::getenv("PADDOCK_SIM_LOG");
    log::SetLevel(level != nullptr ? level : "off");
  }
};

TEST_F(Simulation, EverySeedHoldsEveryInvariant) {
  uint64_t only = EnvOr("PADDOCK_SIM_SEED", 0);
  uint64_t first = only != 0 ? only : EnvOr("PADDOCK_SIM_FIRST", 1);
  uint64_t count = only != 0 ? 1 : EnvOr("PADDOCK_SIM_SEEDS", 2000);
  auto start = std::chrono::steady_clock::now();
  int64_t steps = 0, faults = 0, ops = 0, unknown = 0, expired = 0, events = 0, traps = 0;
  int64_t five = 0;
  // Every run's trace hash, combined: equal digests mean the same runs (a refactoring that
  // leaves the digest of a range of seeds unchanged leaves its results unchanged too).
  uint64_t digest = 0;
  uint64_t failed = 0;
  for (uint64_t seed = first; seed < first + count; seed++) {
    RunResult r = RunSeed(RunOptions{seed});
    steps += r.steps;
    faults += r.faults;
    ops += r.ops;
    unknown += r.ops_unknown;
    expired += r.sessions_expired;
    events += r.watch_events;
    traps += r.traps_sprung;
    five += r.members == 5 ? 1 : 0;
    digest = digest * 1099511628211ULL + r.trace_hash;
    if (r.violations.empty()) continue;
    failed++;
    std::string what;
    for (size_t i = 0; i < r.violations.size() && i < 5; i++) what += "\n  " + r.violations[i];
    ADD_FAILURE() << "seed " << seed << ": " << r.violations.size() << " violation(s):" << what
                  << "\n  replay: PADDOCK_SIM_SEED=" << seed << " build/tests/cluster_sim_test";
    if (failed >= 10) break;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("RESULT first=%llu seeds=%llu failed=%llu five_member_runs=%lld steps=%lld "
              "faults=%lld traps_sprung=%lld ops=%lld unknown=%lld sessions_expired=%lld "
              "watch_events=%lld digest=%016llx seconds=%.1f\n",
              static_cast<unsigned long long>(first), static_cast<unsigned long long>(count),
              static_cast<unsigned long long>(failed), static_cast<long long>(five),
              static_cast<long long>(steps), static_cast<long long>(faults),
              static_cast<long long>(traps), static_cast<long long>(ops),
              static_cast<long long>(unknown), static_cast<long long>(expired),
              static_cast<long long>(events), static_cast<unsigned long long>(digest), secs);
}

// Seeds that found a defect, run on every build whatever PADDOCK_SIM_SEEDS says:
//  2508: a request that reached the leader while it was expiring the session was dropped
//        without a word; the expiry then failed with the leadership, pings were answered
//        again, and the client waited for its reply for ever (the run never settled).
//   592: a former leader that kept its clients after losing the leadership asked the new leader
//        for its catch-up marker while its link to it was cut; then it stopped serving, which
//        dropped the queued marker, and it waited for that marker for ever (never served again).
//  9544, 11288, 18229, 19896: a follower whose snapshot was newer than the leader's by more than
//        its trailing entries answered the leader's snapshot with the leader's index (libraft
//        0.15); the leader, its match index already there, kept that follower in its snapshot
//        state, probed below the follower's log and sent its snapshot again, until the
//        leadership changed (the cluster never settled). consensus::AppendReplyClamp now raises
//        that answer to the follower's committed snapshot (append_reply_clamp.h).
// 56526, 61269, 69148: a touch read late (a heartbeat that waited in a paused follower's socket)
//        looked fresh, and the follower passed it on when its links came up: the leader's
//        deadline for a silent client moved, and its session lived 6 s with a 4 s timeout
//        (SessionDriver now passes on only what a member heard itself).
// 25592: a defect of the simulated client, not of the server: a client that woke from a
//        silence handled a watch event that arrived just then before the replies held during
//        the silence, so it saw the event ahead of replies the server had sent first, and the
//        checks reported a watch that fired twice and a change read before its event. The client
//        now handles what it held first (SimClient::HandleHeld).
TEST_F(Simulation, SeedsThatFoundDefectsStayFixed) {
  for (uint64_t seed :
       {2508u, 592u, 9544u, 11288u, 18229u, 19896u, 56526u, 61269u, 69148u, 25592u}) {
    RunResult r = RunSeed(RunOptions{seed});
    EXPECT_TRUE(r.violations.empty()) << "seed " << seed << ": " << r.violations.front();
  }
}

// Issue 14, defect 5, directed (random runs rarely line it up): the leader proposes the expiry
// of a silent client's session and is cut off before it commits; the client comes back to that
// member (now a follower that kept serving) with its session. The member must track the session
// again and tell the new leader it hears the client. With the defect's behaviour restored
// (SessionDriver forgetting the session when its expiry fails or the leadership is lost), the new
// leader expires the session of a client that is connected and pinging, and this test fails.
TEST_F(Simulation, AnExpiryLostWithTheLeadershipLeavesTheSessionTracked) {
  testing::SimConsensusOptions co;
  co.seed = 5;
  co.members = 3;
  co.election_timeout_ms = 500;
  co.heartbeat_timeout_ms = 50;
  co.network_latency_ms = 2;
  co.disk_latency_ms = 1;
  testing::SimConsensus consensus(co);
  History history;
  Cluster cluster(&consensus, Cluster::Options{3, 500, 2, 5});
  SimClient client(&cluster, 1, 77, 4000, &history);
  auto step = [&] {
    cluster.Step();
    client.Tick();
  };
  auto leader = [&]() -> int {
    for (unsigned i = 0; i < cluster.size(); i++) {
      if (cluster.Member(i) != nullptr && cluster.Member(i)->leader_ready()) return int(i);
    }
    return -1;
  };
  while (cluster.NowMs() < 20'000 && leader() < 0) step();
  const int old_leader = leader();
  ASSERT_GE(old_leader, 0);
  client.Prefer(old_leader);
  while (cluster.NowMs() < 20'000 && !(client.connected() && client.member() == unsigned(old_leader))) {
    step();
  }
  ASSERT_TRUE(client.connected());
  for (int64_t until = cluster.NowMs() + 1000; cluster.NowMs() < until;) step();
  const int64_t session = client.session_id();
  client.Silence(INT64_MAX);
  const server::Server* l = cluster.Member(unsigned(old_leader));
  while (cluster.NowMs() < 40'000 && l->sessions().closing_count() == 0) step();
  ASSERT_EQ(l->sessions().closing_count(), 1u) << "the leader never proposed the expiry";
  // Cut off: the expiry cannot commit, and another member leads.
  int64_t cut_at = cluster.NowMs();
  for (unsigned j = 0; j < cluster.size(); j++) {
    if (j == unsigned(old_leader)) continue;
    cluster.Cut(unsigned(old_leader), j);
    cluster.Cut(j, unsigned(old_leader));
  }
  // The client comes back as soon as the leadership is lost, to the same member: it is let in
  // once the member hears of the new leader.
  while (cluster.NowMs() < cut_at + 1500 && l->leader_ready()) step();
  ASSERT_FALSE(l->leader_ready());
  client.Silence(cluster.NowMs());
  while (cluster.NowMs() < cut_at + 1200) step();
  cluster.HealAll();
  for (int64_t until = cluster.NowMs() + 12'000; cluster.NowMs() < until;) step();
  EXPECT_NE(leader(), old_leader) << "the scenario needs another leader";
  EXPECT_TRUE(cluster.Member(unsigned(old_leader))->serving());
  EXPECT_EQ(history.sessions_expired, 0);
  EXPECT_EQ(client.session_id(), session);
  EXPECT_TRUE(client.connected());
  for (const std::string& v : cluster.violations()) ADD_FAILURE() << v;
}

// The final checks fail when the history says what a defect would have made it say.
TEST_F(Simulation, TheChecksCatchWhatADefectWouldLeave) {
  struct Case {
    Tamper tamper;
    const char* expect;
  };
  for (const Case& c : {Case{Tamper::kFifoOrder, "applied after write"},
                        Case{Tamper::kLostCreate, "acknowledged create of /fifo/never-created"},
                        Case{Tamper::kDoubleCas, "both produced version"},
                        Case{Tamper::kLostEvents, "before the watch set at version"},
                        Case{Tamper::kDoubleEvents, "a watch fired twice"}}) {
    RunOptions o{11};
    o.tamper = c.tamper;
    RunResult r = RunSeed(o);
    bool found = false;
    for (const std::string& v : r.violations) found |= v.find(c.expect) != std::string::npos;
    EXPECT_TRUE(found) << "tamper " << static_cast<int>(c.tamper) << " went unnoticed";
  }
}

TEST_F(Simulation, TheSameSeedGivesTheSameRun) {
  RunResult a = RunSeed(RunOptions{7});
  RunResult b = RunSeed(RunOptions{7});
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.ops, b.ops);
  EXPECT_EQ(a.ops_unknown, b.ops_unknown);
  EXPECT_GT(a.ops, 100);
  EXPECT_GT(a.faults, 3);
}

}  // namespace
}  // namespace paddock::sim
