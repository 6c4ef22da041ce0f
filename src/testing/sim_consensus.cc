#include "testing/sim_consensus.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <unordered_map>

#include "base/assert.h"
#include "testing/sim_member.h"

extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

namespace paddock::testing {
namespace {

// What each trace record is; the values only need to differ.
enum TraceKind : uint64_t {
  kTraceEvent = 1,
  kTraceApply,
  kTraceRestore,
  kTraceDone,
  kTraceStarted,
  kTraceStartFailed,
  kTraceGone,
  kTraceDown,
  kTraceKill,
  kTraceRevive,
  kTraceLink,
  kTraceLatency,
  kTraceDiskLatency,
  kTraceDiskFault,
  kTraceFailStop,
  kTraceElect,
  kTraceDepose,
  kTraceViolation,
};

constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Digest(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (char c : bytes) h = (h ^ static_cast<uint8_t>(c)) * kFnvPrime;
  return h;
}

// The fixture's event hook is a plain function: it finds its simulation here.
std::unordered_map<const raft_fixture*, SimConsensus*>& Registry() {
  static std::unordered_map<const raft_fixture*, SimConsensus*> registry;
  return registry;
}

void ParkedTick(raft_io* /*io*/) {}
void ParkedRecv(raft_io* /*io*/, raft_message* /*message*/) {
  PADDOCK_ASSERT_MSG(false, "a message reached a member that never started");
}

}  // namespace

SimConsensus::SimConsensus(const SimConsensusOptions& options)
    : options_(options), fixture_(std::make_unique<raft_fixture>()), rng_(options.seed) {
  unsigned n = options.members;
  PADDOCK_ASSERT(n >= 1 && n <= RAFT_FIXTURE_MAX_SERVERS);
  PADDOCK_ASSERT(options.heartbeat_timeout_ms > 0 &&
                 options.heartbeat_timeout_ms < options.election_timeout_ms);
  raft_fixture* f = fixture_.get();
  int rv = raft_fixture_initialize(f);
  PADDOCK_ASSERT(rv == 0);
  for (unsigned i = 0; i < n; i++)
    members_.push_back(std::make_unique<SimMember>(this, f, i, options_));
  raft_configuration conf;
  rv = raft_fixture_configuration(f, n, &conf);
  PADDOCK_ASSERT(rv == 0);
  rv = raft_fixture_bootstrap(f, &conf);
  PADDOCK_ASSERT(rv == 0);
  raft_configuration_close(&conf);

  cut_.assign(n, std::vector<bool>(n, false));
  killed_.assign(n, false);
  fail_stops_.assign(n, 0);
  latency_ms_.assign(n, options.network_latency_ms);
  disk_latency_ms_.assign(n, options.disk_latency_ms);
  disk_latency_wanted_.assign(n, -1);
  last_applied_.assign(n, 0);
  for (unsigned i = 0; i < n; i++) {
    members_[i]->disk().Install();
    members_[i]->disk().set_clamp_append_replies(options.clamp_append_replies);
    members_[i]->disk().set_network_latency_ms(options.network_latency_ms);
    raft_fixture_set_network_latency(f, i, options.network_latency_ms);
    raft_fixture_set_disk_latency(f, i, options.disk_latency_ms);
    Park(i);
  }
  Registry()[f] = this;
  raft_fixture_hook(f, Hook);
  SyncLinks();
  Randomize();  // the first election timeouts are drawn when the members start
}

SimConsensus::~SimConsensus() {
  for (auto& m : members_) m->Silence();
  // What the simulated disks hold themselves (a dead member's swallowed writes, lost sends)
  // first, while the rafts are open; then whatever the stubs hold (into rafts whose callbacks
  // now reach nobody), and every raft closes, down members' fresh ones included.
  for (unsigned i = 0; i < size(); i++) {
    raft_fixture_io_fault(fixture_.get(), i, -1, 0);  // what libraft sends while closing goes
    members_[i]->disk().CancelOwnRequests();
  }
  EnterLibraft();
  raft_fixture_close(fixture_.get());
  LeaveLibraft();
  Registry().erase(fixture_.get());
  members_.clear();
}

// A member not started yet is down in the fixture. The stub sets a member's first tick time
// only in its start method, and the fixture scans every member's tick time, a dead one's too:
// so start the stub with callbacks that do nothing (raft_start replaces them).
void SimConsensus::Park(unsigned i) {
  raft_io* io = &fixture_->servers[i].io;
  int rv = io->start(io, options_.heartbeat_timeout_ms, ParkedTick, ParkedRecv);
  PADDOCK_ASSERT(rv == 0);
  raft_fixture_kill(fixture_.get(), i);
}

consensus::ReplicatedLog& SimConsensus::Member(unsigned i) {
  PADDOCK_ASSERT(i < size());
  return *members_[i];
}

const consensus::ReplicatedLog& SimConsensus::Member(unsigned i) const {
  PADDOCK_ASSERT(i < size());
  return *members_[i];
}

MemberState SimConsensus::State(unsigned i) const {
  PADDOCK_ASSERT(i < size());
  return members_[i]->state();
}

uint64_t SimConsensus::NowMs() const { return raft_fixture_time(fixture_.get()); }

void SimConsensus::AssertOutsideLibraft() const {
  PADDOCK_ASSERT_MSG(in_libraft_ == 0,
                     "called from inside a libraft callback: defer it until Step returns, as "
                     "the server defers to the next loop turn");
}

uint64_t SimConsensus::Step() {
  AssertOutsideLibraft();
  EnterLibraft();
  raft_fixture_step(fixture_.get());
  LeaveLibraft();
  AfterStep();
  return NowMs();
}

uint64_t SimConsensus::StepUntil(uint64_t time_ms) {
  while (NowMs() < time_ms) Step();
  return NowMs();
}

bool SimConsensus::StepUntil(const std::function<bool()>& done, uint64_t deadline_ms) {
  while (!done()) {
    if (NowMs() >= deadline_ms) return false;
    Step();
  }
  return true;
}

void SimConsensus::Hook(raft_fixture* fixture, raft_fixture_event* event) {
  auto it = Registry().find(fixture);
  PADDOCK_ASSERT(it != Registry().end());
  it->second->OnEvent(*event);
}

// Inside raft_fixture_step, after the event and the fixture's own checks.
void SimConsensus::OnEvent(const raft_fixture_event& event) {
  steps_++;
  Trace(kTraceEvent, (NowMs() << 8) | static_cast<uint64_t>(event.type),
        (fixture_->leader_id << 8) | event.server_index);
  CheckLeaders();
  if (randomize_) Randomize();
}

// The seed's share of every run: libraft asks its backend for a randomized election timeout
// whenever it becomes follower or candidate; the fixture would answer 1000 + 100 i every time.
void SimConsensus::Randomize() {
  for (unsigned i = 0; i < size(); i++) {
    if (options_.randomize_election_timeouts) {
      unsigned t = options_.election_timeout_ms;
      raft_fixture_set_randomized_election_timeout(fixture_.get(), i,
                                                   t + static_cast<unsigned>(NextRandom() % t));
    }
    if (options_.network_jitter_ms > 0) {
      auto ms =
          latency_ms_[i] + static_cast<unsigned>(NextRandom() % (options_.network_jitter_ms + 1));
      raft_fixture_set_network_latency(fixture_.get(), i, ms);
      members_[i]->disk().set_network_latency_ms(ms);
    }
  }
}

uint64_t SimConsensus::NextRandom() {
  // SplitMix64: small, fast, and the same on every platform (std distributions are not).
  uint64_t z = (rng_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Election Safety, for every member including killed and draining ones (the fixture's own
// check skips dead leaders as candidates).
void SimConsensus::CheckLeaders() {
  for (unsigned i = 0; i < size(); i++) {
    raft* a = raft_fixture_get(fixture_.get(), i);
    if (raft_state(a) != RAFT_LEADER) continue;
    for (unsigned j = i + 1; j < size(); j++) {
      raft* b = raft_fixture_get(fixture_.get(), j);
      if (raft_state(b) == RAFT_LEADER && a->current_term == b->current_term) {
        Violation("members " + std::to_string(i) + " and " + std::to_string(j) +
                  " both lead term " + std::to_string(a->current_term));
      }
    }
  }
}

// Work that must wait until libraft has returned: members that fail-stopped become crashed,
// drained members close (and Stop's done runs), lower disk latencies take effect.
void SimConsensus::AfterStep() {
  uint64_t now = NowMs();
  for (unsigned i = 0; i < size(); i++) members_[i]->FlushAnnouncements();
  for (unsigned i = 0; i < size(); i++) members_[i]->disk().CompleteFailedSends();
  for (unsigned i = 0; i < size(); i++) {
    if (members_[i]->TakeFailStop()) FailStop(i);
  }
  for (unsigned i = 0; i < size(); i++) {
    if (members_[i]->FinishStopIfDrained(now)) Trace(kTraceDown, i);
  }
  for (unsigned i = 0; i < size(); i++) {
    if (disk_latency_wanted_[i] < 0 || !members_[i]->disk().WritesIdle()) continue;
    disk_latency_ms_[i] = static_cast<unsigned>(disk_latency_wanted_[i]);
    disk_latency_wanted_[i] = -1;
    raft_fixture_set_disk_latency(fixture_.get(), i, disk_latency_ms_[i]);
  }
}

// A link is cut while a fault cuts it or either end is down or killed.
void SimConsensus::SyncLinks() {
  raft_fixture* f = fixture_.get();
  for (unsigned a = 0; a < size(); a++) {
    for (unsigned b = 0; b < size(); b++) {
      if (a == b) continue;
      bool want = cut_[a][b] || !raft_fixture_alive(f, a) || !raft_fixture_alive(f, b);
      bool is = raft_fixture_saturated(f, a, b);
      if (want && !is) raft_fixture_saturate(f, a, b);
      if (!want && is) raft_fixture_desaturate(f, a, b);
    }
  }
}

void SimConsensus::CutLink(unsigned from, unsigned to) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT(from < size() && to < size() && from != to);
  cut_[from][to] = true;
  Trace(kTraceLink, from * 16 + to, 1);
  SyncLinks();
}

void SimConsensus::MendLink(unsigned from, unsigned to) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT(from < size() && to < size() && from != to);
  cut_[from][to] = false;
  Trace(kTraceLink, from * 16 + to, 0);
  SyncLinks();
}

void SimConsensus::Partition(unsigned a, unsigned b) {
  CutLink(a, b);
  CutLink(b, a);
}

void SimConsensus::Heal(unsigned a, unsigned b) {
  MendLink(a, b);
  MendLink(b, a);
}

void SimConsensus::Isolate(unsigned i) {
  for (unsigned j = 0; j < size(); j++) {
    if (j != i) Partition(i, j);
  }
}

void SimConsensus::HealAll() {
  for (unsigned a = 0; a < size(); a++) {
    for (unsigned b = 0; b < size(); b++) {
      if (a != b && cut_[a][b]) MendLink(a, b);
    }
  }
}

void SimConsensus::SetNetworkLatency(unsigned i, unsigned ms) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT(i < size());
  latency_ms_[i] = ms;
  raft_fixture_set_network_latency(fixture_.get(), i, ms);
  members_[i]->disk().set_network_latency_ms(ms);
  Trace(kTraceLatency, i, ms);
}

unsigned SimConsensus::MaxLatencyMs() const {
  return *std::max_element(latency_ms_.begin(), latency_ms_.end()) + options_.network_jitter_ms;
}

void SimConsensus::Kill(unsigned i) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(State(i) == MemberState::kUp && !killed_[i], "Kill needs a running member");
  killed_[i] = true;
  raft_fixture_kill(fixture_.get(), i);
  SyncLinks();
  Trace(kTraceKill, i);
}

