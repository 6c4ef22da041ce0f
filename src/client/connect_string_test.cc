// Proves connection-string parsing as ZooKeeper's ConnectStringParser does it: host lists with
// default ports, [IPv6] literals, chroot suffixes ("/" alone is none), and clear errors.
#include "client/connect_string.h"

#include <gtest/gtest.h>

namespace paddock::client {
namespace {

TEST(ConnectString, HostsWithAndWithoutPortsAndAChroot) {
  Result<ConnectString> cs = ParseConnectString("h1:2182,h2,10.0.0.3:2183/app/a");
  ASSERT_TRUE(cs.ok()) << cs.status().message();
  ASSERT_EQ(cs->hosts.size(), 3u);
  EXPECT_EQ(cs->hosts[0], (HostPort{"h1", 2182}));
  EXPECT_EQ(cs->hosts[1], (HostPort{"h2", 2181}));
  EXPECT_EQ(cs->hosts[2], (HostPort{"10.0.0.3", 2183}));
  EXPECT_EQ(cs->chroot, "/app/a");
}

TEST(ConnectString, Ipv6LiteralsInBrackets) {
  Result<ConnectString> cs = ParseConnectString("[::1]:2190,[fe80::1]");
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->hosts[0], (HostPort{"::1", 2190}));
  EXPECT_EQ(cs->hosts[1], (HostPort{"fe80::1", 2181}));
}

TEST(ConnectString, SlashAloneIsNoChroot) {
  Result<ConnectString> cs = ParseConnectString("h:1/");
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->chroot, "");
}

TEST(ConnectString, BadInputIsRefusedWithAReason) {
  EXPECT_FALSE(ParseConnectString("").ok());
  EXPECT_FALSE(ParseConnectString("h:notaport").ok());
  EXPECT_FALSE(ParseConnectString("h:70000").ok());
  EXPECT_FALSE(ParseConnectString("[::1:2181").ok());
  EXPECT_FALSE(ParseConnectString("h:1/bad//chroot").ok());
  EXPECT_FALSE(ParseConnectString("h:1/trailing/").ok());
}

TEST(ConnectString, ChrootIsAddedAndStripped) {
  EXPECT_EQ(AddChroot("/app", "/"), "/app");
  EXPECT_EQ(AddChroot("/app", "/x/y"), "/app/x/y");
  EXPECT_EQ(AddChroot("", "/x"), "/x");
  EXPECT_EQ(StripChroot("/app", "/app"), "/");
  EXPECT_EQ(StripChroot("/app", "/app/x"), "/x");
  EXPECT_EQ(StripChroot("/app", "/apple"), "/apple");
}

}  // namespace
}  // namespace paddock::client
