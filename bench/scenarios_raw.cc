// The scenarios with many sessions, on RawMux (see raw_mux.h for why not libpaddock):
// sessions (open and close), hold (many idle sessions) and expiry (silent sessions).
#include <deque>
#include <map>
#include <mutex>

#include "paddock/client.h"
#include "raw_mux.h"
#include "scenarios.h"

namespace paddock::bench {
namespace {

constexpr int32_t kFlagEphemeral = 1;

using SessionPool = std::vector<std::unique_ptr<RawSession>>;

SessionPool MakePool(int64_t n) {
  SessionPool pool;
  pool.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) {
    pool.push_back(std::make_unique<RawSession>());
    pool.back()->index = static_cast<size_t>(i);
  }
  return pool;
}

int64_t SourceAddrs(const Options& o, int64_t n) {
  return o.source_addrs > 0 ? o.source_addrs : AutoSourceAddrs(n);
}

std::string Num(int64_t v) { return std::to_string(v); }

}  // namespace

// Open and close N sessions, C at a time: handshake, closeSession, close the socket.
bool RunSessions(const Options& o, Report& rep) {
  const int64_t n = o.sessions;
  const int64_t c = std::min(o.concurrency, n);
  SessionPool pool = MakePool(c);
  RawMux* mux = nullptr;
  int64_t started = 0, connected = 0, closed_ok = 0, failed = 0, active = 0;
  Latencies connect_lat, close_lat;
  const int64_t deadline = NowNs() + static_cast<int64_t>(o.timeout_s * 1e9);
  auto next = [&](RawSession& s) {
    if (started < n && NowNs() < deadline) {
      started++;
      mux->Open(&s, o.session_timeout_ms);
    } else {
      active--;
    }
  };
  RawMux::Hooks hooks;
  hooks.on_connected = [&](RawSession& s, bool ok) {
    if (!ok) {
      failed++;
      return;
    }
    connected++;
    connect_lat.Add(NowNs() - s.started_ns);
    mux->SendCloseSession(&s);
  };
  hooks.on_reply = [&](RawSession& s, int32_t, int32_t err) {
    if (s.state != RawSession::State::kClosing) return;
    close_lat.Add(NowNs() - s.sent_at_ns);
    if (err == 0) closed_ok++;
    mux->CloseSocket(&s);
  };
  hooks.on_closed = [&](RawSession& s) { next(s); };
  RawMux m(ParseEndpoints(o.connect), SourceAddrs(o, n), hooks);
  mux = &m;
  Progress progress("sessions", o.progress);
  const int64_t t0 = NowNs();
  for (auto& s : pool) {
    active++;
    next(*s);
  }
  while (active > 0 && NowNs() < deadline + 10'000'000'000) {
    m.RunOnce();
    progress.Tick("connected " + Num(connected) + "/" + Num(n) + ", failed " + Num(failed));
  }
  progress.Done();
  double secs = SecondsSince(t0);
  rep.Put("sessions", n);
  rep.Put("concurrency", c);
  rep.Put("connected", connected);
  rep.Put("closed_ok", closed_ok);
  rep.Put("failed", failed);
  rep.Put("seconds", secs, "s");
  rep.Put("sessions_per_s", static_cast<double>(connected) / secs, "sessions/s");
  rep.PutLatency("connect_latency", connect_lat);
  rep.PutLatency("close_latency", close_lat);
  if (active > 0) rep.Note("stopped at the deadline with sessions still open");
  return connected == n && failed == 0;
}

namespace {

// Hold: open, ping until the end of the hold, then closeSession every session.
struct HoldState {
  RawMux* mux = nullptr;
  int64_t opened = 0, connected = 0, failed = 0, lost = 0, closing = 0, closed = 0;
  int64_t lost_during_hold = 0, server_closed = 0;
  int64_t hold_start_ns = 0, hold_end_ns = 0;
  double open_s = 0;
  bool holding = false;
  std::deque<std::pair<int64_t, RawSession*>> pings;  // due time, FIFO (same interval)
  Latencies connect_lat;
};

void PingDue(HoldState& st) {
  int64_t now = NowNs();
  while (!st.pings.empty() && st.pings.front().first <= now) {
    RawSession* s = st.pings.front().second;
    st.pings.pop_front();
    if (s->state != RawSession::State::kOpen) continue;
    st.mux->SendPing(s);
    st.pings.emplace_back(now + static_cast<int64_t>(s->timeout_ms) * 1'000'000 / 3, s);
  }
}

}  // namespace

