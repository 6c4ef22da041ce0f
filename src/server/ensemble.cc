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
#include <algorithm>

#include "base/assert.h"
#include "base/log.h"
#include "server/server.h"
#include "session/password.h"
#include "statemachine/txn.h"

namespace paddock::server {

using statemachine::Txn;

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

// The outgoing link to `peer` came up or went down. A member we (re)connected to may have missed
// our heartbeats; writes forwarded over a link to the leader that dropped may be lost.
void Server::OnPeerLink(int peer, bool up) {
  if (up) SendLiveness(peer);
  if (!up && static_cast<uint64_t>(peer) == roles_.known_leader()) {
    FailForwarded(roles_.known_leader());
  }
}

// A client whose request we have not answered yet is waiting on us, not silent: during a
// failover its write sits forwarded to a leader that is gone, and a client sends nothing more
// while it waits (kazoo does not ping then). Counting it as heard keeps the new leader from
// expiring a session for the ensemble's own delay.
void Server::TouchWaitingSessions() {
  for (const auto& [id, c] : connections_) {
    if (c->session_id() != 0 && c->state() == Connection::State::kOpen &&
        !c->pipeline().empty()) {
      TouchSession(c->session_id());
    }
  }
  for (const auto& [id, p] : parked_) {
    if (p.valid_session) TouchSession(p.req.session_id);
  }
}

// Every loop turn (OnCheck) and every tick/2: follows Raft's view of the leader
// (role_tracker.h), and takes the steps a change asks for.
void Server::UpdateRole() {
  int64_t now = clock_->NowMonotonicMs();
  uint64_t leader = log_->LeaderId();
  RoleTracker::Steps s = roles_.Observe(log_->IsLeader(), leader, now, LeaderLinkUp(leader, now));
  if (s.propose_barrier) {
    // A new leader commits a barrier first: only then is every earlier entry applied.
    log_->Barrier([this](Status st) {
      if (!st.ok()) PADDOCK_LOG_WARN("leader barrier failed error=\"{}\"", st.message());
      if (roles_.BarrierDone(st.ok(), !stopping_ && log_->IsLeader())) OnLeaderReady();
    });
  }
  if (s.leadership_lost) LeadershipLost();
  if (s.leader_changed) OnLeaderChanged(s.old_leader, s.new_leader);
  if (s.request_catch_up) RequestCatchUp();
  if (s.start_serving) StartServing();
  if (s.stop_serving != nullptr) StopServing(s.stop_serving);
}

// Whether this member's peer link to `leader` works both ways: the leader's heartbeats (every
// tick/2) arrive, and the last one says it had heard ours recently. A link that only connects
// and drops, or that loses what we send, fails the second test. Right after a change of leader
// the first heartbeat may be on its way; the role tracker's grace covers that.
bool Server::LeaderLinkUp(uint64_t leader, int64_t now) const {
  if (peers_ == nullptr || leader == 0 || leader == static_cast<uint64_t>(config_.server_id)) {
    return true;
  }
  auto p = peer_states_.find(static_cast<int>(leader));
  int64_t limit = 2 * config_.tick_ms;
  return p != peer_states_.end() && now - p->second.heard_ms <= limit &&
         p->second.heard_us_age_ms >= 0 && p->second.heard_us_age_ms <= limit;
}

// Only the leader decides expiries and container deletions: those not proposed yet are dropped.
// Txns other members forwarded go back to them as failed; this member's own client requests
// stay queued and follow the next leader.
void Server::LeadershipLost() {
  session_driver_.LostLeadership();
  cleanup_pending_.clear();
  PADDOCK_LOG_WARN("leadership lost term={} queued={}", log_->Stats().term, outbox_.size());
  HandleFailures(outbox_.LeadershipLost(), "leadership lost");
}

void Server::OnLeaderReady() {
  if (sm_.secret().empty()) {
    Txn init;
    init.kind = statemachine::TxnKind::kInit;
    init.body = io_->NewSecret(session::kSecretBytes);
    PADDOCK_ASSERT(init.body.size() == session::kSecretBytes);
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
  PADDOCK_LOG_INFO("leading term={} zxid=0x{:x} sessions={}", log_->Stats().term, sm_.last_zxid(),
                   sm_.sessions().size());
}

void Server::OnLeaderChanged(uint64_t from, uint64_t to) {
  PADDOCK_LOG_INFO("leader changed from={} to={}", from, to);
  // Writes go to the new leader once its heartbeat says it is ready (its barrier committed).
  if (auto p = peer_states_.find(static_cast<int>(to)); p != peer_states_.end()) {
    p->second.role = Heartbeat::Role::kNone;
  }
  if (from != 0) FailForwarded(from);
}

void Server::StartServing() {
  int64_t now = clock_->NowMonotonicMs();
  session_driver_.Follow(sm_.sessions(), now);
  // The periodic jobs of a serving member (RunPeriodicJobs) start from here.
  next_scan_ms_ = now;
  next_cleaner_ms_ = now + config_.container_check_interval_ms;
  PADDOCK_LOG_INFO("serving mode={} port={} secure_port={} zxid=0x{:x} sessions={} nodes={}",
                   ModeName(), config_.PlainPortEnabled() ? config_.client_port : -1,
                   config_.secure_client_port, sm_.last_zxid(), sm_.sessions().size(),
                   sm_.tree().NodeCount());
}

void Server::StopServing(const char* why) {
  PADDOCK_LOG_WARN("not serving reason=\"{}\" connections={}", why, connections_.size());
  roles_.StoppedServing();
  for (auto& [id, c] : connections_) c->Abort(why);
  // Writes not yet proposed lost their clients with the connections: they are dropped.
  outbox_.Clear();
}

// Forwards a sync txn of our own to the leader; this member serves once it is applied here.
void Server::RequestCatchUp() {
  Txn txn;
  txn.kind = statemachine::TxnKind::kSync;
  txn.time_ms = clock_->NowWallMs();
  txn.origin_server = config_.server_id;
  txn.origin_seq = next_seq_++;
  roles_.CatchUpSent(txn.origin_seq);
  txn.body = proto::EncodeToString(proto::PathRequest{"/"});
  Propose(std::move(txn));
}

// Sends the queue to the leader once it is known, reachable and ready (its heartbeat says so);
// until then it is held.
void Server::ForwardBatch() {
  auto leader = static_cast<int>(roles_.known_leader());
  if (leader == 0 || leader == config_.server_id || !peers_->Connected(leader)) return;
  auto p = peer_states_.find(leader);
  if (p == peer_states_.end() || p->second.role != Heartbeat::Role::kLeader) return;
  for (const std::string& frame : outbox_.TakeForward(leader)) {
    peers_->Send(leader, PeerLinks::Type::kForward, frame);
  }
}

// Forwarded to `leader` and not applied yet: their outcome is unknown, their clients lose the
// connection (they reconnect and ask).
void Server::FailForwarded(uint64_t leader) {
  Failures f = outbox_.LeaderGone(static_cast<int32_t>(leader));
  if (f.own_seqs.empty()) return;
  PADDOCK_LOG_WARN("forwarded writes failed leader={} txns={} reason=\"leader lost\"", leader,
                   f.own_seqs.size());
  HandleFailures(f, "forwarded write failed");
}

void Server::FailOrigin(int64_t seq, const char* why) {
  outbox_.Settled(seq);
  if (seq == roles_.catch_up_seq()) roles_.CatchUpLost();  // asked again on a later turn
  auto it = waiting_.find(seq);
  if (it == waiting_.end()) return;
  auto c = connections_.find(it->second);
  waiting_.erase(it);
  if (c != connections_.end()) c->second->Abort(why);
}

void Server::OnPeerMessage(int from, PeerLinks::Type type, std::string_view body) {
  switch (type) {
    case PeerLinks::Type::kForward:
      OnForwarded(from, body);
      return;
    case PeerLinks::Type::kFailed: {
      std::vector<int64_t> seqs;
      if (!DecodeSeqs(body, &seqs)) break;
      PADDOCK_LOG_WARN("forwarded writes failed leader={} txns={}", from, seqs.size());
      for (int64_t seq : seqs) FailOrigin(seq, "forwarded write failed");
      return;
    }
    case PeerLinks::Type::kHeartbeat:
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
  if (!roles_.leader_ready() || refused != nullptr) {
    std::vector<int64_t> seqs;
    for (const Txn& t : *txns) {
      if (t.origin_seq != 0) seqs.push_back(t.origin_seq);
    }
    peers_->Send(from, PeerLinks::Type::kFailed, EncodeSeqs(seqs));
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
  peer_states_[from] = PeerState{h.role, h.serving, now, h.heard_you_age_ms};
  session_driver_.OnTouches(h.touches, now);
  // The book's "last heard" counts what other members heard too: a leader's expiry of a client
  // connected elsewhere then reports the silence the ensemble saw, not the time since creation.
  for (const Heartbeat::Touch& t : h.touches) session_book_.Heard(t.session_id, now - t.age_ms);
}

Heartbeat Server::OwnState() const {
  Heartbeat h;
  h.role = roles_.leader_ready()
               ? Heartbeat::Role::kLeader
               : (roles_.follower_synced() ? Heartbeat::Role::kFollower : Heartbeat::Role::kNone);
  h.serving = roles_.serving();
  h.last_zxid = sm_.last_zxid();
  return h;
}

// A member we (re)connected to may have missed our heartbeats (it restarted, or a partition
// healed): it gets the last time we know each client was heard, and keeps the later of each. A
// leader elected after a partition heals thus does not expire sessions that were alive on the
// other side. Deadlines not backed by a client heard (sessions restored at start) are not sent.
void Server::SendLiveness(int peer) {
  int64_t now = clock_->NowMonotonicMs();
  Heartbeat h = OwnState();
  h.heard_you_age_ms = HeardAgeMs(peer, now);
  h.touches = session_driver_.Evidence(now);
  peers_->Send(peer, PeerLinks::Type::kHeartbeat, EncodeHeartbeat(h));
}

// How long ago `peer`'s last heartbeat arrived; -1 if none has.
int32_t Server::HeardAgeMs(int peer, int64_t now) const {
  auto p = peer_states_.find(peer);
  if (p == peer_states_.end()) return -1;
  return static_cast<int32_t>(std::clamp<int64_t>(now - p->second.heard_ms, 0, INT32_MAX));
}

// Each member gets the same state and touches, and how recently we heard it (so that a follower
// knows whether what it sends reaches the leader).
void Server::SendHeartbeats() {
  if (peers_ == nullptr || stopping_) return;
  heartbeat_urgent_ = false;
  int64_t now = clock_->NowMonotonicMs();
  Heartbeat h = OwnState();
  h.touches = session_driver_.TakeTouches(now);
  for (const auto& [id, entry] : config_.servers) {
    if (id == config_.server_id) continue;
    h.heard_you_age_ms = HeardAgeMs(id, now);
    peers_->Send(id, PeerLinks::Type::kHeartbeat, EncodeHeartbeat(h));
  }
}

}  // namespace paddock::server
