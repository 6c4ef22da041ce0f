// Cluster: N real Paddock members (server::Server, with its state machine, session driver,
// outbox and role tracker) in one process, on the simulated clock of SimConsensus, which runs
// their Raft on libraft's own fixture. Everything a member would do with the operating system
// goes through this file's simulated parts instead:
//   * SimConnection: a client connection (server side), whose bytes travel as timed events;
//   * SimPeers: the peer channel, its messages timed events too, dropped on a cut link;
//   * the wake-ups: a member's Tick runs after every step in which something reached it, and
//     whenever its NextWakeMs has come.
// Faults: partitions (one-way or both ways) of Raft and the peer channel together, pauses
// (Kill/Revive: a paused member receives nothing; what was sent to it waits, as in a socket
// buffer), crashes with restart from the member's durable state (a new Server on the same
// log), connection resets, and disk errors. A member whose disk failed under it fail-stops as
// production does (LibraftLog aborts on a failed append, and on libraft turning UNAVAILABLE
// after a failed term, vote or truncate write); the cluster restarts it, as a supervisor would,
// once its disk is healthy again (a restart clears the fault).
//
// Determinism: the events of this file are ordered by (time, sequence number) and every choice
// comes from the seed, so a run is a function of the seed (SimConsensus holds the same rule).
// Threading: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "server/server.h"
#include "testing/sim_consensus.h"

namespace paddock::sim {

class Cluster;

// Sim time as a Clock for the members.
class SimClock final : public Clock {
 public:
  explicit SimClock(const testing::SimConsensus* consensus) : consensus_(consensus) {}
  int64_t NowMonotonicMs() const override { return static_cast<int64_t>(consensus_->NowMs()); }
  int64_t NowWallMs() const override { return 1'700'000'000'000 + NowMonotonicMs(); }

