#include "session/expiry_queue.h"

#include <algorithm>

#include "base/assert.h"

namespace paddock::session {

void ExpiryQueue::Add(int64_t id, int32_t timeout_ms, int64_t now_ms) {
  PADDOCK_ASSERT(timeout_ms >= 0);
  Remove(id);
  Entry e;
  e.timeout_ms = timeout_ms;
  e.deadline_ms = e.indexed_ms = now_ms + timeout_ms;
  entries_[id] = e;
  index_.emplace(e.indexed_ms, id);
}

bool ExpiryQueue::Extend(int64_t id, int64_t heard_ms) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  // Only later: the index entry stays a lower bound and is re-filed lazily.
  e.deadline_ms = std::max(e.deadline_ms, heard_ms + e.timeout_ms);
  return true;
}

bool ExpiryQueue::Touch(int64_t id, int64_t now_ms) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  e.deadline_ms = now_ms + e.timeout_ms;
  // The index entry must stay a lower bound of the real deadline. A later deadline is re-filed
  // lazily by PollExpired; an earlier one (a shorter timeout set by a reattach) is re-filed now.
  if (e.deadline_ms < e.indexed_ms) {
    index_.erase({e.indexed_ms, id});
    e.indexed_ms = e.deadline_ms;
    index_.emplace(e.indexed_ms, id);
  }
  PADDOCK_DASSERT(e.indexed_ms <= e.deadline_ms);
  return true;
}

void ExpiryQueue::SetTimeout(int64_t id, int32_t timeout_ms) {
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.timeout_ms = timeout_ms;
}

void ExpiryQueue::Remove(int64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  index_.erase({it->second.indexed_ms, id});
  entries_.erase(it);
}

std::vector<int64_t> ExpiryQueue::PollExpired(int64_t now_ms, size_t count_max,
                                              std::vector<int32_t>* timeouts_ms) {
  std::vector<int64_t> expired;
  while (!index_.empty() && expired.size() < count_max) {
    auto [indexed_ms, id] = *index_.begin();
    if (indexed_ms > now_ms) break;
    index_.erase(index_.begin());
    Entry& e = entries_.at(id);
    PADDOCK_ASSERT(e.indexed_ms == indexed_ms && e.deadline_ms >= indexed_ms);
    if (e.deadline_ms <= now_ms) {
      expired.push_back(id);
      if (timeouts_ms != nullptr) timeouts_ms->push_back(e.timeout_ms);
      entries_.erase(id);
    } else {
      e.indexed_ms = e.deadline_ms;
      index_.emplace(e.indexed_ms, id);
    }
  }
  return expired;
}

std::optional<int64_t> ExpiryQueue::NextWakeMs() const {
  if (index_.empty()) return std::nullopt;
  return index_.begin()->first;
}

int64_t ExpiryQueue::DeadlineMs(int64_t id) const { return entries_.at(id).deadline_ms; }
int32_t ExpiryQueue::TimeoutMs(int64_t id) const { return entries_.at(id).timeout_ms; }

std::vector<std::pair<int64_t, int64_t>> ExpiryQueue::ByDeadline() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.emplace_back(e.deadline_ms, id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace paddock::session
