// Member addresses: splitting and joining host:port (IPv6 in brackets), literals without a
// lookup, and the asynchronous lookup of a name from /etc/hosts ("localhost": no test here asks
// DNS, which would leave the machine), with its cancellation.
#include "net/host_lookup.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <string>

namespace paddock::net {
namespace {

TEST(HostPortTest, SplitsNamesLiteralsAndBracketedIpv6) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(SplitHostPort("zk1.example:2888", &host, &port));
  EXPECT_EQ(host, "zk1.example");
  EXPECT_EQ(port, 2888);
  ASSERT_TRUE(SplitHostPort("127.0.0.1:1", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 1);
  ASSERT_TRUE(SplitHostPort("[::1]:65535", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 65535);
}

TEST(HostPortTest, RefusesWhatIsNotHostColonPort) {
  std::string host;
  int port = 0;
  for (const char* bad : {"", "zk1", ":2888", "zk1:", "zk1:0", "zk1:65536", "zk1:28x", "::1:2888",
                          "[::1]", "[]:1", "zk1:-1"}) {
    EXPECT_FALSE(SplitHostPort(bad, &host, &port)) << bad;
  }
}

TEST(HostPortTest, JoinIsTheInverseOfSplit) {
  EXPECT_EQ(JoinHostPort("zk1", 2888), "zk1:2888");
  EXPECT_EQ(JoinHostPort("::1", 2888), "[::1]:2888");
  std::string host;
  int port = 0;
  for (const char* address : {"zk1:2888", "[fe80::1]:3888", "10.1.2.3:2181"}) {
    ASSERT_TRUE(SplitHostPort(address, &host, &port));
    EXPECT_EQ(JoinHostPort(host, port), address);
  }
}

TEST(HostPortTest, LiteralsNeedNoLookupAndNamesDo) {
  sockaddr_storage addr{};
  ASSERT_TRUE(LiteralAddress("127.0.0.2", 2888, &addr));
  ASSERT_EQ(addr.ss_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port), 2888);
  ASSERT_TRUE(LiteralAddress("::1", 3888, &addr));
  ASSERT_EQ(addr.ss_family, AF_INET6);
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port), 3888);
  EXPECT_FALSE(LiteralAddress("localhost", 1, &addr));
  EXPECT_FALSE(LiteralAddress("[::1]", 1, &addr));
}

TEST(HostPortTest, ResolveNowReadsHostsFileNames) {
  sockaddr_storage addr{};
  ASSERT_EQ(ResolveNow("localhost", 2181, &addr), "");
  ASSERT_TRUE(addr.ss_family == AF_INET || addr.ss_family == AF_INET6);
  uint16_t port = addr.ss_family == AF_INET
                      ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port
                      : reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port;
  EXPECT_EQ(ntohs(port), 2181);
  ASSERT_EQ(ResolveNow("127.0.0.3", 7, &addr), "");
  EXPECT_EQ(reinterpret_cast<sockaddr_in*>(&addr)->sin_addr.s_addr, htonl(0x7f000003));
}

TEST(HostLookupTest, ANameIsLookedUpOnTheThreadPoolAndAnsweredOnTheLoop) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int calls = 0;
  int status = -1;
  sockaddr_storage got{};
  HostLookup* lookup =
      HostLookup::Start(&loop, "localhost", 2888, [&](int s, const sockaddr_storage& a) {
        calls++;
        status = s;
        got = a;
      });
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(calls, 0);  // never before Start returns
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(status, 0);
  ASSERT_TRUE(got.ss_family == AF_INET || got.ss_family == AF_INET6);
  sockaddr_storage direct{};
  ASSERT_EQ(ResolveNow("localhost", 2888, &direct), "");
  EXPECT_EQ(got.ss_family, direct.ss_family);  // the same first answer as the blocking lookup
  if (got.ss_family == AF_INET) {
    EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port), 2888);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

// Cancelled: the callback never runs, and the lookup frees itself (ASan would see a leak).
TEST(HostLookupTest, ACancelledLookupNeverAnswers) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int calls = 0;
  for (int i = 0; i < 8; i++) {
    HostLookup* lookup = HostLookup::Start(&loop, "localhost", 2888,
                                           [&](int, const sockaddr_storage&) { calls++; });
    ASSERT_NE(lookup, nullptr);
    lookup->Cancel();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace paddock::net
