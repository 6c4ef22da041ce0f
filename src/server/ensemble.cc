// The ensemble side of the server: who leads, when this member serves, forwarding writes to the
// leader, and keeping every session's deadline on every member.
//
// Roles come from Raft (polled every loop turn: libraft 0.15 has no state callback):
//  * the leader serves once a barrier it proposed committed: every earlier entry is applied. It
//    alone proposes writes, expiries and container deletions;
//  * a follower forwards its clients' writes (and session creation and close, and sync) to the
//    leader over the peer channel; it serves once a catch-up marker (a sync txn) it forwarded
//    came back through the log, so its reads are at least as new as the leader's state then;
//  * a member that knows no leader keeps serving reads for twice the election timeout, then
//    stops serving and closes its clients' connections, so that they move to the majority.
// Writes forwarded to a leader that is lost fail their clients' connections (outcome unknown,
// as a ZooKeeper client sees on a server failure); so do those the leader reports as failed.
//
// Session liveness: every member sends every other one, each tick/2, the sessions whose clients
// it heard from. So every member keeps every session's deadline, and a new leader keeps each
// session's remaining time instead of resetting it to the full timeout. A new leader waits one
// such interval before expiring anything, so that touches in flight arrive.
#include <openssl/rand.h>

#include <algorithm>

#include "base/assert.h"
#include "base/log.h"
#include "server/server.h"
#include "session/password.h"
#include "statemachine/txn.h"

