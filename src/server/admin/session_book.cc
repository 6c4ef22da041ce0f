#include "server/admin/session_book.h"

#include <algorithm>

#include "base/assert.h"

namespace paddock::server::admin {

std::string EndedSession::Describe() const {
  std::string out;
  if (reason == EndReason::kClosed) {
    out = "closed by the client";
  } else if (silence_ms >= 0) {
    out = "expired after " + std::to_string(silence_ms) + " ms of silence";
  } else {
    out = "expired";
  }
  if (reason == EndReason::kExpired) {
    if (client_address.empty()) {
      out += "; no client ever connected to it here";
    } else if (!last_disconnect.empty()) {
      out += "; last connection " + last_disconnect;
    }
  }
  return out;
}

std::string DescribeDisconnect(DisconnectBy by, const std::string& reason) {
  switch (by) {
    case DisconnectBy::kClient:
      return "closed by the client";
    case DisconnectBy::kNetwork:
      return "lost: " + reason;
    case DisconnectBy::kServer:
      return "dropped by the server: " + reason;
  }
  return reason;
}

void SessionBook::Created(int64_t id, int32_t timeout_ms, int64_t wall_ms, int64_t now_ms) {
  Live& s = live_[id];
  s.created_wall_ms = wall_ms;
  s.timeout_ms = timeout_ms;
  s.last_heard_ms = now_ms;
}

void SessionBook::Rearmed(int64_t id, int32_t timeout_ms, int64_t now_ms) {
  Live& s = live_[id];
  s.timeout_ms = timeout_ms;
  s.last_heard_ms = now_ms;
  s.silence_ms = -1;
}

void SessionBook::Heard(int64_t id, int64_t heard_ms) {
  auto it = live_.find(id);
  if (it != live_.end()) it->second.last_heard_ms = std::max(it->second.last_heard_ms, heard_ms);
}

void SessionBook::Connected(int64_t id, const std::string& address, int32_t timeout_ms) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  it->second.connected = true;
  it->second.timeout_ms = timeout_ms;
  it->second.client_address = address;
}

std::string SessionBook::Live::LastDisconnect() const {
  return disconnected ? DescribeDisconnect(disconnect_by, disconnect_reason) : std::string();
}

void SessionBook::Disconnected(int64_t id, DisconnectBy by, const char* reason) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  it->second.connected = false;
  it->second.disconnected = true;
  it->second.disconnect_by = by;
  it->second.disconnect_reason = reason;
}

void SessionBook::ExpiryDecided(int64_t id, int64_t now_ms) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  it->second.silence_ms = now_ms - it->second.last_heard_ms;
  PADDOCK_ASSERT(it->second.silence_ms >= 0);
}

const EndedSession& SessionBook::Ended(int64_t id, EndReason reason, int64_t ephemerals_deleted,
                                       int64_t wall_ms) {
  EndedSession e;
  e.session_id = id;
  e.reason = reason;
  e.ended_wall_ms = wall_ms;
  e.ephemerals_deleted = ephemerals_deleted;
  auto it = live_.find(id);
  if (it != live_.end()) {
    e.created_wall_ms = it->second.created_wall_ms;
    e.timeout_ms = it->second.timeout_ms;
    e.client_address = it->second.client_address;
    e.last_disconnect = it->second.LastDisconnect();
    if (reason == EndReason::kExpired) e.silence_ms = it->second.silence_ms;
    live_.erase(it);
  }
  ended_.push_back(std::move(e));
  Prune(wall_ms);
  PADDOCK_ASSERT(!ended_.empty() && ended_.size() <= kEndedMax);
  return ended_.back();
}

const SessionBook::Live* SessionBook::Find(int64_t id) const {
  auto it = live_.find(id);
  return it == live_.end() ? nullptr : &it->second;
}

const std::deque<EndedSession>& SessionBook::Recent(int64_t wall_ms) {
  Prune(wall_ms);
  return ended_;
}

void SessionBook::Prune(int64_t wall_ms) {
  while (ended_.size() > kEndedMax) ended_.pop_front();
  while (!ended_.empty() && ended_.front().ended_wall_ms < wall_ms - kEndedKeepMs) {
    ended_.pop_front();
  }
}

}  // namespace paddock::server::admin
