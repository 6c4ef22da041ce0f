#include "sim/cluster.h"

#include <sstream>

#include "base/assert.h"
#include "base/log.h"
#include "proto/jute.h"

namespace paddock::sim {

// The peer channel of one member: messages are events, delivered after the link latency if the
// link is still up then and the recipient is up (held while it is paused).
class SimPeers final : public server::PeerLinks {
 public:
  SimPeers(Cluster* cluster, unsigned self) : cluster_(cluster), self_(self) {}
  bool Send(int to, Type type, std::string_view body) override {
    auto t = static_cast<unsigned>(to - 1);
    if (!Connected(to)) return false;
    Cluster* cl = cluster_;
    unsigned from = self_;
    uint64_t incarnation = cl->members_[t].incarnation;
    std::string bytes(body);
    cl->At(cl->NowMs() + cl->options_.latency_ms, [cl, from, t, incarnation, type, bytes] {
      if (!cl->LinkUp(from, t)) return;
      cl->DeliverToMember(t, incarnation, [from, type, bytes](server::Server& s) {
        s.OnPeerMessage(static_cast<int>(from + 1), type, bytes);
      });
    });
    return true;
  }
  bool Connected(int to) const override {
    auto t = static_cast<unsigned>(to - 1);
    return t < cluster_->size() && t != self_ && cluster_->LinkUp(self_, t) &&
           cluster_->members_[t].server != nullptr;
  }

 private:
  Cluster* cluster_;
  unsigned self_;
};

// The server side of a client connection.
class SimConnection final : public server::Connection {
 public:
  SimConnection(Cluster* cluster, unsigned member, server::Server* server, int64_t id,
                ClientEnd* client)
      : Connection(id, proto::kJuteMaxBufferDefault),
        cluster_(cluster),
        member_(member),
        server_(server),
        client_(client) {
    set_remote("10.0.0." + std::to_string(id % 200 + 1), static_cast<int>(id % 60000));
  }

  ClientEnd* client() const { return client_; }
  unsigned member() const { return member_; }

  bool secure() const override { return false; }
  void Send(std::string_view frames_bytes) override {
    if (closing()) return;
    if (!answered_ && state() == State::kOpen) CheckConnected();
    if (out_.empty()) output_progress_mono_ms_ = cluster_->NowMs();
    out_.append(frames_bytes);
    if (out_.size() > max_unsent_bytes_) {
      Abort("client not reading: unsent output over paddock.maxUnsentBytes");
      return;
    }
    if (!flush_scheduled_) {
      flush_scheduled_ = true;
      server_->ScheduleFlush(id_);
    }
  }
  void FlushQueued() override {
    flush_scheduled_ = false;
    if (!out_.empty()) {
      cluster_->DeliverToClient(this, std::move(out_), false);
      out_.clear();
      output_progress_mono_ms_ = cluster_->NowMs();
    }
    if (!closing()) server_->OnConnectionWritable(*this);
  }
  void Close(const char* reason) override {
    if (closing()) return;
    BeginClose(reason);
    server_->OnConnectionClosing(*this);
    cluster_->DeliverToClient(this, std::move(out_), true);
    out_.clear();
    // Freed a moment later, as libuv's close callback would.
    Cluster* cl = cluster_;
    unsigned m = member_;
    uint64_t incarnation = cl->members_[m].incarnation;
    int64_t id = id_;
    cl->At(cl->NowMs(), [cl, m, incarnation, id] {
      Cluster::MemberSlot& slot = cl->members_[m];
      if (slot.incarnation != incarnation || slot.server == nullptr) return;
      slot.connections.erase(id);
      slot.server->OnConnectionFreed(id);
    });
  }
  void Abort(const char* reason) override {
    out_.clear();
    Close(reason);
  }
  void PauseReading() override { reading_paused_ = true; }
  void ResumeReading() override { reading_paused_ = false; }
  size_t unsent_bytes() const override { return out_.size(); }

 private:
  // The first frame of an open connection is its CONNECTED answer: the member must hold the
  // session then, attached through the log.
  void CheckConnected() {
    answered_ = true;
    if (server_->state().sessions().Contains(session_id()) && attach_zxid() > 0) return;
    std::ostringstream o;
    o << "member " << member_ + 1 << " answered CONNECTED for session 0x" << std::hex
      << session_id() << " which its state does not hold (attach_zxid 0x" << attach_zxid()
      << ")";
    cluster_->Violation(o.str());
  }

