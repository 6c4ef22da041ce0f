// SessionBook: what an operator wants to know about sessions that the replicated state does not
// keep. For each live session: when it was created, when its client was last heard (by this
// server, or by another member that reported it in a heartbeat), the
// address of its client and how its last connection here ended. For ended sessions: a bounded
// history (the last kEndedMax, at most kEndedKeepMs old) with the reason each one ended.
//
// Reasons. A session ends in one of two ways, both replicated txns: closed by its client
// (closeSession) or expired (the leader heard nothing for its whole timeout). For an expiry
// decided here the book records the silence: the time from the last packet heard to the
// decision, which is the timeout plus the lateness of the expiry timer. Paddock has no third
// way: a server never ends a session on its own. A server does drop connections (a frame too
// large, a failed proposal, a session moved elsewhere), and that is recorded as the way the
// session's last connection ended ("dropped by the server: ..."), so an expiry that follows a
// drop says so.
//
// Local to this server and not replicated: after a restart, sessions restored from the log have
// an unknown creation time and count as heard at the restart. Pure: every time is passed in
// (monotonic ms for liveness, wall ms for the history). Not thread-safe: loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace paddock::server::admin {

enum class EndReason { kClosed, kExpired };

// How a connection ended, as far as its session is concerned.
enum class DisconnectBy : uint8_t { kClient, kNetwork, kServer };

struct EndedSession {
  int64_t session_id = 0;
  EndReason reason = EndReason::kClosed;
  int64_t ended_wall_ms = 0;
  int64_t created_wall_ms = -1;  // -1: unknown (created before this server started)
  int32_t timeout_ms = 0;
  int64_t silence_ms = -1;  // expired here: ms from the last packet heard to the decision
  int64_t ephemerals_deleted = 0;
  std::string client_address;   // last known, "" if no client ever connected here
  std::string last_disconnect;  // how its last connection here ended, "" if none did

  // One phrase for logs and the sessions page, e.g. "closed by the client" or
  // "expired after 4003 ms of silence; last connection dropped by the server: auth failed".
  std::string Describe() const;
  static const char* ReasonName(EndReason r) {
    return r == EndReason::kClosed ? "closed" : "expired";
  }
};

class SessionBook {
 public:
  static constexpr size_t kEndedMax = 1000;
  static constexpr int64_t kEndedKeepMs = 10 * 60 * 1000;

  // Kept small (one per live session): the disconnect is described only when asked.
  struct Live {
    int64_t created_wall_ms = -1;
    int64_t last_heard_ms = 0;  // monotonic
    int64_t silence_ms = -1;    // set when this server decides the expiry
    int32_t timeout_ms = 0;     // negotiated; a reattach may change it
    bool connected = false;
    bool disconnected = false;  // a connection of the session here ended: how, below
    DisconnectBy disconnect_by = DisconnectBy::kClient;
    const char* disconnect_reason = "";  // static storage (Connection::close_reason)
    std::string client_address;
    // How its last connection here ended, "" if none did.
    std::string LastDisconnect() const;
  };

  // A session created by an applied createSession txn (wall_ms: the txn's time).
  void Created(int64_t id, int32_t timeout_ms, int64_t wall_ms, int64_t now_ms);
  // A session restored from the log or a snapshot and re-armed with a full timeout.
  void Rearmed(int64_t id, int32_t timeout_ms, int64_t now_ms);
  // Any packet from the session's client, here (now) or reported by another member (when that
  // member heard it). Keeps the latest.
  void Heard(int64_t id, int64_t heard_ms);
  // A connection took the session, with this negotiated timeout.
  void Connected(int64_t id, const std::string& address, int32_t timeout_ms);
  // The session's connection here ended; `reason` is the connection's own close reason, a
  // string of static storage (a literal or uv_strerror's).
  void Disconnected(int64_t id, DisconnectBy by, const char* reason);
  // This server decided to expire the session: remembers the silence so far.
  void ExpiryDecided(int64_t id, int64_t now_ms);
  // The session's close or expiry was applied (wall_ms: the txn's time): moves it to the
  // history and returns the record.
  const EndedSession& Ended(int64_t id, EndReason reason, int64_t ephemerals_deleted,
                            int64_t wall_ms);

  const Live* Find(int64_t id) const;
  size_t live_size() const { return live_.size(); }
  // Ended sessions, oldest first; those older than kEndedKeepMs at `wall_ms` are dropped first.
  const std::deque<EndedSession>& Recent(int64_t wall_ms);

 private:
  void Prune(int64_t wall_ms);

  std::unordered_map<int64_t, Live> live_;
  std::deque<EndedSession> ended_;
};

// "closed by the client", "connection lost: <reason>" or "dropped by the server: <reason>".
std::string DescribeDisconnect(DisconnectBy by, const std::string& reason);

}  // namespace paddock::server::admin
