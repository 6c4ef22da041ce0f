// Proves the peer channel on loopback with real sockets: each member's outgoing link comes up
// once both sides proved the ensemble's key and says who it is, frames arrive whole and in
// order, a member that goes away is reported down and reconnected to once it is back, and a
// sender that breaks the framing loses only its own link. A member with another key never gets
// a link either way, and a stranger that skips the handshake, or says nothing for the
// handshake timeout, is closed without disturbing the members' links.
#include "testing/free_port.h"
#include "testing/uv_loop.h"
#include "server/peers.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace paddock::server {
namespace {

const std::string kKey = "the-ensemble-key-0123456789";


struct Received {
  int from;
  PeerNet::Type type;
  std::string body;
};

class PeerNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    for (int id : {1, 2}) members_[id] = {"127.0.0.1", testing::FreeLoopbackPort()};
  }
  void TearDown() override {
    for (auto& n : nets_) n->Stop();
    uv_run(&loop_, UV_RUN_DEFAULT);  // every closed handle finishes before the nets go
    nets_.clear();
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  // A member; it lives until TearDown, after its handles closed.
  PeerNet* Make(int id, const std::string& key = kKey) {
    nets_.push_back(Build(id, key));
    return nets_.back().get();
  }

  // A raw socket to member `id`'s peer port.
  int Dial(int id) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(members_[id].port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return s;
  }

  // Whether the other end closes socket `s` within `ms` (the loop runs meanwhile).
  bool ClosedByPeer(int s, int ms = 5000) {
    char c;
    return RunUntil([&] { return recv(s, &c, 1, MSG_DONTWAIT) == 0; }, ms);
  }
  std::unique_ptr<PeerNet> Build(int id, const std::string& key = kKey) {
    return std::make_unique<PeerNet>(
        &loop_, id, members_, key,
        [this, id](int from, PeerNet::Type type, std::string_view body) {
          got_[id].push_back({from, type, std::string(body)});
        },
        [this, id](int peer, bool up) { links_[id].emplace_back(peer, up); });
  }

  bool RunUntil(const std::function<bool()>& done, int ms = 5000) {
    return testing::RunLoopUntil(&loop_, done, ms);
  }

  uv_loop_t loop_{};
  std::vector<std::unique_ptr<PeerNet>> nets_;
  std::map<int, PeerNet::Endpoint> members_;
  std::map<int, std::vector<Received>> got_;
  std::map<int, std::vector<std::pair<int, bool>>> links_;
};

TEST_F(PeerNetTest, FramesArriveWholeInOrderAndNamedByTheSender) {
  auto a = Make(1);
  auto b = Make(2);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(RunUntil([&] { return a->Connected(2) && b->Connected(1); }));
  std::string big(300000, 'x');  // larger than one read
  EXPECT_TRUE(a->Send(2, PeerNet::Type::kHeartbeat, "one"));
  EXPECT_TRUE(a->Send(2, PeerNet::Type::kForward, big));
  EXPECT_TRUE(a->Send(2, PeerNet::Type::kFailed, ""));
  ASSERT_TRUE(RunUntil([&] { return got_[2].size() == 3; }));
  EXPECT_EQ(got_[2][0].from, 1);
  EXPECT_EQ(got_[2][0].type, PeerNet::Type::kHeartbeat);
  EXPECT_EQ(got_[2][0].body, "one");
  EXPECT_EQ(got_[2][1].type, PeerNet::Type::kForward);
  EXPECT_EQ(got_[2][1].body, big);
  EXPECT_EQ(got_[2][2].type, PeerNet::Type::kFailed);
  EXPECT_TRUE(got_[2][2].body.empty());
  EXPECT_EQ(b->InboundPeers(), std::set<int>{1});
  EXPECT_FALSE(a->Send(7, PeerNet::Type::kHeartbeat, "nobody"));
}

TEST_F(PeerNetTest, AMemberThatGoesAwayIsReportedDownAndReconnectedWhenBack) {
  auto a = Make(1);
  auto b = Make(2);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(RunUntil([&] { return a->Connected(2); }));
  b->Stop();
  ASSERT_TRUE(RunUntil([&] { return !a->Connected(2); }));
  EXPECT_EQ(links_[1].back(), std::make_pair(2, false));
  EXPECT_FALSE(a->Send(2, PeerNet::Type::kHeartbeat, "lost"));
  auto* b2 = Make(2);  // member 2 restarted, on the same port
  ASSERT_TRUE(b2->Start().ok());
  ASSERT_TRUE(RunUntil([&] { return a->Connected(2); }));  // retried every kRetryMs
  EXPECT_TRUE(a->Send(2, PeerNet::Type::kHeartbeat, "again"));
  ASSERT_TRUE(RunUntil([&] { return !got_[2].empty(); }));
  EXPECT_EQ(got_[2].back().body, "again");
}

TEST_F(PeerNetTest, ABrokenFrameOrAnUnknownSenderClosesOnlyThatLink) {
  auto a = Make(1);
  auto b = Make(2);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(RunUntil([&] { return a->Connected(2) && b->Connected(1); }));
  // Strangers connect to member 2: one says it is member 1 without the handshake, one sends a
  // length of zero.
  for (std::string bytes : {std::string("\0\0\0\5\1\0\0\0\x01", 9), std::string("\0\0\0\0", 4)}) {
    int s = Dial(2);
    ASSERT_EQ(write(s, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    EXPECT_TRUE(ClosedByPeer(s)) << "bytes " << bytes.size();
    close(s);
  }
  // Member 1's link is untouched.
  EXPECT_TRUE(a->Send(2, PeerNet::Type::kHeartbeat, "still here"));
  ASSERT_TRUE(RunUntil([&] { return !got_[2].empty(); }));
  EXPECT_EQ(got_[2].back().body, "still here");
  EXPECT_EQ(got_[2].size(), 1u);
}

TEST_F(PeerNetTest, AMemberWithAnotherKeyGetsNoLinkEitherWay) {
  auto a = Make(1);
  auto b = Make(2, "another-key-of-another-ensemble");
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  // Several retries (every kRetryMs) fail on both sides; no link ever comes up.
  EXPECT_FALSE(RunUntil([&] { return a->Connected(2) || b->Connected(1); }, 1000));
  EXPECT_FALSE(a->Send(2, PeerNet::Type::kHeartbeat, "x"));
  EXPECT_TRUE(a->InboundPeers().empty());
  EXPECT_TRUE(b->InboundPeers().empty());
  EXPECT_TRUE(links_[1].empty());
  EXPECT_TRUE(links_[2].empty());
  EXPECT_TRUE(got_[1].empty());
  EXPECT_TRUE(got_[2].empty());
}

TEST_F(PeerNetTest, AStrangerThatSaysNothingIsClosedAfterTheHandshakeTimeout) {
  auto a = Make(1);
  auto b = Make(2);
  b->set_handshake_timeout_ms(300);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(RunUntil([&] { return a->Connected(2) && b->Connected(1); }));
  int s = Dial(2);
  EXPECT_FALSE(ClosedByPeer(s, 150));  // still within the timeout
  EXPECT_TRUE(ClosedByPeer(s, 2000));
  close(s);
  EXPECT_TRUE(a->Connected(2));  // the members' links stay
  EXPECT_EQ(b->InboundPeers(), std::set<int>{1});
}

}  // namespace
}  // namespace paddock::server