  Cluster* cluster_;
  unsigned member_;
  server::Server* server_;
  ClientEnd* client_;
  std::string out_;
  bool flush_scheduled_ = false;
  bool answered_ = false;
};

Cluster::Cluster(testing::SimConsensus* consensus, Options options)
    : io_(options.seed),
      consensus_(consensus),
      options_(options),
      clock_(consensus),
      members_(options.members) {
  PADDOCK_ASSERT(consensus_->size() == options.members);
  for (unsigned i = 0; i < size(); i++) StartMember(i);
}

Cluster::~Cluster() {
  // Servers go first: nothing they hold may be called back afterwards.
  for (MemberSlot& m : members_) {
    m.connections.clear();
    m.server.reset();
  }
}

server::Server* Cluster::Member(unsigned i) const { return members_[i].server.get(); }

void Cluster::StartMember(unsigned i) {
  MemberSlot& m = members_[i];
  PADDOCK_LOG_INFO("sim t={} member {} starts", NowMs(), i + 1);
  server::Config config;
  config.server_id = static_cast<int32_t>(i + 1);
  config.tick_ms = options_.tick_ms;
  config.election_timeout_ms = 0;
  for (unsigned j = 0; j < size(); j++) {
    server::ServerEntry e;
    e.host = "sim";
    config.servers[static_cast<int32_t>(j + 1)] = e;
  }
  m.incarnation++;
  m.crashed = false;
  m.paused = false;
  m.held.clear();
  m.links_up.clear();
  m.connections.clear();
  m.last_zxid = 0;
  m.sessions.clear();
  m.peers = std::make_unique<SimPeers>(this, i);
  m.server = std::make_unique<server::Server>(config, &clock_, &io_);
  m.server->Start(&consensus_->Member(i), [] { return int64_t{1} << 40; });
  m.server->SetPeers(m.peers.get());
  PADDOCK_ASSERT(consensus_->Member(i).Start(m.server->LogCallbacks()).ok());
}

void Cluster::At(int64_t at_ms, std::function<void()> fn) {
  events_.push(Event{at_ms, next_seq_++, std::move(fn)});
}

void Cluster::DeliverToMember(unsigned i, uint64_t incarnation,
                              std::function<void(server::Server&)> fn) {
  MemberSlot& m = members_[i];
  if (m.incarnation != incarnation || m.server == nullptr) return;  // it crashed meanwhile
  auto deliver = [this, i, incarnation, fn = std::move(fn)] {
    MemberSlot& slot = members_[i];
    if (slot.incarnation == incarnation && slot.server != nullptr) fn(*slot.server);
  };
  if (m.paused) {
    m.held.push_back(std::move(deliver));
  } else {
    deliver();
  }
}

void Cluster::DeliverToClient(SimConnection* c, std::string bytes, bool close) {
  ClientEnd* client = c->client();
  int64_t id = c->id();
  At(NowMs() + options_.latency_ms, [client, id, bytes = std::move(bytes), close] {
    if (!bytes.empty()) client->OnBytes(id, bytes);
    if (close) client->OnClosed(id);
  });
}

int64_t Cluster::Connect(unsigned member, ClientEnd* client) {
  MemberSlot& m = members_[member];
  if (m.server == nullptr) return 0;
  int64_t id = next_connection_id_++;
  auto c = std::make_unique<SimConnection>(this, member, m.server.get(), id, client);
  SimConnection* raw = c.get();
  m.server->AddConnection(std::move(c));
  raw->AddIdentity({"ip", raw->remote_ip()});
  m.connections[id] = raw;
  if (!m.server->AdmitConnection(*raw)) raw->Abort("too many connections from this address");
  return id;
}

void Cluster::SendToMember(unsigned member, int64_t connection, std::string bytes) {
  uint64_t incarnation = members_[member].incarnation;
  At(NowMs() + options_.latency_ms, [this, member, incarnation, connection, bytes] {
    DeliverToMember(member, incarnation, [this, member, connection, bytes](server::Server& s) {
      auto it = members_[member].connections.find(connection);
      if (it == members_[member].connections.end() || it->second->closing()) return;
      it->second->frames().Append(bytes);
      if (!it->second->reading_paused()) s.OnConnectionData(*it->second);
      NoteHeard(member, *it->second);
    });
  });
}

void Cluster::Hangup(unsigned member, int64_t connection) {
  uint64_t incarnation = members_[member].incarnation;
  At(NowMs() + options_.latency_ms, [this, member, incarnation, connection] {
    DeliverToMember(member, incarnation, [this, member, connection](server::Server&) {
      auto it = members_[member].connections.find(connection);
      if (it == members_[member].connections.end()) return;
      it->second->AbortByPeer("client closed");
    });
  });
}

void Cluster::Cut(unsigned from, unsigned to) {
  if (!cut_.insert({from, to}).second) return;
  consensus_->CutLink(from, to);
}

void Cluster::Mend(unsigned from, unsigned to) {
  if (cut_.erase({from, to}) == 0) return;
  consensus_->MendLink(from, to);
}

void Cluster::Pause(unsigned i) {
  MemberSlot& m = members_[i];
  if (m.paused || m.server == nullptr || consensus_->State(i) != testing::MemberState::kUp) return;
  consensus_->Kill(i);
  m.paused = true;
}

void Cluster::Resume(unsigned i) {
  MemberSlot& m = members_[i];
  if (!m.paused) return;
  consensus_->Revive(i);
  m.paused = false;
  std::vector<std::function<void()>> held;
  held.swap(m.held);
  for (auto& fn : held) fn();
}

void Cluster::Crash(unsigned i) {
  MemberSlot& m = members_[i];
  if (m.server == nullptr || m.paused || consensus_->State(i) != testing::MemberState::kUp) return;
  consensus_->Crash(i);
  DropMember(i);
}

void Cluster::DropMember(unsigned i) {
  MemberSlot& m = members_[i];
  PADDOCK_LOG_INFO("sim t={} member {} down", NowMs(), i + 1);
  for (auto& [id, c] : m.connections) DeliverToClient(c, std::string(), true);
  m.connections.clear();
  m.server.reset();
  m.peers.reset();
  m.crashed = true;
  m.paused = false;  // a paused process can die too (its disk writes still land)
  m.held.clear();
  m.incarnation++;
  // Its peers' links close now (end of stream), even if it restarts within this step.
  SyncPeerLinks();
}

void Cluster::DiskFault(unsigned i, int delay) {
  if (members_[i].server == nullptr) return;
  consensus_->DiskFault(i, delay, 1);
}

void Cluster::ResetConnections(unsigned i) {
  MemberSlot& m = members_[i];
  if (m.server == nullptr || m.paused) return;
  std::vector<SimConnection*> all;
  for (auto& [id, c] : m.connections) all.push_back(c);
  for (SimConnection* c : all) c->AbortByPeer("connection reset");
}

void Cluster::HealAll() {
  for (auto [from, to] : std::set<std::pair<unsigned, unsigned>>(cut_)) Mend(from, to);
  for (unsigned i = 0; i < size(); i++) Resume(i);
}

void Cluster::RunDue() {
  while (!events_.empty() && events_.top().at <= NowMs()) {
    // Copy out before running: the function may push new events.
    std::function<void()> fn = events_.top().fn;
    events_.pop();
    fn();
  }
}

void Cluster::SyncPeerLinks() {
  for (unsigned i = 0; i < size(); i++) {
    MemberSlot& m = members_[i];
    if (m.server == nullptr || m.paused) continue;
    for (unsigned j = 0; j < size(); j++) {
      if (j == i) continue;
      bool up = m.peers->Connected(static_cast<int>(j + 1));
      bool was = m.links_up.count(j) != 0;
      if (up == was) continue;
      if (up) {
        m.links_up.insert(j);
      } else {
        m.links_up.erase(j);
      }
      m.server->OnPeerLink(static_cast<int>(j + 1), up);
    }
  }
}

void Cluster::TickMembers() {
  for (unsigned i = 0; i < size(); i++) {
    MemberSlot& m = members_[i];
    if (m.server != nullptr) {
      testing::MemberState state = consensus_->State(i);
      if (state == testing::MemberState::kUp &&
          consensus_->Member(i).Stats().role == consensus::LogStats::Role::kUnavailable) {
        consensus_->Crash(i);  // LibraftLog::FailStopIfUnavailable aborts the process
        state = consensus_->State(i);
      }
      if (state != testing::MemberState::kUp) DropMember(i);  // it fail-stopped
    }
    if (m.crashed && consensus_->State(i) == testing::MemberState::kDown) {
      consensus_->ClearDiskFault(i);  // the restarted process finds its disk healthy
      StartMember(i);
    }
    if (m.server != nullptr && !m.paused) m.server->Tick();
  }
}

// The expire txn's time as the member that applied it recorded the session's end (its clock
// is the simulated one); -1 if it was not an expiry or is not recorded.
int64_t Cluster::DecidedMs(server::Server& s, int64_t id) const {
  int64_t wall = clock_.NowWallMs();
  for (const server::admin::EndedSession& e : s.session_book().Recent(wall)) {
    if (e.session_id == id && e.reason == server::admin::EndReason::kExpired) {
      return e.ended_wall_ms - (clock_.NowWallMs() - clock_.NowMonotonicMs());
    }
  }
  return -1;
}

// Sessions never come back: once a member applied a session's close (its table lost it while
// its log moved forward), no member that has applied as far may hold it again.
void Cluster::TrackSessions() {
  for (unsigned i = 0; i < size(); i++) {
    MemberSlot& m = members_[i];
    if (m.server == nullptr) continue;
    const statemachine::StateMachine& sm = m.server->state();
    std::set<int64_t> now_held;
    for (const auto& [id, s] : sm.sessions().sessions()) now_held.insert(id);
    if (sm.last_zxid() >= m.last_zxid) {
      for (int64_t id : m.sessions) {
        if (now_held.count(id) == 0 && closed_by_zxid_.count(id) == 0) {
          closed_by_zxid_[id] = sm.last_zxid();
          closed_ms_[id] = NowMs();
          decided_ms_[id] = DecidedMs(*m.server, id);
        }
      }
    }
    for (int64_t id : now_held) {
      auto c = closed_by_zxid_.find(id);
      if (c != closed_by_zxid_.end() && sm.last_zxid() >= c->second) {
        std::ostringstream o;
        o << "session 0x" << std::hex << id << std::dec << " came back on member " << i + 1
          << " at zxid 0x" << std::hex << sm.last_zxid() << " after its close (by 0x"
          << c->second << ")";
        Violation(o.str());
      }
    }
    m.sessions = std::move(now_held);
    m.last_zxid = sm.last_zxid();
  }
}

int64_t Cluster::Step() {
  consensus_->Step();
  RunDue();
  SyncPeerLinks();
  TickMembers();
  RunDue();  // what the turn sent at once (no latency) goes now
  TrackSessions();
  CheckLiveness();
  return NowMs();
}

// Whether `member` serves and every other member would get its next heartbeat: its links out
// are up, it is not paused, and nobody is paused or down (a paused member gets it late, which
// only makes its deadlines later; a crashed one restarts with full timeouts).
bool Cluster::CanTellEveryone(unsigned member) const {
  const server::Server* s = members_[member].server.get();
  if (s == nullptr || members_[member].paused || !s->serving()) return false;
  for (unsigned j = 0; j < size(); j++) {
    if (j != member && (!LinkUp(member, j) || members_[j].server == nullptr)) return false;
  }
  return true;
}

// A frame of an open session was handled by `member`. If the member could tell every other
// member, and still can once its next heartbeat (tick/2) has gone, no member may expire the
// session before a timeout from now, unless its expiry was already under way.
void Cluster::NoteHeard(unsigned member, const SimConnection& c) {
  if (c.state() != server::Connection::State::kOpen || c.session_id() == 0) return;
  int64_t id = c.session_id();
  int64_t now = NowMs();
  evidence_[id].heard_ms = now;
  evidence_[id].handshake = false;
  const session::SessionTable::Session* s = members_[member].server->state().sessions().Find(id);
  if (s == nullptr || !CanTellEveryone(member)) return;
  for (const MemberSlot& m : members_) {
    if (m.server != nullptr && m.server->sessions().Closing(id)) return;
  }
  int32_t timeout = s->timeout_ms;
  uint64_t incarnation = members_[member].incarnation;
  At(now + options_.tick_ms / 2 + 3 * options_.latency_ms, [this, member, incarnation, id, now,
                                                            timeout] {
    if (members_[member].incarnation != incarnation || !CanTellEveryone(member)) return;
    Evidence& e = evidence_[id];
    // Older than two timeouts it can no longer matter.
    std::erase_if(e.shared_ms, [&](int64_t h) { return h < now - 2 * int64_t{timeout}; });
    e.shared_ms.push_back(now);
    e.timeout_ms = timeout;
  });
}

void Cluster::NoteHandshake(int64_t session) {
  if (session == 0) return;
  Evidence& e = evidence_[session];
  e.heard_ms = NowMs() + options_.latency_ms;
  e.handshake = true;
}

void Cluster::CheckLiveness() {
  int64_t now = NowMs();
  // A client waiting on a reply counts as heard (server/ensemble.cc, TouchWaitingSessions): it
  // sends nothing more while it waits, and the wait is the ensemble's doing.
  for (const MemberSlot& m : members_) {
    if (m.server == nullptr || m.paused) continue;
    for (const auto& [id, c] : m.connections) {
      if (c->closing() || c->state() != server::Connection::State::kOpen ||
          c->pipeline().empty()) {
        continue;
      }
      evidence_[c->session_id()].heard_ms = now;
      evidence_[c->session_id()].handshake = false;
    }
  }
  leader_since_ms_.resize(size(), -1);
  int64_t led_since = -1;
  for (unsigned i = 0; i < size(); i++) {
    const server::Server* s = members_[i].server.get();
    bool leading = s != nullptr && !members_[i].paused && s->leader_ready();
    if (!leading) leader_since_ms_[i] = -1;
    if (leading && leader_since_ms_[i] < 0) leader_since_ms_[i] = now;
    if (leading) led_since = leader_since_ms_[i];
  }
  // A touch reaches every member within a heartbeat (tick/2) and the latency.
  int64_t delivered_ms = int64_t{options_.tick_ms} / 2 + int64_t{options_.latency_ms};
  for (auto& [id, e] : evidence_) {
    auto closed = closed_ms_.find(id);
    if (closed != closed_ms_.end()) {
      auto decided = decided_ms_.find(id);
      if (closed->second != now || decided == decided_ms_.end() || decided->second < 0) continue;
      int64_t t = decided->second;
      for (int64_t h : e.shared_ms) {
        if (h + delivered_ms > t || t >= h + e.timeout_ms) continue;
        std::ostringstream o;
        o << "session 0x" << std::hex << id << std::dec << " expired by a decision at " << t
          << " ms although its client was heard at " << h << " ms by a member that told "
          << "everyone (timeout " << e.timeout_ms << " ms)";
        Violation(o.str());
        break;
      }
      continue;
    }
    if (liveness_bound_ms_ <= 0 || e.timeout_ms <= 0 || led_since < 0) continue;
    int64_t silent = now - e.heard_ms;
    int64_t allowed = e.timeout_ms + liveness_bound_ms_ + (e.handshake ? e.timeout_ms : 0);
    if (now - led_since > allowed && silent > allowed) {
      std::ostringstream o;
      o << "session 0x" << std::hex << id << std::dec << " still alive " << silent
        << " ms after its client was last heard (timeout " << e.timeout_ms << " ms, now " << now
        << " ms)";
      for (unsigned i = 0; i < size(); i++) {
        const server::Server* s = members_[i].server.get();
        if (s == nullptr) continue;
        std::optional<int64_t> h = s->sessions().HeardMs(id);
        o << " [m" << i + 1 << " heard=" << (h ? *h : -1) << " deadline="
          << (s->liveness().Contains(id) ? s->liveness().DeadlineMs(id) : -1) << " "
          << s->DebugState() << "]";
      }
      Violation(o.str());
      e.heard_ms = now;  // reported once per silence
    }
  }
}

}  // namespace paddock::sim
