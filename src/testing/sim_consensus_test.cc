// Proves that SimConsensus gives simulated servers a ReplicatedLog that behaves like LibraftLog
// does on a real ensemble, on libraft's own fixture and a simulated clock.
#include "testing/sim_consensus.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace paddock::testing {
namespace {

struct Fsm {
  std::vector<std::string> applied;
  consensus::Callbacks Callbacks() {
    consensus::Callbacks cb;
    cb.apply = [this](std::string_view e) { applied.emplace_back(e); };
    cb.snapshot = [this] {
      std::string out;
      for (const auto& e : applied) out += e + "\n";
      return out;
    };
    cb.restore = [this](std::string_view s) {
      applied.clear();
      size_t start = 0;
      while (start < s.size()) {
        size_t end = s.find('\n', start);
        applied.emplace_back(s.substr(start, end - start));
        start = end + 1;
      }
      return Status::Ok();
    };
    return cb;
  }
};

TEST(SimConsensusTest, ElectsALeaderAndAppliesProposalsEverywhere) {
  SimConsensus sim({.seed = 7, .members = 3});
  std::vector<Fsm> fsms(3);
  for (unsigned i = 0; i < 3; i++) ASSERT_TRUE(sim.Member(i).Start(fsms[i].Callbacks()).ok());
  ASSERT_TRUE(sim.StepUntil([&] { return sim.StableLeader() < 3; }, 10000));
  unsigned leader = sim.StableLeader();
  int ok = 0;
  for (int k = 0; k < 100; k++) {
    sim.Member(leader).Propose("e" + std::to_string(k), [&](Status s) { ok += s.ok(); });
    sim.StepUntil(sim.NowMs() + 5);
  }
  sim.StepUntil(sim.NowMs() + 2000);
  EXPECT_EQ(ok, 100);
  for (unsigned i = 0; i < 3; i++) EXPECT_EQ(fsms[i].applied.size(), 100u) << i;
  EXPECT_EQ(sim.SafetyViolation(), "");
}

}  // namespace
}  // namespace paddock::testing
