// Member addresses as zoo.cfg writes them, and the lookup of their host names.
//
// A server.N line names a member by an IPv4 literal, an IPv6 literal (in brackets: "[::1]") or
// a host name. ZooKeeper resolves a name again whenever it reconnects to a member, so that a
// member whose address changed (a rescheduled container, a replaced machine) is found again;
// Paddock's Raft and peer links do the same: every connect attempt starts with a fresh lookup.
// Literals need none and are used at once.
//
// getaddrinfo can block for seconds when DNS is slow, so a lookup runs on libuv's thread pool
// and its answer comes back on the loop.
//
// Threading: the loop thread that started the lookup.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <functional>
#include <string>
#include <string_view>

namespace paddock::net {

// Splits "host:port" at its last colon; an IPv6 literal host is in brackets, which are removed.
// False if there is no port in 1..65535 or no host.
bool SplitHostPort(std::string_view address, std::string* host, int* port);
// The inverse: "host:port", with brackets around a host that contains a colon.
std::string JoinHostPort(std::string_view host, int port);
// `host` is an IPv4 or IPv6 literal: its address with `port`, without a lookup.
bool LiteralAddress(const std::string& host, int port, sockaddr_storage* out);

// `host` (a literal or a name) resolved now, blocking: for start-up only, where a member binds
// its own listening address. The first address of the answer. Empty, or why not.
std::string ResolveNow(const std::string& host, int port, sockaddr_storage* out);

// One lookup of a host name for a TCP connect, on libuv's thread pool. The answer is its first
// address (the system's order: /etc/gai.conf, /etc/hosts before DNS as nsswitch says).
class HostLookup {
 public:
  // status: 0, or a libuv error (UV_EAI_NONAME: the name does not resolve). `addr` is the
  // address with the port when status is 0.
  using Done = std::function<void(int status, const sockaddr_storage& addr)>;

  // Starts a lookup of `host` (a name or a literal); `done` runs later on `loop`, unless Cancel
  // comes first. Never calls `done` before returning. Returns nullptr, with `done` not called,
  // only if libuv refuses to queue the lookup.
  static HostLookup* Start(uv_loop_t* loop, const std::string& host, int port, Done done);

  // `done` will not run. The lookup frees itself once libuv is done with it, on a later turn of
  // the loop (the loop must be run again before it is closed). REQUIRES: `done` has not run.
  void Cancel();

 private:
  HostLookup() = default;
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);

  uv_getaddrinfo_t req_{};
  int port_ = 0;
  Done done_;
};

}  // namespace paddock::net