namespace {

void HoldOpen(const Options& o, HoldState& st, SessionPool& pool, int64_t deadline,
              Progress& progress) {
  const int64_t n = static_cast<int64_t>(pool.size());
  // Gives up on connects that make no progress for 10 s (a server out of descriptors leaves
  // them hanging in its accept backlog); they count as failed.
  int64_t last_done = -1, last_change_ns = NowNs();
  while (st.connected + st.failed < n && NowNs() < deadline) {
    while (st.opened < n && st.opened - st.connected - st.failed < o.concurrency) {
      st.mux->Open(pool[static_cast<size_t>(st.opened++)].get(), o.session_timeout_ms);
    }
    if (st.connected + st.failed != last_done) {
      last_done = st.connected + st.failed;
      last_change_ns = NowNs();
    } else if (NowNs() - last_change_ns > 10'000'000'000) {
      st.failed += n - last_done;
      break;
    }
    st.mux->RunOnce();
    PingDue(st);
    progress.Tick("open " + Num(st.connected) + "/" + Num(n) + ", failed " + Num(st.failed));
  }
}

// Closes every session, C closeSession requests in flight; bounded by `until`.
void HoldClose(const Options& o, HoldState& st, SessionPool& pool, int64_t until,
               Progress& progress) {
  size_t next_close = 0;
  while (st.closed < st.opened && NowNs() < until) {
    while (next_close < pool.size() && st.closing - st.closed < o.concurrency) {
      RawSession* s = pool[next_close++].get();
      if (s->state == RawSession::State::kOpen) {
        st.mux->SendCloseSession(s);
        st.closing++;
      }
    }
    st.mux->RunOnce();
    PingDue(st);
    progress.Tick("closing: " + Num(st.closed) + "/" + Num(st.opened));
  }
}

void HoldReport(const Options& o, HoldState& st, const ProcFigures (&fig)[3], Report& rep) {
  const double hold_s = static_cast<double>(st.hold_end_ns - st.hold_start_ns) / 1e9;
  rep.Put("sessions", o.sessions);
  rep.Put("connected", st.connected);
  rep.Put("failed", st.failed);
  rep.Put("open_seconds", st.open_s, "s");
  rep.Put("open_rate", static_cast<double>(st.connected) / st.open_s, "sessions/s");
  rep.PutLatency("connect_latency", st.connect_lat);
  rep.Put("hold_seconds", hold_s, "s");
  rep.Put("pings_sent", st.mux->pings_sent());
  rep.Put("sessions_lost", st.lost_during_hold);
  rep.Put("expiries_seen", st.server_closed);
  if (!(fig[0].ok && fig[2].ok)) {
    rep.Note("no --server-pid (or /proc unreadable): server RSS and CPU not measured");
    return;
  }
  rep.Put("server_rss_before_bytes", fig[0].rss_bytes);
  rep.Put("server_rss_open_bytes", fig[1].rss_bytes);
  rep.Put("server_rss_held_bytes", fig[2].rss_bytes);
  double per = st.connected > 0 ? static_cast<double>(fig[2].rss_bytes - fig[0].rss_bytes) /
                                      static_cast<double>(st.connected)
                                : 0;
  rep.Put("server_rss_per_session_bytes", per, "B");
  rep.Put("server_cpu_open_seconds", fig[1].cpu_s - fig[0].cpu_s, "s");
  rep.Put("server_cpu_hold_percent", 100.0 * (fig[2].cpu_s - fig[1].cpu_s) / hold_s, "%");
}

}  // namespace

// Keep N idle sessions alive (pings at a third of the timeout) for the duration; the server's
// RSS and CPU come from /proc/<server-pid>. A lost or expired session is a failure.
bool RunHold(const Options& o, Report& rep) {
  const int64_t n = o.sessions;
  SessionPool pool = MakePool(n);
  HoldState st;
  const int64_t deadline = NowNs() + static_cast<int64_t>(o.timeout_s * 1e9);
  RawMux::Hooks hooks;
  hooks.on_connected = [&](RawSession& s, bool ok) {
    if (!ok) {
      st.failed++;
      return;
    }
    st.connected++;
    st.connect_lat.Add(NowNs() - s.started_ns);
    st.pings.emplace_back(NowNs() + static_cast<int64_t>(s.timeout_ms) * 1'000'000 / 3, &s);
  };
  hooks.on_reply = [&](RawSession& s, int32_t, int32_t) {
    if (s.state == RawSession::State::kClosing) st.mux->CloseSocket(&s);
  };
  hooks.on_closed = [&](RawSession& s) {
    if (st.holding && s.session_id != 0) st.lost++;
    st.closed++;
  };
  RawMux m(ParseEndpoints(o.connect), SourceAddrs(o, n), hooks);
  st.mux = &m;
  ProcFigures fig[3];
  fig[0] = ReadProc(o.server_pid);
  Progress progress("hold", o.progress);
  const int64_t t0 = NowNs();
  HoldOpen(o, st, pool, deadline, progress);
  st.open_s = SecondsSince(t0);
  fig[1] = ReadProc(o.server_pid);
  st.holding = true;
  st.hold_start_ns = NowNs();
  st.hold_end_ns = std::min(deadline, NowNs() + static_cast<int64_t>(o.duration_s * 1e9));
  while (NowNs() < st.hold_end_ns) {
    m.RunOnce();
    PingDue(st);
    progress.Tick("holding " + Num(st.connected - st.lost) + " sessions, lost " + Num(st.lost));
  }
  fig[2] = ReadProc(o.server_pid);
  st.holding = false;
  st.lost_during_hold = st.lost;
  for (auto& s : pool) st.server_closed += s->server_closed ? 1 : 0;
  HoldClose(o, st, pool, std::max(deadline, NowNs()) + 60'000'000'000, progress);
  progress.Done();
  HoldReport(o, st, fig, rep);
  return st.connected == n && st.lost_during_hold == 0 && st.server_closed == 0;
}

}  // namespace paddock::bench
