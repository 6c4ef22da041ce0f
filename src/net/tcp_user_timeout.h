// How long sent bytes may stay unacknowledged before the kernel drops a TCP connection
// (TCP_USER_TIMEOUT).
//
// A link that only writes learns that its peer is gone from a failed write, and a write fails
// only once the kernel gives up. When the peer's machine vanished (its address gone, its FIN or
// reset lost on the way), the kernel retransmits for about 15 minutes (tcp_retries2) and every
// write meanwhile succeeds into the send buffer. The members' outgoing links (libraft's, which
// never reads them, and the peer channel's) set this so that a vanished member is dialed again,
// by name, within the timeout instead. A live member's kernel acknowledges what arrives whatever
// its process does (up to a full receive window), so a slow member is not cut off.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

namespace paddock::net {

// Sets TCP_USER_TIMEOUT on a connected (or connecting) TCP handle. Returns "" or why not.
std::string SetTcpUserTimeout(uv_tcp_t* tcp, uint64_t ms);

// The value set on the handle, in ms, or -1 if it cannot be read (tests).
int64_t TcpUserTimeout(uv_tcp_t* tcp);

}  // namespace paddock::net