namespace paddock::server {

using statemachine::Txn;

namespace {
// Forwarded batches are cut at this size, so that one frame stays well under the peer channel's.
constexpr size_t kForwardBytesMax = 4u << 20;
}  // namespace

const char* Server::ModeName() const {
  if (!config_.IsEnsemble()) return "standalone";
  return leader_ready_ ? "leader" : "follower";
}

Server::FollowerCounts Server::Followers() const {
  FollowerCounts f;
  int64_t now = clock_->NowMonotonicMs();
  for (const auto& [id, p] : peer_states_) {
    // A heartbeat is due every tick/2: two ticks of silence means the member is gone.
    if (p.role != Heartbeat::Role::kFollower || now - p.heard_ms > 2 * config_.tick_ms) continue;
    f.followers++;
    if (p.serving) f.synced++;
  }
  return f;
}

Status Server::StartPeers() {
  std::map<int, PeerNet::Endpoint> members;
  for (const auto& [id, e] : config_.servers) members[id] = {e.host, e.peer_port};
  peers_ = std::make_unique<PeerNet>(
      &loop_, config_.server_id, std::move(members), config_.peer_key,
      [this](int from, PeerNet::Type type, std::string_view body) {
        OnPeerMessage(from, type, body);
      },
      [this](int peer, bool up) {
        if (up) SendLiveness(peer);
        if (!up && static_cast<uint64_t>(peer) == known_leader_) FailForwarded(known_leader_);
      });
  if (Status s = peers_->Start(); !s.ok()) return s;
  uv_timer_init(&loop_, &peer_timer_);
  peer_timer_.data = this;
  peer_timer_started_ = true;
  auto interval = static_cast<uint64_t>(std::max(1, config_.tick_ms / 2));
  uv_timer_start(&peer_timer_, OnPeerTimer, interval, interval);
  return Status::Ok();
}

void Server::OnPeerTimer(uv_timer_t* t) {
  auto* self = static_cast<Server*>(t->data);
  self->UpdateRole();
  self->TouchWaitingSessions();
  self->SendHeartbeats();
}

// A client whose request we have not answered yet is waiting on us, not silent: during a
// failover its write sits forwarded to a leader that is gone, and a client sends nothing more
// while it waits (kazoo does not ping then). Counting it as heard keeps the new leader from
// expiring a session for the ensemble's own delay.
void Server::TouchWaitingSessions() {
  for (const auto& [id, c] : connections_) {
    if (c->session_id != 0 && c->state == Connection::State::kOpen && !c->pipeline.empty()) {
      TouchSession(c->session_id);
    }
  }
  for (const auto& [id, p] : parked_) {
    if (p.valid_session) TouchSession(p.req.session_id);
  }
}

// Every loop turn (OnCheck) and every tick/2: follows Raft's view of the leader.
void Server::UpdateRole() {
  bool leading = log_->IsLeader();
  uint64_t leader = log_->LeaderId();
  if (leading && !leader_ready_ && !barrier_pending_) {
    // A new leader commits a barrier first: only then is every earlier entry applied.
    barrier_pending_ = true;
    log_->Barrier([this](Status s) {
      barrier_pending_ = false;
      if (!s.ok()) {
        PADDOCK_LOG_WARN("leader barrier failed error=\"{}\"", s.message());
        return;
      }
      if (!stopping_ && log_->IsLeader()) OnLeaderReady();
    });
  }
  if (!leading && leader_ready_) LeadershipLost();
  if (leader != known_leader_) OnLeaderChanged(known_leader_, leader);
  int64_t now = clock_->NowMonotonicMs();
  if (leader != 0) {
    leaderless_since_ms_ = -1;
  } else if (leaderless_since_ms_ < 0) {
    leaderless_since_ms_ = now;
  }
  bool follower = leader != 0 && leader != static_cast<uint64_t>(config_.server_id);
  if (follower && !follower_synced_ && catchup_seq_ == 0) RequestCatchUp();
  bool should_serve = leader_ready_ || (follower && follower_synced_);
  if (should_serve && !serving_) StartServing();
  if (!should_serve && serving_) {
    // A member that just became leader (barrier pending) or lost its leader a moment ago keeps
    // its clients; one that stays without a leader lets them go.
    bool grace = leader != 0 || now - leaderless_since_ms_ < 2 * config_.ElectionTimeoutMs();
    if (!grace) StopServing("no leader for twice the election timeout");
  }
}

// Only the leader decides expiries and container deletions: those not proposed yet are dropped.
// Txns other members forwarded go back to them as failed; this member's own client requests
// stay in the batch and follow the next leader.
void Server::LeadershipLost() {
  leader_ready_ = false;
  session_driver_.LostLeadership();
  cleanup_pending_.clear();
  uv_timer_stop(&expiry_timer_);
  PADDOCK_LOG_WARN("leadership lost term={} batch={}", log_->Stats().term, batch_.size());
  std::vector<Origin> remote;
  std::vector<Txn> kept;
  for (Txn& t : batch_) {
    if (t.origin_server != config_.server_id) {
      remote.push_back({t.origin_server, t.origin_seq, t.session_id});
    } else if (t.origin_seq != 0) {
      kept.push_back(std::move(t));
    }
  }
  batch_ = std::move(kept);
  if (!remote.empty()) FailBatch(remote, Status::Error("leadership lost"));
}

void Server::OnLeaderReady() {
  leader_ready_ = true;
  if (sm_.secret().empty()) {
    Txn init;
    init.kind = statemachine::TxnKind::kInit;
    init.body.resize(session::kSecretBytes);
    PADDOCK_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(init.body.data()),
                              static_cast<int>(init.body.size())) == 1);
    init.time_ms = clock_->NowWallMs();
    Propose(std::move(init));
  }
  int64_t now = clock_->NowMonotonicMs();
  // Sessions this member has no deadline for (restored) get a full timeout; the others keep the
  // time they have left, but at least one election timeout. Touches sent before the change may
  // still be on their way: expiry waits for one heartbeat interval (session_driver.h).
  for (const auto& [id, s] : sm_.sessions().sessions()) {
    if (!session_driver_.liveness().Contains(id)) session_book_.Rearmed(id, s.timeout_ms, now);
  }
  session_driver_.BecameLeader(sm_.sessions(), now);
  heartbeat_urgent_ = true;  // followers forward their writes once they hear this
  ArmExpiryTimer();
  PADDOCK_LOG_INFO("leading term={} zxid=0x{:x} sessions={}", log_->Stats().term, sm_.last_zxid(),
                   sm_.sessions().size());
}

void Server::OnLeaderChanged(uint64_t from, uint64_t to) {
  PADDOCK_LOG_INFO("leader changed from={} to={}", from, to);
  known_leader_ = to;
  // Writes go to the new leader once its heartbeat says it is ready (its barrier committed).
  if (auto p = peer_states_.find(static_cast<int>(to)); p != peer_states_.end()) {
    p->second.role = Heartbeat::Role::kNone;
  }
  if (from != 0) FailForwarded(from);
  if (catchup_seq_ != 0) {
    waiting_.erase(catchup_seq_);
    catchup_seq_ = 0;
  }
}

