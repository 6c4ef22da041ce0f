// Connection strings: "host1:port1,host2:port2/chroot/path" (reference §4.1, ConnectStringParser).
//
// Hosts are IPv4 literals, host names, or [IPv6] literals in brackets; the port defaults to 2181.
// Everything from the first '/' is the chroot; "/" alone means none. Pure.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace paddock::client {

struct HostPort {
  std::string host;  // without brackets
  int port = 2181;
  bool operator==(const HostPort&) const = default;
};

struct ConnectString {
  std::vector<HostPort> hosts;
  std::string chroot;  // "" when none; otherwise a valid path without a trailing '/'
};

Result<ConnectString> ParseConnectString(const std::string& text);

// Prepends the chroot to a client path ("/" maps to the chroot itself).
std::string AddChroot(const std::string& chroot, const std::string& path);
// Strips the chroot from a server path; paths outside the chroot are returned unchanged.
std::string StripChroot(const std::string& chroot, const std::string& path);

}  // namespace paddock::client
