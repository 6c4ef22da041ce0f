// Proves the authenticating Raft transport on loopback with real sockets, the test playing
// libraft's part (it owns the streams handed over, and closes and frees them as libraft does).
// Checked: with the same key a connect request completes and the accepting side gets the
// dialing member's id, its configured address and a stream from which not one byte of what the
// dialer wrote after the handshake is missing; with another key the connect fails and nothing
// is accepted; libraft's own preamble and an id outside the voters are refused; a peer that
// never answers fails the connect after the timeout, or cancels it when the transport closes;
// and every handle is closed and freed on close, and on a release without close.
#include "testing/free_port.h"
#include "testing/uv_loop.h"
#include "consensus/auth_transport.h"
#include "net/peer_auth.h"
#include "net/tcp_user_timeout.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace paddock::consensus {
namespace {

const std::string kKey = "the-ensemble-key-0123456789";


void FreeStream(uv_stream_t* s) {
  uv_close(reinterpret_cast<uv_handle_t*>(s), [](uv_handle_t* h) { raft_free(h); });
}

class AuthTransportTest : public ::testing::Test {
 protected:
  struct Member {
    raft_uv_transport t{};
    std::vector<std::pair<raft_id, std::string>> accepted;  // id, address
    std::vector<uv_stream_t*> streams;                     // handed over to "libraft"
    bool closed = false;
  };
  struct Request {
    raft_uv_connect req{};
    int status = 1;  // 1: not called yet
    uv_stream_t* stream = nullptr;
  };

  void SetUp() override {
    uv_loop_init(&loop_);
    for (uint64_t id : {1u, 2u}) {
      voters_.emplace_back(id, "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()));
    }
  }
  void TearDown() override {
    for (auto& [id, m] : members_) {
      for (uv_stream_t* s : m.streams) FreeStream(s);
      if (!m.closed) {
        m.t.close(&m.t, [](raft_uv_transport* t) { static_cast<Member*>(t->data)->closed = true; });
      }
    }
    RunUntil([&] {
      for (auto& [id, m] : members_) {
        if (!m.closed) return false;
      }
      return true;
    });
    for (auto& [id, m] : members_) AuthTransportRelease(&m.t);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  // Member `id` with `key`, initialized as libraft does; listening if `listen`.
  Member& Make(uint64_t id, const std::string& key = kKey, bool listen = true) {
    Member& m = members_[id];
    EXPECT_EQ(AuthTransportInit(&m.t, &loop_, key, voters_), 0);
    EXPECT_EQ(m.t.init(&m.t, id, Address(id).c_str()), 0);
    m.t.data = &m;  // libraft's own pointer; ours here
    if (listen) {
      EXPECT_EQ(m.t.listen(&m.t,
                           [](raft_uv_transport* t, raft_id from, const char* address,
                              uv_stream_t* stream) {
                             auto* self = static_cast<Member*>(t->data);
                             self->accepted.emplace_back(from, address);
                             self->streams.push_back(stream);
                           }),
                0);
    }
    return m;
  }

  // A connect request from `m` to member `to` at `address`.
  void Connect(Member& m, uint64_t to, const std::string& address, Request* r) {
    r->req.data = r;
    ASSERT_EQ(m.t.connect(&m.t, &r->req, to, address.c_str(),
                          [](raft_uv_connect* req, uv_stream_t* stream, int status) {
                            auto* self = static_cast<Request*>(req->data);
                            self->status = status;
                            self->stream = stream;
                          }),
              0);
  }

  std::string Address(uint64_t id) const {
    for (const auto& [voter, address] : voters_) {
      if (voter == id) return address;
    }
    ADD_FAILURE() << "no voter " << id;
    return "";
  }

  bool RunUntil(const std::function<bool()>& done, int ms = 5000) {
    return testing::RunLoopUntil(&loop_, done, ms);
  }

  // A raw listening socket at member `id`'s address: the kernel completes TCP connects, and
  // nobody ever answers.
  int SilentListener(uint64_t id) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(Address(id).substr(10))));
    EXPECT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(s, 8), 0);
    return s;
  }

  // A raw client to member `id`'s Raft port.
  int Dial(uint64_t id) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(Address(id).substr(10))));
    EXPECT_EQ(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    return s;
  }

  uv_loop_t loop_{};
  std::vector<std::pair<uint64_t, std::string>> voters_;
  std::map<uint64_t, Member> members_;
};

