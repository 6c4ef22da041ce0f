#include "server/session_driver.h"

#include <algorithm>
#include <climits>

#include "base/assert.h"

namespace paddock::server {

void SessionDriver::Created(int64_t id, int32_t timeout_ms, int64_t now_ms) {
  closing_.erase(id);
  liveness_.Add(id, timeout_ms, now_ms);
}

void SessionDriver::Closed(int64_t id) {
  liveness_.Remove(id);
  closing_.erase(id);
  evidence_ms_.erase(id);
  heard_here_.erase(id);
}

void SessionDriver::Follow(const session::SessionTable& table, int64_t now_ms) {
  std::vector<int64_t> gone;
  for (const auto& [deadline, id] : liveness_.ByDeadline()) {
    if (!table.Contains(id)) gone.push_back(id);
  }
  for (const auto& [id, c] : closing_) {
    if (!table.Contains(id)) gone.push_back(id);
  }
  for (int64_t id : gone) Closed(id);
  for (const auto& [id, s] : table.sessions()) {
    if (!Tracked(id)) liveness_.Add(id, s.timeout_ms, now_ms);
  }
}

void SessionDriver::NoteEvidence(int64_t id, int64_t heard_ms, bool here) {
  auto c = closing_.find(id);
  if (c != closing_.end()) {
    c->second.deadline_ms = std::max(c->second.deadline_ms, heard_ms + c->second.timeout_ms);
  }
  // Evidence is kept to be passed on; standalone there is nobody to tell, and an idle session
  // then costs no entry here.
  if (!options_.ensemble) return;
  HeardAt& at = evidence_ms_[id];
  at.anywhere = std::max(at.anywhere, heard_ms);
  if (here) at.here = std::max(at.here, heard_ms);
}

void SessionDriver::Heard(int64_t id, int64_t now_ms) {
  if (!Tracked(id)) return;
  liveness_.Touch(id, now_ms);
  NoteEvidence(id, now_ms, true);
  // Standalone, there is nobody to tell (and TakeTouches is never called).
  if (options_.ensemble) heard_here_[id] = now_ms;
}

void SessionDriver::Attached(int64_t id, int32_t timeout_ms) {
  if (liveness_.Contains(id)) {
    liveness_.SetTimeout(id, timeout_ms);
  } else if (auto c = closing_.find(id); c != closing_.end()) {
    c->second.timeout_ms = timeout_ms;
  }
}

void SessionDriver::OnTouches(std::span<const Heartbeat::Touch> touches, int64_t now_ms) {
  for (const Heartbeat::Touch& t : touches) {
    if (!Tracked(t.session_id)) continue;
    int64_t heard = now_ms - t.age_ms;
    if (liveness_.Contains(t.session_id)) {
      if (liveness_.TimeoutMs(t.session_id) != t.timeout_ms) {
        liveness_.SetTimeout(t.session_id, t.timeout_ms);
      }
      liveness_.Extend(t.session_id, heard);
    } else {
      closing_.at(t.session_id).timeout_ms = t.timeout_ms;
    }
    NoteEvidence(t.session_id, heard, false);
  }
}

int32_t SessionDriver::TimeoutOf(int64_t id) const {
  if (liveness_.Contains(id)) return liveness_.TimeoutMs(id);
  return closing_.at(id).timeout_ms;
}

std::vector<Heartbeat::Touch> SessionDriver::TakeTouches(int64_t now_ms) {
  std::vector<Heartbeat::Touch> out;
  out.reserve(heard_here_.size());
  for (const auto& [id, at] : heard_here_) {
    if (!Tracked(id)) continue;
    auto age = static_cast<int32_t>(std::clamp<int64_t>(now_ms - at, 0, INT32_MAX));
    out.push_back({id, TimeoutOf(id), age});
  }
  heard_here_.clear();
  return out;
}

std::vector<Heartbeat::Touch> SessionDriver::Evidence(int64_t now_ms) const {
  std::vector<Heartbeat::Touch> out;
  out.reserve(evidence_ms_.size());
  for (const auto& [id, at] : evidence_ms_) {
    PADDOCK_DASSERT(Tracked(id));
    if (at.here < 0) continue;
    auto age = static_cast<int32_t>(std::clamp<int64_t>(now_ms - at.here, 0, INT32_MAX));
    out.push_back({id, TimeoutOf(id), age});
  }
  return out;
}

std::optional<int64_t> SessionDriver::HeardMs(int64_t id) const {
  auto it = evidence_ms_.find(id);
  if (it == evidence_ms_.end()) return std::nullopt;
  return it->second.anywhere;
}

void SessionDriver::BecameLeader(const session::SessionTable& table, int64_t now_ms) {
  PADDOCK_ASSERT(closing_.empty());
  for (const auto& [id, s] : table.sessions()) {
    if (!liveness_.Contains(id)) liveness_.Add(id, s.timeout_ms, now_ms);
  }
  hold_until_ms_ = 0;
  if (!options_.ensemble) return;
  for (const auto& [id, s] : table.sessions()) {
    liveness_.Extend(id, now_ms + std::min<int64_t>(options_.grace_ms, s.timeout_ms) -
                             s.timeout_ms);
  }
  hold_until_ms_ = now_ms + options_.hold_ms;
}

void SessionDriver::LostLeadership() {
  std::map<int64_t, ClosingSession> closing;
  closing.swap(closing_);
  for (const auto& [id, c] : closing) Retrack(id, c);
}

void SessionDriver::Retrack(int64_t id, const ClosingSession& c) {
  liveness_.Add(id, c.timeout_ms, c.deadline_ms - c.timeout_ms);
}

std::vector<int64_t> SessionDriver::PollExpired(int64_t now_ms) {
  if (now_ms < hold_until_ms_) return {};
  std::vector<int32_t> timeouts;
  std::vector<int64_t> due =
      liveness_.PollExpired(now_ms, options_.expiries_per_poll_max, &timeouts);
  PADDOCK_ASSERT(timeouts.size() == due.size());
  // Each keeps its timeout, in case the expiry does not happen and it is tracked again.
  for (size_t i = 0; i < due.size(); i++) closing_[due[i]] = ClosingSession{timeouts[i], now_ms};
  return due;
}

void SessionDriver::ExpiryFailed(int64_t id) {
  auto it = closing_.find(id);
  if (it == closing_.end()) return;
  ClosingSession c = it->second;
  closing_.erase(it);
  Retrack(id, c);
}

std::optional<int64_t> SessionDriver::NextWakeMs() const {
  std::optional<int64_t> wake = liveness_.NextWakeMs();
  if (!wake) return wake;
  return std::max(*wake, hold_until_ms_);
}

}  // namespace paddock::server
