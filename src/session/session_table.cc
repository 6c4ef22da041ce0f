#include "session/session_table.h"

#include "base/assert.h"

namespace paddock::session {

int64_t SessionTable::Create(int32_t server_id, int64_t time_ms, int32_t timeout_ms,
                             int64_t zxid) {
  PADDOCK_ASSERT(server_id >= 0 && server_id <= 255);
  auto it = next_id_.find(server_id);
  if (it == next_id_.end()) {
    uint64_t first = (static_cast<uint64_t>(server_id) << 56) |
                     ((static_cast<uint64_t>(time_ms) & ((1ULL << 40) - 1)) << 16);
    if (first == 0x8000000000000000ULL) first++;  // never the container marker
    if (first == 0) first = 1;                    // never the "no session" id
    it = next_id_.emplace(server_id, static_cast<int64_t>(first)).first;
  }
  int64_t id = it->second++;
  while (sessions_.count(id) != 0 || id == 0) id = it->second++;
  sessions_[id] = Session{timeout_ms, zxid, 0};
  return id;
}

bool SessionTable::Attach(int64_t id, int64_t zxid, int32_t timeout_ms) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  PADDOCK_ASSERT(zxid > it->second.attach_zxid);
  it->second = Session{timeout_ms, zxid, 0};
  return true;
}

const SessionTable::Session* SessionTable::Find(int64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

}  // namespace paddock::session
