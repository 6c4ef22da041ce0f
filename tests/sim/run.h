// One seeded run of the whole-cluster simulation, and the invariants it checks.
//
// A run: three members (five for one seed in five) (cluster.h) and five clients (client.h) on
// libraft's fixture; the seed draws a schedule of faults over `fault_ms` (members isolated, one-way
// link cuts, a member paused, a member crashed and restarted from its disk, a disk error that
// fail-stops a member, a member's connections reset, a client gone silent, sometimes for longer
// than its session timeout, and a trap that cuts off a leader the moment it proposes an
// expiry); then every fault is healed, the
// clients stop issuing requests, and the run settles until every member has applied the same
// log and serves. The invariants (RunSeed's result lists each one that failed):
//  * consensus: one leader per term, the same entry at every index on every member (SimConsensus);
//  * every acknowledged create exists on every member at the end; no create answered with an
//    error exists; every acknowledged sequential name is unique;
//  * the register (versioned setData on /reg): no two successful compare-and-sets produced the
//    same version, each produced expected + 1, and its final version lies within [successful,
//    successful + unknown] with the data of one of them;
//  * each client's FIFO creates applied in the order sent: ordered by czxid, their counters
//    increase (a write whose outcome was unknown may be missing, never out of place);
//  * a session's ephemerals exist exactly while it lives (every ephemeral's owner is in the
//    table; an acknowledged ephemeral of a session alive at the end exists);
//  * a session, once closed on a member, never comes back anywhere; a member answers CONNECTED
//    only for a session its own state holds;
//  * no session expires while its client is connected, heard within a third of its timeout,
//    and nothing has gone wrong for longer than a timeout plus two election timeouts;
//  * a watch fires once, and before any reply on its connection shows the change (client.h);
//  * the members end with identical states (snapshots byte for byte).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace paddock::sim {

// To prove the checks can fail: the history is altered after the run, before the final checks,
// as a defect would have made it (or, for watches, the clients' input while it runs).
enum class Tamper {
  kNone,
  kFifoOrder,     // two applied FIFO writes of one client swap their counters
  kLostCreate,    // an acknowledged create of a node that does not exist
  kDoubleCas,     // a second successful compare-and-set to an existing version
  // These two alter what the clients see, as the run goes:
  kLostEvents,    // every client ignores the watch events it receives
  kDoubleEvents,  // every client receives each watch event twice
};

struct RunOptions {
  uint64_t seed = 1;
  unsigned members = 0;      // 0: drawn from the seed (five for one seed in five, else three)
  int64_t fault_ms = 6000;   // how long faults are injected
  // At most, to heal and converge: past libraft's 30 s InstallSnapshot timeout, which strands a
  // follower whose snapshot message was lost until it expires.
  int64_t settle_ms = 45000;
  int clients = 5;
  int32_t session_timeout_ms = 4000;
  Tamper tamper = Tamper::kNone;
};

struct RunResult {
  std::vector<std::string> violations;
  int64_t steps = 0;
  int64_t faults = 0;
  int64_t ops = 0;
  int64_t ops_unknown = 0;
  int64_t sessions_expired = 0;
  int64_t watch_events = 0;
  int64_t traps_sprung = 0;
  unsigned members = 0;
  uint64_t trace_hash = 0;
};

RunResult RunSeed(const RunOptions& options);

}  // namespace paddock::sim