 private:
  const testing::SimConsensus* consensus_;
};

// What a client sees of its connections: bytes from the server, and the end of a connection.
// A client ignores what comes on a connection it has left.
class ClientEnd {
 public:
  virtual ~ClientEnd() = default;
  virtual void OnBytes(int64_t connection, std::string_view bytes) = 0;
  virtual void OnClosed(int64_t connection) = 0;
};

class SimConnection;
class SimPeers;

// The rest of what a member asks of its process: no admin endpoint, and secrets from the seed.
class SimIo final : public server::ServerIo {
 public:
  explicit SimIo(uint64_t seed) : rng_(seed) {}
  int AdminPort() const override { return 0; }
  std::string NewSecret(size_t bytes) override {
    std::string s(bytes, '\0');
    for (char& c : s) c = static_cast<char>(rng_() & 0xff);
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

class Cluster {
 public:
  struct Options {
    unsigned members = 3;
    int32_t tick_ms = 500;
    unsigned latency_ms = 2;  // peer channel and client links, one way
    uint64_t seed = 1;
  };
  Cluster(testing::SimConsensus* consensus, Options options);
  ~Cluster();

  unsigned size() const { return static_cast<unsigned>(members_.size()); }
  int64_t NowMs() const { return clock_.NowMonotonicMs(); }
  // The member's Server while it is up (not crashed); null otherwise.
  server::Server* Member(unsigned i) const;
  bool Paused(unsigned i) const { return members_[i].paused; }

  // Runs one consensus step and everything due by its time. Returns the time reached.
  int64_t Step();
  // Events of this file (client timers use it too), run once their time has come.
  void At(int64_t at_ms, std::function<void()> fn);

  // Client connections. Connect returns a connection id (0 if the member is down: the client
  // sees it closed at once).
  int64_t Connect(unsigned member, ClientEnd* client);
  void SendToMember(unsigned member, int64_t connection, std::string bytes);
  // The client hangs up (its side closes): the member sees end of stream.
  void Hangup(unsigned member, int64_t connection);

  // Faults.
  void Cut(unsigned from, unsigned to);
  void Mend(unsigned from, unsigned to);
  void Pause(unsigned i);
  void Resume(unsigned i);
  void Crash(unsigned i);  // the member restarts by itself once its log is down
  // The next write to member i's disk after `delay` more I/O calls fails (SimConsensus::
  // DiskFault): a member that was appending fail-stops.
  void DiskFault(unsigned i, int delay);
  void ResetConnections(unsigned i);
  void HealAll();
  bool LinkUp(unsigned from, unsigned to) const { return !cut_.count({from, to}); }

  // Invariant violations seen while running (sessions coming back, CONNECTED for a session
  // the answering member does not hold); empty if none.
  const std::vector<std::string>& violations() const { return violations_; }
  void Violation(std::string what) { violations_.push_back(std::move(what)); }
  // When some member was first seen without a session it had held (its close applied).
  const std::map<int64_t, int64_t>& closed_ms() const { return closed_ms_; }
  // The liveness invariants, checked every step (see the .cc): no session expires sooner than a
  // timeout after its client was last heard by a member that could tell every other member;
  // none outlives its client's last contact (a frame, or a request of its still unanswered) by
  // more than a timeout plus `bound_ms` (plus a timeout after a handshake, which may be parked)
  // while a leader has been ready for longer than that.
  void set_liveness_bound_ms(int64_t bound_ms) { liveness_bound_ms_ = bound_ms; }
  // A client sent a handshake for `session`: it is alive. A member that parks the handshake
  // (the client has seen a later zxid than the member) counts the session as heard for up to a
  // timeout more (server/requests.cc), which the bound allows for.
  void NoteHandshake(int64_t session);

 private:
  friend class SimConnection;
  friend class SimPeers;
  void StartMember(unsigned i);
  // The member's process is gone (crashed or fail-stopped): its clients see their connections
  // close; it restarts once its log is down.
  void DropMember(unsigned i);
  void DeliverToMember(unsigned i, uint64_t incarnation, std::function<void(server::Server&)> fn);
  void DeliverToClient(SimConnection* c, std::string bytes, bool close);
  void RunDue();
  void TickMembers();
  void TrackSessions();
  void SyncPeerLinks();

  struct Event {
    int64_t at = 0;
    uint64_t seq = 0;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct MemberSlot {
    std::unique_ptr<SimPeers> peers;
    std::unique_ptr<server::Server> server;
    uint64_t incarnation = 0;
    bool paused = false;
    bool crashed = false;  // its log is going down; it restarts once it is
    std::vector<std::function<void()>> held;  // what reached it while paused, in order
    std::set<unsigned> links_up;              // peers it had a link to at the last sync
    std::map<int64_t, SimConnection*> connections;
    int64_t last_zxid = 0;                    // at the last TrackSessions
    std::set<int64_t> sessions;               // its table then
  };
  SimIo io_;

  testing::SimConsensus* consensus_;
  Options options_;
  SimClock clock_;
  std::vector<MemberSlot> members_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t next_seq_ = 0;
  std::set<std::pair<unsigned, unsigned>> cut_;  // (from, to)
  // Sessions whose close some member applied, with that member's last zxid then: a bound at
  // or after the close's zxid. No member past it may hold the session again.
  std::map<int64_t, int64_t> closed_by_zxid_;
  std::map<int64_t, int64_t> closed_ms_;
  // When the expiry that closed the session was decided: the expire txn's time (the session
  // book's end time on the member that applied it); -1 if unknown.
  std::map<int64_t, int64_t> decided_ms_;
  struct Evidence {
    int64_t heard_ms = -1;   // last frame from its client any member handled
    bool handshake = false;  // that frame was a handshake (it may be parked)
    // When its client was heard by a member that told every other member (recent ones only).
    std::vector<int64_t> shared_ms;
    int32_t timeout_ms = 0;
  };
  std::map<int64_t, Evidence> evidence_;
  std::vector<int64_t> leader_since_ms_;  // per member: leading (ready) since; -1: not
  int64_t liveness_bound_ms_ = 0;
  void NoteHeard(unsigned member, const SimConnection& c);
  bool CanTellEveryone(unsigned member) const;
  void CheckLiveness();
  int64_t DecidedMs(server::Server& s, int64_t id) const;
  std::vector<std::string> violations_;
  int64_t next_connection_id_ = 1;
};

}  // namespace paddock::sim