TEST_F(AuthTransportTest, TheSameKeyHandsOverTheStreamsWithoutLosingAByte) {
  Member& a = Make(1);
  Member& b = Make(2);
  Request r;
  Connect(b, 1, Address(1), &r);
  ASSERT_TRUE(RunUntil([&] { return r.status != 1 && !a.accepted.empty(); }));
  ASSERT_EQ(r.status, 0);
  ASSERT_NE(r.stream, nullptr);
  b.streams.push_back(r.stream);
  EXPECT_EQ(a.accepted[0].first, 2u);
  EXPECT_EQ(a.accepted[0].second, Address(2));  // the configured address, as libraft needs
  // libraft only writes the outgoing stream: unacknowledged writes must end it after the
  // transport's timeout (a member that vanished without a FIN), not the kernel's 15 minutes.
  EXPECT_EQ(net::TcpUserTimeout(reinterpret_cast<uv_tcp_t*>(r.stream)),
            static_cast<int64_t>(net::PeerAuth::kTimeoutMs));
  // What libraft writes first after the hand-over arrives whole on the accepted stream.
  static std::string got;
  got.clear();
  std::string sent = "raft message bytes";
  uv_buf_t buf = uv_buf_init(sent.data(), static_cast<unsigned>(sent.size()));
  ASSERT_EQ(uv_try_write(r.stream, &buf, 1), static_cast<int>(sent.size()));
  uv_read_start(
      a.streams[0],
      [](uv_handle_t*, size_t, uv_buf_t* out) {
        static char space[256];
        *out = uv_buf_init(space, sizeof(space));
      },
      [](uv_stream_t*, ssize_t n, const uv_buf_t* in) {
        if (n > 0) got.append(in->base, static_cast<size_t>(n));
      });
  ASSERT_TRUE(RunUntil([&] { return got.size() >= sent.size(); }));
  EXPECT_EQ(got, sent);
  uv_read_stop(a.streams[0]);
}

TEST_F(AuthTransportTest, AnotherKeyFailsTheConnectAndNothingIsAccepted) {
  Member& a = Make(1);
  Member& b = Make(2, "another-key-of-another-ensemble");
  Request r;
  Connect(b, 1, Address(1), &r);
  ASSERT_TRUE(RunUntil([&] { return r.status != 1; }));
  EXPECT_EQ(r.status, RAFT_NOCONNECTION);
  EXPECT_EQ(r.stream, nullptr);
  EXPECT_FALSE(RunUntil([&] { return !a.accepted.empty(); }, 300));
}

TEST_F(AuthTransportTest, LibraftsOwnPreambleAndStrangerIdsAreRefused) {
  Member& a = Make(1);
  // libraft 0.15's TCP preamble: protocol 1, server id 2, address length 16 (little endian).
  std::string preamble("\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x10\0\0\0\0\0\0\0", 24);
  int s = Dial(1);
  ASSERT_EQ(write(s, preamble.data(), preamble.size()), static_cast<ssize_t>(preamble.size()));
  char c;
  EXPECT_TRUE(RunUntil([&] { return recv(s, &c, 1, MSG_DONTWAIT) == 0; }));
  close(s);
  // A member outside the voters, even with the key.
  voters_.emplace_back(9, "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()));
  Member& stranger = Make(9, kKey, false);
  Request r;
  Connect(stranger, 1, Address(1), &r);
  ASSERT_TRUE(RunUntil([&] { return r.status != 1; }));
  EXPECT_EQ(r.status, RAFT_NOCONNECTION);
  EXPECT_TRUE(a.accepted.empty());
}

TEST_F(AuthTransportTest, APeerThatNeverAnswersFailsTheConnectAfterTheTimeout) {
  int silent = SilentListener(1);
  Member& b = Make(2);
  AuthTransportSetTimeout(&b.t, 300);
  Request r;
  Connect(b, 1, Address(1), &r);
  EXPECT_FALSE(RunUntil([&] { return r.status != 1; }, 200));
  ASSERT_TRUE(RunUntil([&] { return r.status != 1; }, 2000));
  EXPECT_EQ(r.status, RAFT_NOCONNECTION);
  close(silent);
}

TEST_F(AuthTransportTest, ClosingCancelsAPendingConnectThenReportsClosed) {
  int silent = SilentListener(1);
  Member& b = Make(2);
  Request r;
  Connect(b, 1, Address(1), &r);
  RunUntil([] { return false; }, 100);
  ASSERT_EQ(r.status, 1);
  b.t.close(&b.t, [](raft_uv_transport* t) { static_cast<Member*>(t->data)->closed = true; });
  ASSERT_TRUE(RunUntil([&] { return b.closed; }));
  EXPECT_EQ(r.status, RAFT_CANCELED);
  close(silent);
}

TEST_F(AuthTransportTest, ReleaseWithoutCloseFreesEverythingOnceTheLoopRuns) {
  // raft_start failed: libraft never closes the transport; LibraftLog::Stop releases it.
  raft_uv_transport t{};
  ASSERT_EQ(AuthTransportInit(&t, &loop_, kKey, voters_), 0);
  ASSERT_EQ(t.init(&t, 1, Address(1).c_str()), 0);
  ASSERT_EQ(t.listen(&t, [](raft_uv_transport*, raft_id, const char*, uv_stream_t*) {}), 0);
  AuthTransportRelease(&t);
  uv_run(&loop_, UV_RUN_DEFAULT);  // TearDown checks that no handle is left
}

}  // namespace
}  // namespace paddock::consensus
