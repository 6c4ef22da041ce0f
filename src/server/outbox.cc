#include "server/outbox.h"

#include <algorithm>
#include <span>

#include "base/assert.h"

namespace paddock::server {

using statemachine::Txn;
using statemachine::TxnKind;

Outbox::Origin Outbox::OriginOf(const Txn& t) {
  Origin o{t.origin_server, t.origin_seq, t.session_id, t.kind, {}};
  if (t.kind == TxnKind::kDeleteContainer) o.cleanup_path = t.body;
  return o;
}

Outbox::Entry Outbox::MakeEntry(size_t begin, size_t end) {
  std::span<const Txn> txns(queue_.data() + begin, end - begin);
  InFlight f;
  f.origins.reserve(txns.size());
  for (const Txn& t : txns) {
    f.origins.push_back(OriginOf(t));
    f.forwarded |= t.origin_server != self_ && t.origin_seq != 0;
  }
  Entry e{next_ticket_++, statemachine::EncodeBatch(txns)};
  in_flight_.emplace(e.ticket, std::move(f));
  return e;
}

std::vector<Outbox::Entry> Outbox::TakeEntries() {
  std::vector<Entry> out;
  if (queue_.empty() || entries_in_flight() >= limits_.entries_in_flight_max) return out;
  for (size_t begin = 0; begin < queue_.size(); begin += limits_.txns_per_entry_max) {
    out.push_back(MakeEntry(begin, std::min(queue_.size(), begin + limits_.txns_per_entry_max)));
  }
  queue_.clear();
  commit_nudge_ = false;  // these entries carry the commit index to the followers
  return out;
}

void Outbox::Fail(const Origin& o, Failures* out) const {
  if (o.server == self_ && o.kind == TxnKind::kExpireSession) out->expiries.push_back(o.session_id);
  if (o.server == self_ && o.kind == TxnKind::kDeleteContainer) {
    out->cleanups.push_back(o.cleanup_path);
  }
  if (o.seq == 0) return;  // nobody waits for it
  if (o.server == self_) {
    out->own_seqs.push_back(o.seq);
  } else {
    out->remote_seqs[o.server].push_back(o.seq);
  }
}

Failures Outbox::EntryDone(int64_t ticket, bool committed) {
  auto it = in_flight_.find(ticket);
  PADDOCK_ASSERT_MSG(it != in_flight_.end(), "an entry completed twice or was never proposed");
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  Failures out;
  if (!committed) {
    for (const Origin& o : f.origins) Fail(o, &out);
  } else if (f.forwarded) {
    commit_nudge_ = true;
  }
  return out;
}

bool Outbox::TakeCommitNudge() {
  bool nudge = commit_nudge_ && queue_.empty();
  if (nudge) commit_nudge_ = false;
  return nudge;
}

std::vector<std::string> Outbox::TakeForward(int32_t leader) {
  PADDOCK_ASSERT(leader != self_ && leader != 0);
  std::vector<std::string> frames;
  size_t begin = 0;
  while (begin < queue_.size()) {
    size_t end = begin;
    size_t bytes = 0;
    while (end < queue_.size() && (end == begin || bytes < limits_.forward_bytes_max)) {
      bytes += queue_[end].body.size() + 64;
      if (queue_[end].origin_seq != 0) forwarded_[queue_[end].origin_seq] = leader;
      end++;
    }
    frames.push_back(statemachine::EncodeBatch(
        std::span<const Txn>(queue_.data() + begin, end - begin)));
    begin = end;
  }
  queue_.clear();
  return frames;
}

Failures Outbox::LeaderGone(int32_t leader) {
  Failures out;
  for (auto it = forwarded_.begin(); it != forwarded_.end();) {
    if (it->second == leader) {
      out.own_seqs.push_back(it->first);
      it = forwarded_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(out.own_seqs.begin(), out.own_seqs.end());
  return out;
}

Failures Outbox::LeadershipLost() {
  Failures out;
  std::vector<Txn> kept;
  for (Txn& t : queue_) {
    if (t.origin_server == self_ && t.origin_seq != 0) {
      kept.push_back(std::move(t));
    } else {
      Fail(OriginOf(t), &out);
    }
  }
  queue_ = std::move(kept);
  return out;
}

}  // namespace paddock::server