void SimConsensus::Revive(unsigned i) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(State(i) == MemberState::kUp && killed_[i], "Revive needs a killed member");
  killed_[i] = false;
  raft_fixture_revive(fixture_.get(), i);  // it mends every link of i: SyncLinks cuts again
  SyncLinks();
  Trace(kTraceRevive, i);
}

void SimConsensus::Crash(unsigned i) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(State(i) == MemberState::kUp, "Crash needs a running member");
  members_[i]->Crash();
}

void SimConsensus::FailStop(unsigned i) {
  fail_stops_[i]++;
  Trace(kTraceFailStop, i);
  members_[i]->Crash();
}

// The member's process is gone (crash, stop, fail-stop). Messages already in the network to or
// from it must be gone too before it may restart, or its next incarnation would receive (or
// appear to send) its previous one's: quiet_at covers both.
void SimConsensus::OnMemberGone(unsigned i) {
  killed_[i] = false;
  if (raft_fixture_alive(fixture_.get(), i)) raft_fixture_kill(fixture_.get(), i);
  SyncLinks();
  members_[i]->disk().ExtendQuietAt(NowMs() + MaxLatencyMs());
  Trace(kTraceGone, i);
}

void SimConsensus::OnMemberBack(unsigned i) {
  last_applied_[i] = 0;
  raft_fixture_revive(fixture_.get(), i);
  SyncLinks();
  Trace(kTraceStarted, i);
}

