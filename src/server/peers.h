// PeerNet: the peer channel between the members of an ensemble, beside Raft's own transport.
// It carries what libraft cannot: client writes forwarded by followers to the leader, the
// failures of forwarded writes back to their member, and every member's session touches and
// state to every other member.
//
// Each member connects to every other one and sends only on that outgoing link; the links it
// accepts are only read. Every link opens with the members' handshake (net/peer_auth.h): both
// sides prove the ensemble's key, the dialing side for the member it claims to be, the
// accepting side for the member it was dialed as. Nothing is sent or delivered before; a link
// whose handshake fails or takes over PeerAuth::kTimeoutMs is closed with one log line naming
// the remote address and the reason (repeats throttled, net::RefusalThrottle). Then frames are
// [u32 length][u8 type][body]; the first is kHello with the sender's id, which must be the id
// it proved. A lost outgoing link is retried every kRetryMs. A frame that cannot be parsed, or
// a hello that does not match, closes that link only.
//
// Threading: loop thread only. Handles close asynchronously: Stop() before the loop's last run.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/peer_auth.h"
#include "server/peer_links.h"

namespace paddock::server {

class PeerNet final : public PeerLinks {
 public:
  struct Endpoint {
    std::string host;
    int32_t port = 0;
  };
  using MessageFn = std::function<void(int from, Type type, std::string_view body)>;
  // The outgoing link to `peer` came up or went down.
  using LinkFn = std::function<void(int peer, bool up)>;

  static constexpr uint64_t kRetryMs = 200;
  static constexpr size_t kFrameBytesMax = 256u << 20;
  // A peer that lets this much output pile up is not reading: its link is closed.
  static constexpr size_t kUnsentBytesMax = 256u << 20;

  // REQUIRES: key.size() >= net::PeerAuth::kKeyBytesMin (config's LoadPeerKey checks it).
  PeerNet(uv_loop_t* loop, int self, std::map<int, Endpoint> members, std::string key,
          MessageFn on_message, LinkFn on_link);
  ~PeerNet() override;
  PeerNet(const PeerNet&) = delete;
  PeerNet& operator=(const PeerNet&) = delete;

  // Listens on this member's endpoint and starts connecting to the others.
  Status Start();
  // Queues a frame on the outgoing link to `to`; false (nothing sent) if that link is not up
  // (connected and authenticated).
  bool Send(int to, Type type, std::string_view body) override;
  bool Connected(int to) const override;
  // Peers whose link to this member is up (authenticated, and their kHello arrived).
  std::set<int> InboundPeers() const;
  void Stop();
  // How long a link may take from its start to the end of its handshake (tests shorten it).
  void set_handshake_timeout_ms(uint64_t ms) { handshake_timeout_ms_ = ms; }

 private:
  struct Link;
  struct WriteReq;
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnConnected(uv_connect_t* req, int status);
  static void OnRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void OnRetry(uv_timer_t* t);
  void ConnectMissing();
  void CloseStalledHandshakes();
  void Connect(int peer);
  void Dial(Link* link, sockaddr_storage addr);
  void LogUnresolved(const Link* link, int status);
  void StartReading(Link* link);
  void OnHandshakeFrames(Link* link);
  void OnAuthenticated(Link* link);
  bool Write(Link* link, std::string data);
  void Close(Link* link, const std::string& why);
  void LogRefused(const Link* link, const std::string& why);
  void Parse(Link* link);

  uv_loop_t* loop_;
  int self_;
  std::map<int, Endpoint> members_;
  std::string key_;
  uint64_t handshake_timeout_ms_ = net::PeerAuth::kTimeoutMs;
  net::RefusalThrottle refusals_;
  MessageFn on_message_;
  LinkFn on_link_;
  uv_tcp_t listener_{};
  uv_timer_t retry_timer_{};
  bool started_ = false;
  bool stopping_ = false;
  std::set<Link*> links_;     // every open link, owned (freed in its close callback)
  std::map<int, Link*> out_;  // peer id -> its current outgoing link
  char read_buffer_[65536];
};

}  // namespace paddock::server
