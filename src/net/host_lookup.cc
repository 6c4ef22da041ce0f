#include "net/host_lookup.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace paddock::net {

bool SplitHostPort(std::string_view address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = address.substr(0, colon);
  std::string_view p = address.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  } else if (h.find_first_of("[]:") != std::string_view::npos) {
    return false;  // an IPv6 literal must be bracketed, or its colons are ambiguous
  }
  int value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (h.empty() || p.empty() || ec != std::errc() || end != p.data() + p.size() || value < 1 ||
      value > 65535) {
    return false;
  }
  host->assign(h);
  *port = value;
  return true;
}

std::string JoinHostPort(std::string_view host, int port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out + ":" + std::to_string(port);
}

bool LiteralAddress(const std::string& host, int port, sockaddr_storage* out) {
  *out = sockaddr_storage{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(out)) == 0) return true;
  *out = sockaddr_storage{};
  return uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(out)) == 0;
}

namespace {

// The port into an address from getaddrinfo (asked without a service). False: not IPv4 or 6.
bool SetPort(sockaddr_storage* addr, int port) {
  if (addr->ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(addr)->sin_port = htons(static_cast<uint16_t>(port));
    return true;
  }
  if (addr->ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(addr)->sin6_port = htons(static_cast<uint16_t>(port));
    return true;
  }
  return false;
}

addrinfo StreamHints() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  return hints;
}

}  // namespace

std::string ResolveNow(const std::string& host, int port, sockaddr_storage* out) {
  if (LiteralAddress(host, port, out)) return "";
  addrinfo hints = StreamHints();
  addrinfo* res = nullptr;
  if (int rv = getaddrinfo(host.c_str(), nullptr, &hints, &res); rv != 0) {
    return "cannot resolve host '" + host + "': " + gai_strerror(rv);
  }
  *out = sockaddr_storage{};
  bool ok = res->ai_addrlen <= sizeof(*out);
  if (ok) std::memcpy(out, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (!ok || !SetPort(out, port)) return "host '" + host + "' resolves to no IP address";
  return "";
}

HostLookup* HostLookup::Start(uv_loop_t* loop, const std::string& host, int port, Done done) {
  auto* lookup = new HostLookup;
  lookup->req_.data = lookup;
  lookup->port_ = port;
  lookup->done_ = std::move(done);
  addrinfo hints = StreamHints();
  int rv = uv_getaddrinfo(loop, &lookup->req_, OnResolved, host.c_str(), nullptr, &hints);
  if (rv != 0) {
    delete lookup;
    return nullptr;
  }
  return lookup;
}

void HostLookup::Cancel() {
  done_ = nullptr;
  uv_cancel(reinterpret_cast<uv_req_t*>(&req_));  // fails once the lookup runs: it then ends
}

void HostLookup::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* self = static_cast<HostLookup*>(req->data);
  Done done = std::move(self->done_);
  sockaddr_storage addr{};
  if (status == 0 && (res == nullptr || res->ai_addrlen > sizeof(addr))) status = UV_EAI_NODATA;
  if (status == 0) {
    std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
    if (!SetPort(&addr, self->port_)) status = UV_EAI_FAMILY;
  }
  uv_freeaddrinfo(res);
  delete self;
  if (done) done(status, addr);
}

}  // namespace paddock::net