void SimConsensus::OnStartFailed(unsigned i) { Trace(kTraceStartFailed, i); }

void SimConsensus::SetDiskLatency(unsigned i, unsigned ms) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT(i < size());
  Trace(kTraceDiskLatency, i, ms);
  // A lower latency would let a later write land before an earlier one: wait for them.
  if (ms >= disk_latency_ms_[i] || members_[i]->disk().WritesIdle()) {
    disk_latency_ms_[i] = ms;
    disk_latency_wanted_[i] = -1;
    raft_fixture_set_disk_latency(fixture_.get(), i, ms);
    return;
  }
  disk_latency_wanted_[i] = static_cast<int>(ms);
}

void SimConsensus::DiskFault(unsigned i, int delay, int repeat) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT(i < size());
  Trace(
      kTraceDiskFault, i,
      (static_cast<uint64_t>(static_cast<uint32_t>(delay)) << 32) | static_cast<uint32_t>(repeat));
  raft_fixture_io_fault(fixture_.get(), i, delay, repeat);
}

void SimConsensus::Elect(unsigned i) {
  AssertOutsideLibraft();
  PADDOCK_ASSERT(i < size());
  PADDOCK_ASSERT_MSG(StableLeader() == size(), "Elect needs a cluster without a leader");
  for (unsigned j = 0; j < size(); j++) {
    PADDOCK_ASSERT_MSG(State(j) == MemberState::kUp && !killed_[j] &&
                           raft_state(raft_fixture_get(fixture_.get(), j)) == RAFT_FOLLOWER,
                       "Elect needs every member up and following");
  }
  Trace(kTraceElect, i);
  randomize_ = false;  // the fixture sets the election timeouts itself
  EnterLibraft();
  raft_fixture_elect(fixture_.get(), i);
  LeaveLibraft();
  randomize_ = true;
  AfterStep();
  // The fixture asserts this itself, but Debian builds libraft without assertions.
  PADDOCK_ASSERT_MSG(StableLeader() == i, "raft_fixture_elect did not elect the member");
}

