// AuthTransport: libraft's raft_uv_transport (raft/uv.h) over TCP, where every connection must
// first pass the members' handshake (net/peer_auth.h, purpose "raft") on the ensemble's key.
// libraft's own TCP transport (raft_uv_tcp_init) hands any connection that sends its preamble
// (a protocol number, a claimed server id, an address) to Raft: anyone who reaches the port can
// vote, step a leader down or append entries. This one does not send that preamble at all; the
// id comes from the handshake, and the address from the configuration.
//
// What libraft 0.15 expects of a transport, and how this one keeps it (read from canonical/raft
// v0.15.0, src/uv_tcp*.c, uv_recv.c and uv_send.c):
//  * listen(accept_cb): for each inbound connection, call accept_cb(t, id, address, stream)
//    once the remote is known. libraft then owns the stream (it reads its own messages from the
//    first byte on, and closes it with uv_close and frees it with raft_free), so the stream is
//    a uv_tcp_t from raft_malloc, reading is stopped before the hand-over, and the handshake
//    reads exactly its own bytes (FrameReader::BytesWanted) so that none of libraft's are taken.
//    The address must be the one in libraft's configuration for that id: libraft sends its
//    replies through its own outgoing connection to message->server_address, and drops and
//    reconnects that connection when the address changes.
//  * connect(req, id, address, cb): "ip:port" as in the configuration. On success call
//    cb(req, stream, 0) and libraft owns the stream (it only writes to it); on failure call
//    cb(req, NULL, RAFT_NOCONNECTION) after our handle closed, and libraft retries after its
//    connect retry delay. libraft's transport calls cb only once its preamble write completed;
//    this one once its proof write completed, so no write of ours is in flight on a stream
//    libraft owns. A nonzero return from connect means cb will not be called.
//  * close(cb): stop accepting (accept_cb never again), cancel pending connects (their cb gets
//    RAFT_CANCELED), then call cb once every handle of ours has closed.
//  * t->data belongs to libraft (it stores its raft_uv there); this transport keeps its state
//    in t->impl.
// Every connection not handed over within PeerAuth::kTimeoutMs of its start (TCP connect
// included) is closed; every failed handshake is logged once with the remote address and the
// reason (net::RefusalThrottle), as the peer channel does. An outgoing connection also carries
// that timeout as TCP_USER_TIMEOUT, because libraft never reads it and would otherwise write
// into a connection to a vanished member for the kernel's whole retransmission time.
//
// Threading: loop thread only, like libraft.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

namespace paddock::consensus {

// Fills `t` with the authenticating transport (for raft_uv_init). `voters`: every member's id
// and Raft address, this one included: only they may connect, and the address handed to
// libraft for an accepted member is its entry here. Returns 0 (libraft's convention).
// REQUIRES: key.size() >= net::PeerAuth::kKeyBytesMin.
int AuthTransportInit(raft_uv_transport* t, uv_loop_t* loop, std::string key,
                      std::vector<std::pair<uint64_t, std::string>> voters);
// Frees what AuthTransportInit allocated. After libraft closed the transport (raft_close) that
// is all; if it never did (raft_start failed), the handles still open are closed and the memory
// goes once they are.
void AuthTransportRelease(raft_uv_transport* t);
// How long a connection may take from its start to its hand-over (tests shorten it).
void AuthTransportSetTimeout(raft_uv_transport* t, uint64_t ms);

}  // namespace paddock::consensus
