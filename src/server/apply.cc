// The write path: batching txns into log entries, and applying committed entries.
#include <algorithm>

#include "base/assert.h"
#include "base/log.h"
#include "server/server.h"

namespace paddock::server {

using statemachine::Txn;
using statemachine::TxnKind;
using statemachine::TxnResult;

// Only queues: the outbox is flushed in the loop's check phase (FlushProposals), never from
// inside one of libraft's callbacks (an apply can complete a handshake whose pipelined requests
// propose more).
void Server::Propose(Txn txn) { outbox_.Add(std::move(txn)); }

void Server::FlushProposals() {
  if (outbox_.empty() || stopping_) return;
  if (!roles_.leader_ready()) {
    // A follower forwards to the leader; a new leader holds the queue until its barrier.
    if (peers_ != nullptr && !log_->IsLeader()) ForwardBatch();
    return;
  }
  for (Outbox::Entry& e : outbox_.TakeEntries()) ProposeEntry(std::move(e));
}

void Server::ProposeEntry(Outbox::Entry entry) {
  log_->Propose(std::move(entry.bytes), [this, ticket = entry.ticket](Status s) {
    Failures f = outbox_.EntryDone(ticket, s.ok());
    if (!s.ok()) {
      PADDOCK_LOG_WARN("proposal failed error=\"{}\"", s.message());
      HandleFailures(f, "proposal failed");
    }
  });
}

// Followers learn that an entry committed from the next message the leader sends them: with
// nothing else to send, that is the next heartbeat (a tenth of the election timeout later). A
// follower whose client waits for a forwarded write should not wait that long, so a committed
// batch with forwarded txns is announced at once when no other entry followed it: an empty
// AppendEntries (consensus/commit_announcer.h), or a barrier where the log cannot send one.
void Server::NudgeCommit() {
  if (!roles_.leader_ready() || !outbox_.TakeCommitNudge()) return;
  if (!log_->AnnounceCommit()) log_->Barrier([](Status) {});
}

// Txns whose outcome is unknown: the clients waiting on our own lose their connection, as a
// ZooKeeper client would on a server failure (and the state machine refuses every later write
// of those connections); other members are told about theirs and fail their own clients.
void Server::HandleFailures(const Failures& f, const char* why) {
  for (int64_t seq : f.own_seqs) FailOrigin(seq, why);
  for (const auto& [server, seqs] : f.remote_seqs) {
    if (peers_ != nullptr) peers_->Send(server, PeerLinks::Type::kFailed, EncodeSeqs(seqs));
  }
  for (int64_t id : f.expiries) session_driver_.ExpiryFailed(id);
  for (const std::string& path : f.cleanups) cleanup_pending_.erase(path);
}

void Server::ApplyEntry(std::string_view entry) {
  Result<std::vector<Txn>> txns = statemachine::DecodeBatch(entry);
  // Entries are written only by this code: an undecodable one means a corrupt log.
  PADDOCK_ASSERT_MSG(txns.ok(), txns.status().message().c_str());
  for (const Txn& txn : *txns) {
    TxnResult r = sm_.Apply(txn);
    HandleTxnResult(txn, r);
  }
}

void Server::HandleTxnResult(const Txn& txn, TxnResult& r) {
  // Watches fire before the reply of the write that caused them (reference §1.5).
  for (const auto& t : r.triggers) {
    for (watch::WatcherId w : watches_.Trigger(t.type, t.path)) {
      auto it = connections_.find(w);
      if (it == connections_.end()) continue;
      // A watcher that may not READ the node never learns of the event; a one-shot watch is
      // used up all the same (ZooKeeper 3.8.4+, ZOOKEEPER-4799).
      if (!statemachine::CheckAcl(t.acl, proto::perms::kRead, it->second->identities())) continue;
      SendNotification(*it->second, t.type, t.path);
    }
  }
  if (txn.kind == TxnKind::kDeleteContainer) cleanup_pending_.erase(txn.body);
  if (txn.origin_server == config_.server_id && txn.origin_seq != 0) {
    outbox_.Settled(txn.origin_seq);
    // Our catch-up marker came back through the log: every write the leader had committed
    // when it received it is applied here.
    roles_.CatchUpApplied(txn.origin_seq);
  }
  if (r.session_created) OnSessionCreated(txn, r);
  if (r.session_closed) OnSessionClosed(txn, r);
  if (txn.kind == TxnKind::kAttachSession) {
    OnSessionAttached(txn, r);
  } else if (txn.origin_server == config_.server_id && txn.origin_seq != 0 &&
             !r.session_created) {
    CompleteWrite(txn, r);
  }
}

void Server::OnSessionCreated(const Txn& txn, const TxnResult& r) {
  stats_.sessions_created++;
  int64_t now = clock_->NowMonotonicMs();
  session_driver_.Created(r.session_id, r.timeout_ms, now);
  session_book_.Created(r.session_id, r.timeout_ms, txn.time_ms, now);
  PADDOCK_LOG_DEBUG("session created id=0x{:x} timeout_ms={}", r.session_id, r.timeout_ms);
  // A client that went away meanwhile leaves the session to expire unused.
  if (Connection* c = TakeWaitingConnection(txn)) {
    OpenSession(*c, r.session_id, r.zxid, r.timeout_ms, r.passwd);
  }
}

// Every member: a client attached to the session (through any member), so any connection of
// ours that holds an older attachment belongs to where the client was, and is closed, as
// ZooKeeper's SessionMoved ends the old owner's part. The member that proposed it answers the
// client: its session, or expired.
void Server::OnSessionAttached(const Txn& txn, const TxnResult& r) {
  if (r.session_attached) {
    session_driver_.Attached(r.session_id, r.timeout_ms);
    auto old = session_connections_.find(r.session_id);
    if (old != session_connections_.end()) {
      auto oc = connections_.find(old->second);
      if (oc != connections_.end() && oc->second->attach_zxid() < r.zxid) {
        PADDOCK_LOG_INFO("session moved id=0x{:x} remote={}:{}", r.session_id,
                         oc->second->remote_ip(), oc->second->remote_port());
        oc->second->Close("session moved to another connection");
      }
    }
  }
  Connection* c = TakeWaitingConnection(txn);
  if (c == nullptr) return;
  if (!r.session_attached) {
    PADDOCK_LOG_INFO("reattach refused session=0x{:x} remote={}:{} reason=\"session expired\"",
                     txn.session_id, c->remote_ip(), c->remote_port());
    RefuseReattach(*c);
    return;
  }
  OpenSession(*c, r.session_id, r.zxid, r.timeout_ms, r.passwd);
}

// The connection waiting for this (own) session txn, if it is still there and open.
Connection* Server::TakeWaitingConnection(const Txn& txn) {
  if (txn.origin_server != config_.server_id) return nullptr;
  auto w = waiting_.find(txn.origin_seq);
  if (w == waiting_.end()) return nullptr;
  auto it = connections_.find(w->second);
  waiting_.erase(w);
  if (it == connections_.end() || it->second->closing()) return nullptr;
  it->second->SessionTxnApplied();
  return it->second.get();
}

void Server::OpenSession(Connection& c, int64_t session_id, int64_t attach_zxid,
                         int32_t timeout_ms, const std::string& passwd) {
  c.Attach(session_id, attach_zxid);
  session_connections_[session_id] = c.id();
  session_book_.Connected(session_id, c.remote_ip() + ":" + std::to_string(c.remote_port()),
                          timeout_ms);
  int64_t now = clock_->NowMonotonicMs();
  session_driver_.Heard(session_id, now);
  session_book_.Heard(session_id, now);
  heartbeat_urgent_ = peers_ != nullptr;  // the others learn at once that the client is here
  SendConnectResponse(c, true, session_id, timeout_ms, passwd);
  OnConnectionData(c);  // frames pipelined behind the handshake
}

void Server::OnSessionClosed(const Txn& txn, const TxnResult& r) {
  session_driver_.Closed(r.session_id);
  bool expired = txn.kind == TxnKind::kExpireSession;
  if (expired) {
    stats_.sessions_expired++;
  } else {
    stats_.sessions_closed++;
  }
  // Each deleted ephemeral fired one NodeDeleted.
  auto deleted = std::count_if(r.triggers.begin(), r.triggers.end(), [](const auto& t) {
    return t.type == proto::EventType::kNodeDeleted;
  });
  // Ended at the txn's time: a close replayed from the log at start-up keeps its real time.
  const admin::EndedSession& e = session_book_.Ended(
      r.session_id, expired ? admin::EndReason::kExpired : admin::EndReason::kClosed,
      static_cast<int64_t>(deleted), txn.time_ms);
  PADDOCK_LOG_INFO("session ended id=0x{:x} reason={} silence_ms={} timeout_ms={} client={} "
                   "ephemerals_deleted={} detail=\"{}\"", r.session_id,
                   admin::EndedSession::ReasonName(e.reason), e.silence_ms, e.timeout_ms,
                   e.client_address.empty() ? "-" : e.client_address, e.ephemerals_deleted,
                   e.Describe());
  auto it = session_connections_.find(r.session_id);
  if (it == session_connections_.end()) return;
  auto c = connections_.find(it->second);
  session_connections_.erase(it);
  if (c == connections_.end()) return;
  // The closing client's own connection closes after its reply (CompleteWrite); any other
  // connection of the session is closed now, without a reply.
  if (expired || txn.origin_seq == 0 || txn.origin_server != config_.server_id) {
    c->second->Close(expired ? "session expired" : "session closed");
  }
}

void Server::CompleteWrite(const Txn& txn, const TxnResult& r) {
  auto w = waiting_.find(txn.origin_seq);
  if (w == waiting_.end()) return;
  auto it = connections_.find(w->second);
  waiting_.erase(w);
  if (it == connections_.end() || it->second->closing()) return;
  Connection& c = *it->second;
  if (PendingRequest* p = c.FindWrite(txn.origin_seq)) {
    proto::ReplyHeader h{p->xid, r.zxid, static_cast<int32_t>(r.err)};
    FinishReply(c, *p, h, r.err == proto::Err::kOk ? r.body : std::string());
    if (txn.op == static_cast<int32_t>(proto::Op::kCloseSession) &&
        txn.kind == TxnKind::kRequest) {
      p->close_after = true;
    }
  }
  Drain(c);
}

}  // namespace paddock::server
