#include "sim/run.h"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "base/log.h"
#include "sim/client.h"
#include "sim/cluster.h"
#include "tree/data_tree.h"

namespace paddock::sim {
namespace {

constexpr int32_t kTickMs = 500;  // election timeout 500 ms, sessions 1-10 s
constexpr unsigned kElectionMs = 500;

using Outcome = OpRecord::Outcome;
using Kind = OpRecord::Kind;

std::string Hex(int64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

// The fault schedule: one fault every 200-1000 ms, each drawn from the seed, each undone after
// its duration (a crashed or fail-stopped member restarts by itself). One kind is a trap: for
// its duration, the first leader seen proposing a session's expiry is cut off at once, so that
// the expiry's fate is decided by a leader change (how defect 5 of issue 14 lost touches).
class Nemesis {
 public:
  Nemesis(Cluster* cluster, std::vector<std::unique_ptr<SimClient>>* clients, uint64_t seed)
      : cluster_(cluster), clients_(clients), rng_(seed ^ 0x9e3779b97f4a7c15ULL) {}

  void Schedule(int64_t from_ms, int64_t to_ms) {
    unsigned n = cluster_->size();
    for (int64_t t = from_ms + Draw(200, 1000); t < to_ms; t += Draw(200, 1000)) {
      int64_t length = Draw(200, 2500);
      unsigned m = static_cast<unsigned>(Draw(0, n - 1));
      unsigned other = (m + 1 + static_cast<unsigned>(Draw(0, n - 2))) % n;
      int kind = static_cast<int>(Draw(0, 8));
      cluster_->At(t, [this, kind, m, other, length] { Inject(kind, m, other, length); });
    }
  }
  // Called after every step: springs the trap.
  void Watch() {
    if (cluster_->NowMs() >= trap_until_ms_) return;
    for (unsigned i = 0; i < cluster_->size(); i++) {
      const server::Server* s = cluster_->Member(i);
      if (s == nullptr || cluster_->Paused(i) || !s->leader_ready() ||
          s->sessions().closing_count() == 0) {
        continue;
      }
      trap_until_ms_ = 0;
      traps_sprung_++;
      PADDOCK_LOG_INFO("sim t={} trap sprung: leader {} proposed an expiry", cluster_->NowMs(),
                       i + 1);
      Isolate({i}, Draw(300, 3000));
      return;
    }
  }
  int64_t faults() const { return faults_; }
  int64_t traps_sprung() const { return traps_sprung_; }
  int64_t last_fault_ms() const { return last_fault_ms_; }

 private:
  int64_t Draw(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  void Undo(int64_t after_ms, std::function<void()> fn) {
    cluster_->At(cluster_->NowMs() + after_ms, [this, fn = std::move(fn)] {
      fn();
      last_fault_ms_ = cluster_->NowMs();
    });
  }
  // Cuts `group` off from the other members both ways (links inside the group stay).
  void Isolate(std::set<unsigned> group, int64_t length) {
    last_fault_ms_ = std::max(last_fault_ms_, cluster_->NowMs() + length);
    Cluster* c = cluster_;
    auto each = [c, group](bool cut) {
      for (unsigned a : group) {
        for (unsigned j = 0; j < c->size(); j++) {
          if (group.count(j)) continue;
          if (cut) {
            c->Cut(a, j);
            c->Cut(j, a);
          } else {
            c->Mend(a, j);
            c->Mend(j, a);
          }
        }
      }
    };
    each(true);
    Undo(length, [each] { each(false); });
  }
  void Inject(int kind, unsigned m, unsigned other, int64_t length) {
    static const char* const kNames[] = {"isolate", "cut-one-way", "pause", "crash", "reset",
                                         "disk-error", "trap", "client-silence", "client-silence"};
    PADDOCK_LOG_INFO("sim t={} fault={} member={} other={} length_ms={}", cluster_->NowMs(),
                     kNames[kind], m + 1, other + 1, length);
    faults_++;
    last_fault_ms_ = std::max(last_fault_ms_, cluster_->NowMs() + length);
    Cluster* c = cluster_;
    switch (kind) {
      case 0:  // isolate a member both ways (with five, sometimes two members together)
        if (c->size() >= 5 && Draw(0, 1) == 1) {
          Isolate({m, other}, length);
        } else {
          Isolate({m}, length);
        }
        return;
      case 1:  // one way only
        c->Cut(m, other);
        Undo(length, [c, m, other] { c->Mend(m, other); });
        return;
      case 2:
        c->Pause(m);
        Undo(length, [c, m] { c->Resume(m); });
        return;
      case 3:
        c->Crash(m);
        return;
      case 4:
        c->ResetConnections(m);
        return;
      case 5:  // a disk error within the member's next few I/O calls
        c->DiskFault(m, static_cast<int>(Draw(0, 20)));
        return;
      case 6:  // armed for longer than most faults last: expiries are rarer than faults
        trap_until_ms_ = c->NowMs() + 3 * length;
        return;
      default: {  // a client goes silent, sometimes past its session timeout
        auto& client = (*clients_)[static_cast<size_t>(Draw(0, static_cast<int64_t>(clients_->size()) - 1))];
        client->Silence(cluster_->NowMs() + Draw(300, 6000));
        return;
      }
    }
  }

  Cluster* cluster_;
  std::vector<std::unique_ptr<SimClient>>* clients_;
  std::mt19937_64 rng_;
  int64_t faults_ = 0;
  int64_t traps_sprung_ = 0;
  int64_t trap_until_ms_ = 0;
  int64_t last_fault_ms_ = 0;
};

struct FinalState {
  std::map<std::string, const tree::Node*> nodes;
  const statemachine::StateMachine* sm = nullptr;
};

void CheckCreates(const History& h, const statemachine::StateMachine& sm,
                  std::vector<std::string>* out) {
  std::set<std::string> seq_names;
  for (const OpRecord& op : h.ops) {
    if (op.kind == Kind::kSeq && op.outcome == Outcome::kOk) {
      if (!seq_names.insert(op.result_path).second) {
        out->push_back("sequential name " + op.result_path + " acknowledged twice");
      }
      if (sm.tree().Find(op.result_path) == nullptr) {
        out->push_back("acknowledged create of " + op.result_path + " lost");
      }
    }
    if (op.kind != Kind::kFifo && op.kind != Kind::kEphemeral) continue;
    bool exists = sm.tree().Find(op.path) != nullptr;
    if (op.outcome == Outcome::kFail && exists) {
      out->push_back("create of " + op.path + " failed with error " + std::to_string(op.err) +
                     " but the node exists");
    }
    if (op.outcome != Outcome::kOk) continue;
    bool alive = op.kind == Kind::kFifo || sm.sessions().Contains(op.session_id);
    if (alive && !exists) out->push_back("acknowledged create of " + op.path + " lost");
  }
}

void CheckRegister(const History& h, const statemachine::StateMachine& sm,
                   std::vector<std::string>* out) {
  std::set<int32_t> versions;
  std::map<int32_t, std::vector<std::string>> candidates;  // version -> values ok or unknown
  int64_t ok = 0;
  int64_t unknown = 0;
  for (const OpRecord& op : h.ops) {
    if (op.kind != Kind::kCas) continue;
    if (op.outcome == Outcome::kOk) {
      ok++;
      if (op.result_version != op.version + 1) {
        out->push_back("setData of /reg at version " + std::to_string(op.version) +
                       " answered version " + std::to_string(op.result_version));
      }
      if (!versions.insert(op.result_version).second) {
        out->push_back("two compare-and-sets of /reg both produced version " +
                       std::to_string(op.result_version));
      }
    } else if (op.outcome == Outcome::kUnknown) {
      unknown++;
    }
    if (op.outcome != Outcome::kFail) candidates[op.version + 1].push_back(op.value);
  }
  const tree::Node* reg = sm.tree().Find("/reg");
  if (reg == nullptr) return;
  int32_t v = reg->version;
  if (v < ok || v > ok + unknown) {
    out->push_back("/reg ends at version " + std::to_string(v) + ", outside [" +
                   std::to_string(ok) + ", " + std::to_string(ok + unknown) + "]");
  }
  const std::vector<std::string>& vals = candidates[v];
  if (v > 0 && std::find(vals.begin(), vals.end(), std::string(reg->data())) == vals.end()) {
    out->push_back("/reg ends with data no compare-and-set to version " + std::to_string(v) +
                   " wrote");
  }
}

void CheckFifo(const History& h, const statemachine::StateMachine& sm, int clients,
               std::vector<std::string>* out) {
  for (int c = 0; c < clients; c++) {
    std::vector<std::pair<int64_t, int64_t>> applied;  // (czxid, k)
    for (const OpRecord& op : h.ops) {
      if (op.kind != Kind::kFifo || op.client != c) continue;
      if (const tree::Node* n = sm.tree().Find(op.path)) applied.emplace_back(n->czxid, op.fifo_k);
    }
    std::sort(applied.begin(), applied.end());
    for (size_t i = 1; i < applied.size(); i++) {
      if (applied[i].second < applied[i - 1].second) {
        out->push_back("client " + std::to_string(c) + ": write " +
                       std::to_string(applied[i].second) + " applied after write " +
                       std::to_string(applied[i - 1].second) + " (sent later)");
      }
    }
  }
}

void CheckEphemerals(const statemachine::StateMachine& sm, unsigned member,
                     std::vector<std::string>* out) {
  sm.tree().ForEachPreorder([&](const std::string& path, const tree::Node& n) {
    if (n.IsSessionEphemeral() && !sm.sessions().Contains(n.ephemeral_owner)) {
      out->push_back("member " + std::to_string(member + 1) + ": ephemeral " + path +
                     " of closed session " + Hex(n.ephemeral_owner));
    }
  });
}

// A session closed while its client was connected, heard recently, and all was calm.
void CheckCalmExpiries(const Cluster& cluster, const std::vector<std::unique_ptr<SimClient>>& cl,
                       const Nemesis& nemesis, int32_t timeout_ms,
                       std::set<int64_t>* reported, std::vector<std::string>* out) {
  int64_t now = cluster.NowMs();
  int64_t calm_ms = int64_t{timeout_ms} + 2 * int64_t{kElectionMs} + 1000;
  for (const auto& c : cl) {
    int64_t id = c->session_id();
    auto closed = cluster.closed_ms().find(id);
    if (id == 0 || closed == cluster.closed_ms().end() || closed->second != now) continue;
    if (!c->connected() || now - c->last_heard_ms() > timeout_ms / 3) continue;
    if (now - nemesis.last_fault_ms() < calm_ms || !reported->insert(id).second) continue;
    out->push_back("session " + Hex(id) + " expired while its client was heard " +
                   std::to_string(now - c->last_heard_ms()) + " ms ago and nothing failed for " +
                   std::to_string(now - nemesis.last_fault_ms()) + " ms");
  }
}

bool Settled(const Cluster& cluster, const std::vector<std::unique_ptr<SimClient>>& clients) {
  int64_t zxid = -1;
  for (unsigned i = 0; i < cluster.size(); i++) {
    const server::Server* s = cluster.Member(i);
    if (s == nullptr || !s->serving()) return false;
    if (zxid >= 0 && s->state().last_zxid() != zxid) return false;
    zxid = s->state().last_zxid();
  }
  return std::all_of(clients.begin(), clients.end(), [](const auto& c) { return c->Idle(); });
}

void ApplyTamper(Tamper tamper, const statemachine::StateMachine& sm, History* h) {
  switch (tamper) {
    case Tamper::kNone:
    case Tamper::kLostEvents:
    case Tamper::kDoubleEvents:
      return;
    case Tamper::kFifoOrder: {
      OpRecord* first = nullptr;
      for (OpRecord& op : h->ops) {
        if (op.kind != Kind::kFifo || sm.tree().Find(op.path) == nullptr) continue;
        if (first == nullptr) {
          first = &op;
        } else if (op.client == first->client) {
          std::swap(first->fifo_k, op.fifo_k);
          return;
        }
      }
      return;
    }
    case Tamper::kLostCreate: {
      OpRecord op;
      op.kind = Kind::kFifo;
      op.path = "/fifo/never-created";
      op.outcome = Outcome::kOk;
      h->ops.push_back(op);
      return;
    }
    case Tamper::kDoubleCas:
      for (const OpRecord& op : h->ops) {
        if (op.kind == Kind::kCas && op.outcome == Outcome::kOk) {
          h->ops.push_back(op);
          return;
        }
      }
      return;
  }
}

void FinalChecks(const Cluster& cluster, const History& h, const RunOptions& o,
                 std::vector<std::string>* out) {
  std::string first = cluster.Member(0)->state().Snapshot();
  for (unsigned i = 1; i < cluster.size(); i++) {
    if (cluster.Member(i)->state().Snapshot() != first) {
      out->push_back("member " + std::to_string(i + 1) + "'s state differs from member 1's");
    }
  }
  for (unsigned i = 0; i < cluster.size(); i++) {
    const statemachine::StateMachine& sm = cluster.Member(i)->state();
    CheckCreates(h, sm, out);
    CheckEphemerals(sm, i, out);
  }
  const statemachine::StateMachine& sm = cluster.Member(0)->state();
  CheckRegister(h, sm, out);
  CheckFifo(h, sm, o.clients, out);
}

}  // namespace

RunResult RunSeed(const RunOptions& o) {
  unsigned members = o.members != 0 ? o.members : (o.seed % 5 == 0 ? 5u : 3u);
  testing::SimConsensusOptions co;
  co.seed = o.seed;
  co.members = members;
  co.election_timeout_ms = kElectionMs;
  co.heartbeat_timeout_ms = kElectionMs / 10;
  co.network_latency_ms = 2;
  co.disk_latency_ms = 1;
  // libraft 0.15's stale append reply (sim_consensus.h): clamped here as in production.
  co.clamp_append_replies = true;
  testing::SimConsensus consensus(co);
  History history;
  std::vector<std::unique_ptr<SimClient>> clients;
  RunResult result;
  {
    Cluster cluster(&consensus, Cluster::Options{members, kTickMs, 2, o.seed});
    cluster.set_liveness_bound_ms(2000);
    for (int c = 0; c < o.clients; c++) {
      clients.push_back(std::make_unique<SimClient>(&cluster, c, o.seed * 1000 + uint64_t(c),
                                                    o.session_timeout_ms, &history));
      if (o.tamper == Tamper::kLostEvents) clients.back()->set_event_copies(0);
      if (o.tamper == Tamper::kDoubleEvents) clients.back()->set_event_copies(2);
    }
    Nemesis nemesis(&cluster, &clients, o.seed);
    int64_t start = cluster.NowMs() + 3000;  // the first leader, the clients' sessions
    nemesis.Schedule(start, start + o.fault_ms);
    std::set<int64_t> reported;
    auto step = [&] {
      cluster.Step();
      nemesis.Watch();
      for (auto& c : clients) c->Tick();
      CheckCalmExpiries(cluster, clients, nemesis, o.session_timeout_ms, &reported,
                        &result.violations);
    };
    while (cluster.NowMs() < start + o.fault_ms) step();
    cluster.HealAll();
    for (auto& c : clients) c->Quiesce();
    int64_t deadline = cluster.NowMs() + o.settle_ms;
    while (cluster.NowMs() < deadline && !Settled(cluster, clients)) step();
    if (!Settled(cluster, clients)) {
      std::string why;
      for (unsigned i = 0; i < cluster.size(); i++) {
        const server::Server* s = cluster.Member(i);
        why += " m" + std::to_string(i + 1) + "=";
        why += s == nullptr ? std::string("down")
                            : std::string(s->serving() ? s->ModeName() : "not-serving") +
                                  "/leader" + std::to_string(s->KnownLeader()) + "/zxid" +
                                  Hex(s->state().last_zxid()) + " {" + s->DebugState() + "}";
      }
      for (unsigned i = 0; i < cluster.size(); i++) why += "; " + consensus.Describe(i);
      for (const auto& c : clients) {
        if (!c->Idle()) why += "; " + c->Describe();
      }
      result.violations.push_back("the cluster did not settle within " +
                                  std::to_string(o.settle_ms) + " ms of healing:" + why +
                                  " (now " + std::to_string(cluster.NowMs()) + ")");
    } else {
      ApplyTamper(o.tamper, cluster.Member(0)->state(), &history);
      FinalChecks(cluster, history, o, &result.violations);
    }
    for (const std::string& v : cluster.violations()) result.violations.push_back(v);
    result.faults = nemesis.faults();
    result.traps_sprung = nemesis.traps_sprung();
    result.members = members;
  }
  if (!consensus.SafetyViolation().empty()) result.violations.push_back(consensus.SafetyViolation());
  for (const std::string& v : history.violations) result.violations.push_back(v);
  result.steps = static_cast<int64_t>(consensus.steps());
  result.trace_hash = consensus.TraceHash();
  result.ops = static_cast<int64_t>(history.ops.size());
  result.ops_unknown = std::count_if(history.ops.begin(), history.ops.end(), [](const auto& op) {
    return op.outcome == Outcome::kUnknown;
  });
  result.sessions_expired = history.sessions_expired;
  result.watch_events = history.watch_events;
  return result;
}

}  // namespace paddock::sim