void Server::StartServing() {
  session_driver_.Follow(sm_.sessions(), clock_->NowMonotonicMs());
  serving_ = true;
  // Stalled handshakes are looked for ten times per timeout (at most every second).
  uint64_t handshake_scan_ms =
      static_cast<uint64_t>(std::clamp<int64_t>(config_.handshake_timeout_ms / 10, 10, 1000));
  uv_timer_start(&handshake_timer_, OnHandshakeTimer, handshake_scan_ms, handshake_scan_ms);
  uv_timer_start(&cleaner_timer_, OnCleanerTimer,
                 static_cast<uint64_t>(config_.container_check_interval_ms),
                 static_cast<uint64_t>(config_.container_check_interval_ms));
  PADDOCK_LOG_INFO("serving mode={} port={} secure_port={} zxid=0x{:x} sessions={} nodes={}",
                   ModeName(), config_.PlainPortEnabled() ? config_.client_port : -1,
                   config_.secure_client_port, sm_.last_zxid(), sm_.sessions().size(),
                   sm_.tree().NodeCount());
}

void Server::StopServing(const char* why) {
  PADDOCK_LOG_WARN("not serving reason=\"{}\" connections={}", why, connections_.size());
  serving_ = false;
  follower_synced_ = false;
  uv_timer_stop(&cleaner_timer_);
  for (auto& [id, c] : connections_) c->Abort(why);
  // Writes not yet proposed lost their clients with the connections: they are dropped.
  batch_.clear();
}

// Forwards a sync txn of our own to the leader; this member serves once it is applied here.
void Server::RequestCatchUp() {
  Txn txn;
  txn.kind = statemachine::TxnKind::kSync;
  txn.time_ms = clock_->NowWallMs();
  txn.origin_server = config_.server_id;
  txn.origin_seq = catchup_seq_ = next_seq_++;
  txn.body = proto::EncodeToString(proto::PathRequest{"/"});
  Propose(std::move(txn));
}

// Sends the batch to the leader once it is known, reachable and ready (its heartbeat says so);
// until then the batch is held.
void Server::ForwardBatch() {
  if (known_leader_ == 0 || known_leader_ == static_cast<uint64_t>(config_.server_id) ||
      !peers_->Connected(static_cast<int>(known_leader_))) {
    return;
  }
  auto p = peer_states_.find(static_cast<int>(known_leader_));
  if (p == peer_states_.end() || p->second.role != Heartbeat::Role::kLeader) return;
  size_t begin = 0;
  while (begin < batch_.size()) {
    size_t end = begin;
    size_t bytes = 0;
    std::vector<Txn> part;
    while (end < batch_.size() && (part.empty() || bytes < kForwardBytesMax)) {
      bytes += batch_[end].body.size() + 64;
      part.push_back(std::move(batch_[end++]));
    }
    for (const Txn& t : part) {
      if (t.origin_seq != 0) forwarded_[t.origin_seq] = known_leader_;
    }
    peers_->Send(static_cast<int>(known_leader_), PeerNet::Type::kForward,
                 statemachine::EncodeBatch(part));
    begin = end;
  }
  batch_.clear();
}

// Forwarded to `leader` and not applied yet: their outcome is unknown, their clients lose the
// connection (they reconnect and ask).
void Server::FailForwarded(uint64_t leader) {
  std::vector<int64_t> seqs;
  for (const auto& [seq, to] : forwarded_) {
    if (to == leader) seqs.push_back(seq);
  }
  if (seqs.empty()) return;
  PADDOCK_LOG_WARN("forwarded writes failed leader={} txns={} reason=\"leader lost\"", leader,
                   seqs.size());
  for (int64_t seq : seqs) FailOrigin(seq);
}

void Server::FailOrigin(int64_t seq) {
  forwarded_.erase(seq);
  if (seq == catchup_seq_) catchup_seq_ = 0;  // asked again on a later turn
  auto it = waiting_.find(seq);
  if (it == waiting_.end()) return;
  auto c = connections_.find(it->second);
  waiting_.erase(it);
  if (c != connections_.end()) c->second->Abort("forwarded write failed");
}

