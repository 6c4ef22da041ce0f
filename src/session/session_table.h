// The replicated table of live sessions: id -> negotiated timeout, plus id allocation.
//
// Part of the state machine's state, so every replica agrees on which sessions exist. Ids carry
// the creating server in their top byte, as in ZooKeeper (reference §2.5): the first id a server
// allocates is (server << 56) | ((time_ms & (2^40 - 1)) << 16), where time_ms comes from the
// txn (never from a clock), and then it counts up. Pure; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace paddock::session {

class SessionTable {
 public:
  struct Session {
    int32_t timeout_ms = 0;
  };

  // Allocates the next id for `server_id` and records the session. Returns the id.
  int64_t Create(int32_t server_id, int64_t time_ms, int32_t timeout_ms);
  // Records a session with a given id (snapshot restore).
  void Restore(int64_t id, int32_t timeout_ms) { sessions_[id] = Session{timeout_ms}; }
  void RestoreNextId(int32_t server_id, int64_t next) { next_id_[server_id] = next; }
  bool Remove(int64_t id) { return sessions_.erase(id) == 1; }
  const Session* Find(int64_t id) const;
  bool Contains(int64_t id) const { return Find(id) != nullptr; }
  size_t size() const { return sessions_.size(); }
  const std::map<int64_t, Session>& sessions() const { return sessions_; }
  const std::map<int32_t, int64_t>& next_ids() const { return next_id_; }
  void Clear() {
    sessions_.clear();
    next_id_.clear();
  }

 private:
  std::map<int64_t, Session> sessions_;
  std::map<int32_t, int64_t> next_id_;
};

}  // namespace paddock::session
