// The replicated table of live sessions: id -> negotiated timeout and the session's current
// attachment, plus id allocation.
//
// A session's attachment is the zxid of the txn that created it or last (re)attached a client
// connection to it (ZooKeeper's session owner, made exact): a write txn carries the attachment its
// connection holds and its place among that connection's writes, and the state machine applies it
// only if that attachment is current and every earlier write of the connection was applied
// (issue #14, defect 1).
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
    int64_t attach_zxid = 0;  // 0: not known (a session from a snapshot of an older format)
    int64_t writes = 0;       // writes of the current attachment applied so far
  };

  // Allocates the next id for `server_id` and records the session, attached at `zxid`. Returns
  // the id.
  int64_t Create(int32_t server_id, int64_t time_ms, int32_t timeout_ms, int64_t zxid = 0);
  // A client attached to the session at `zxid` with this negotiated timeout; false if the
  // session does not exist.
  bool Attach(int64_t id, int64_t zxid, int32_t timeout_ms);
  // Counts one applied write of the current attachment. REQUIRES: Contains(id).
  void CountWrite(int64_t id) { sessions_.at(id).writes++; }
  // Records a session with a given id (snapshot restore).
  void Restore(int64_t id, Session s) { sessions_[id] = s; }
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