void Server::OnPeerMessage(int from, PeerNet::Type type, std::string_view body) {
  switch (type) {
    case PeerNet::Type::kForward:
      OnForwarded(from, body);
      return;
    case PeerNet::Type::kFailed: {
      std::vector<int64_t> seqs;
      if (!DecodeSeqs(body, &seqs)) break;
      PADDOCK_LOG_WARN("forwarded writes failed leader={} txns={}", from, seqs.size());
      for (int64_t seq : seqs) FailOrigin(seq);
      return;
    }
    case PeerNet::Type::kHeartbeat:
      OnHeartbeat(from, body);
      return;
    default:
      break;
  }
  PADDOCK_LOG_WARN("peer message ignored from={} type={} bytes={} reason=\"malformed\"", from,
                   static_cast<int>(type), body.size());
}

// A follower's batch: proposed with the leader's time, or refused back if this member does not
// lead (any more), or if it holds anything but what followers forward (ensemble_messages.h).
void Server::OnForwarded(int from, std::string_view body) {
  Result<std::vector<Txn>> txns = statemachine::DecodeBatch(body);
  if (!txns.ok()) {
    PADDOCK_LOG_WARN("forwarded batch refused from={} error=\"{}\"", from,
                     txns.status().message());
    return;
  }
  const Txn* refused = FirstNotForwardable(*txns);
  if (refused != nullptr) {
    PADDOCK_LOG_WARN("forwarded batch refused from={} txns={} kind={} reason=\"only the leader "
                     "proposes it\"",
                     from, txns->size(), TxnKindName(refused->kind));
  }
  if (!leader_ready_ || refused != nullptr) {
    std::vector<int64_t> seqs;
    for (const Txn& t : *txns) {
      if (t.origin_seq != 0) seqs.push_back(t.origin_seq);
    }
    peers_->Send(from, PeerNet::Type::kFailed, EncodeSeqs(seqs));
    return;
  }
  int64_t now = clock_->NowWallMs();
  for (Txn& t : *txns) {
    t.time_ms = now;
    t.origin_server = from;  // the sender holds the connection, whatever the txn says
    Propose(std::move(t));
  }
}

void Server::OnHeartbeat(int from, std::string_view body) {
  Heartbeat h;
  if (!DecodeHeartbeat(body, &h)) {
    PADDOCK_LOG_WARN("heartbeat ignored from={} reason=\"malformed\"", from);
    return;
  }
  int64_t now = clock_->NowMonotonicMs();
  peer_states_[from] = PeerState{h.role, h.serving, now};
  session_driver_.OnTouches(h.touches, now);
  if (leader_ready_) ArmExpiryTimer();
}

Heartbeat Server::OwnState() const {
  Heartbeat h;
  h.role = leader_ready_ ? Heartbeat::Role::kLeader
                         : (follower_synced_ ? Heartbeat::Role::kFollower : Heartbeat::Role::kNone);
  h.serving = serving_;
  h.last_zxid = sm_.last_zxid();
  return h;
}

// A member we (re)connected to may have missed our heartbeats (it restarted, or a partition
// healed): it gets the last time we know each client was heard, and keeps the later of each. A
// leader elected after a partition heals thus does not expire sessions that were alive on the
// other side. Deadlines not backed by a client heard (sessions restored at start) are not sent.
void Server::SendLiveness(int peer) {
  Heartbeat h = OwnState();
  h.touches = session_driver_.Evidence(clock_->NowMonotonicMs());
  peers_->Send(peer, PeerNet::Type::kHeartbeat, EncodeHeartbeat(h));
}

void Server::SendHeartbeats() {
  if (peers_ == nullptr || stopping_) return;
  heartbeat_urgent_ = false;
  Heartbeat h = OwnState();
  h.touches = session_driver_.TakeTouches(clock_->NowMonotonicMs());
  std::string body = EncodeHeartbeat(h);
  for (const auto& [id, entry] : config_.servers) {
    if (id != config_.server_id) peers_->Send(id, PeerNet::Type::kHeartbeat, body);
  }
}

}  // namespace paddock::server
