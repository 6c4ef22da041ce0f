#include "client/connect_string.h"

#include <charconv>

#include "tree/path.h"

namespace paddock::client {
namespace {

Result<HostPort> ParseHost(const std::string& item) {
  HostPort hp;
  std::string rest;
  if (!item.empty() && item[0] == '[') {
    size_t close = item.find(']');
    if (close == std::string::npos) return Status::Error("unclosed '[' in host '" + item + "'");
    hp.host = item.substr(1, close - 1);
    rest = item.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return Status::Error("bad host '" + item + "'");
    if (!rest.empty()) rest = rest.substr(1);
  } else {
    size_t colon = item.rfind(':');
    hp.host = item.substr(0, colon);
    if (colon != std::string::npos) rest = item.substr(colon + 1);
  }
  if (hp.host.empty()) return Status::Error("empty host in '" + item + "'");
  if (!rest.empty()) {
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), hp.port);
    if (ec != std::errc() || p != rest.data() + rest.size() || hp.port < 1 || hp.port > 65535) {
      return Status::Error("bad port in '" + item + "'");
    }
  }
  return hp;
}

}  // namespace

Result<ConnectString> ParseConnectString(const std::string& text) {
  ConnectString cs;
  std::string hosts = text;
  size_t slash = text.find('/');
  if (slash != std::string::npos) {
    cs.chroot = text.substr(slash);
    hosts = text.substr(0, slash);
    if (cs.chroot == "/") {
      cs.chroot.clear();
    } else if (!tree::IsValidPath(cs.chroot)) {
      return Status::Error("invalid chroot '" + cs.chroot + "'");
    }
  }
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t comma = hosts.find(',', start);
    std::string item = hosts.substr(start, comma == std::string::npos ? std::string::npos
                                                                      : comma - start);
    size_t b = item.find_first_not_of(' ');
    size_t e = item.find_last_not_of(' ');
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    if (!item.empty()) {
      Result<HostPort> hp = ParseHost(item);
      if (!hp.ok()) return hp.status();
      cs.hosts.push_back(*hp);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (cs.hosts.empty()) return Status::Error("no host in connection string '" + text + "'");
  return cs;
}

std::string AddChroot(const std::string& chroot, const std::string& path) {
  if (chroot.empty()) return path;
  if (path == "/") return chroot;
  return chroot + path;
}

std::string StripChroot(const std::string& chroot, const std::string& path) {
  if (chroot.empty()) return path;
  if (path == chroot) return "/";
  if (path.size() > chroot.size() && path.compare(0, chroot.size(), chroot) == 0 &&
      path[chroot.size()] == '/') {
    return path.substr(chroot.size());
  }
  return path;
}

}  // namespace paddock::client