void SimConsensus::Depose() {
  AssertOutsideLibraft();
  PADDOCK_ASSERT_MSG(StableLeader() < size(), "Depose needs a stable leader");
  Trace(kTraceDepose, StableLeader());
  randomize_ = false;
  EnterLibraft();
  raft_fixture_depose(fixture_.get());
  LeaveLibraft();
  randomize_ = true;
  AfterStep();
  PADDOCK_ASSERT_MSG(StableLeader() == size(), "raft_fixture_depose left a leader");
}

std::string SimConsensus::Describe(unsigned i) const {
  raft* r = raft_fixture_get(fixture_.get(), i);
  SimDisk& disk = members_[i]->disk();
  std::ostringstream o;
  o << "m" << i + 1 << " state" << static_cast<int>(State(i)) << " raft" << raft_state(r)
    << " term" << r->current_term << " commit" << r->commit_index << " last"
    << raft_last_index(r) << " disk-snapshot" << disk.snapshot_index() << " disk-last"
    << disk.last_durable_index();
  if (State(i) == MemberState::kUp && raft_state(r) == RAFT_LEADER) {
    for (unsigned j = 0; j < r->configuration.n; j++) {
      const raft_progress& p = r->leader_state.progress[j];
      o << " [to" << r->configuration.servers[j].id << " state" << p.state << " next"
        << p.next_index << " match" << p.match_index << " snap" << p.snapshot_index << " sent@"
        << p.last_send << " snap-sent@" << p.snapshot_last_send << "]";
    }
  }
  return o.str();
}

unsigned SimConsensus::StableLeader() const { return raft_fixture_leader_index(fixture_.get()); }

unsigned SimConsensus::Restores(unsigned i) const { return members_[i]->restores(); }
unsigned SimConsensus::RestoreFailures(unsigned i) const { return members_[i]->restore_failures(); }

void SimConsensus::OnApply(unsigned member, uint64_t index, std::string_view payload) {
  uint64_t h = Digest(payload) | 1;  // 0 marks an index nobody applied yet
  Trace(kTraceApply | (static_cast<uint64_t>(member) << 8), index, h);
  if (index <= last_applied_[member]) {
    Violation("member " + std::to_string(member) + " applied index " + std::to_string(index) +
              " after " + std::to_string(last_applied_[member]));
  }
  last_applied_[member] = index;
  if (applied_.size() <= index) applied_.resize(index + 1, 0);
  if (applied_[index] == 0) {
    applied_[index] = h;
  } else if (applied_[index] != h) {
    Violation("member " + std::to_string(member) + " applied a different entry at index " +
              std::to_string(index));
  }
}

void SimConsensus::OnRestore(unsigned member, bool ok) {
  Trace(kTraceRestore, member, ok ? 1 : 0);
  if (ok) last_applied_[member] = 0;  // what follows starts after the snapshot's index
}

void SimConsensus::OnDone(unsigned member, int status) {
  Trace(kTraceDone, member, static_cast<uint64_t>(static_cast<uint32_t>(status)));
}

void SimConsensus::Trace(uint64_t a, uint64_t b, uint64_t c) {
  for (uint64_t v : {a, b, c}) {
    for (int i = 0; i < 8; i++) trace_hash_ = (trace_hash_ ^ ((v >> (8 * i)) & 0xff)) * kFnvPrime;
  }
}

void SimConsensus::Violation(std::string what) {
  Trace(kTraceViolation);
  if (!violation_.empty()) return;
  violation_ = std::move(what) + " (seed " + std::to_string(options_.seed) + ", at " +
               std::to_string(NowMs()) + " ms)";
}

}  // namespace paddock::testing
