// Proves the admin routing that needs no running loop: static pages are answered on the HTTP
// thread (the index, ZooKeeper's command list, the sessions page pointing at its feed), state
// requests are left to the loop, and on a server that is not serving yet the commands answer
// ZooKeeper's "not currently serving" error, except those that need no server (environment),
// while unknown names get "Unknown command". /metrics renders even before the log starts.
#include "server/admin/router.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "server/admin/commands.h"
#include "server/server.h"

namespace paddock::server::admin {
namespace {

AdminRequest Get(const std::string& path) {
  AdminRequest r;
  r.method = "GET";
  r.path = path;
  return r;
}

TEST(AdminRouter, StaticPagesAreAnsweredWithoutTheLoop) {
  AdminReply out;
  ASSERT_TRUE(RouteStatic("/commands", Get("/"), &out));
  EXPECT_NE(out.body.find("href=\"/sessions\""), std::string::npos);
  ASSERT_TRUE(RouteStatic("/commands", Get("/commands"), &out));
  EXPECT_NE(out.body.find("<a href=\"/commands/monitor\">monitor</a>"), std::string::npos);
  ASSERT_TRUE(RouteStatic("/cmd", Get("/sessions"), &out));
  EXPECT_NE(out.body.find("const FEED = \"/cmd/sessions\";"), std::string::npos);
  EXPECT_EQ(out.content_type, "text/html; charset=utf-8");
  ASSERT_TRUE(RouteStatic("/commands", Get("/elsewhere"), &out));
  EXPECT_EQ(out.status, 404);
}

TEST(AdminRouter, StateRequestsGoToTheLoop) {
  AdminReply out;
  EXPECT_FALSE(RouteStatic("/commands", Get("/metrics"), &out));
  EXPECT_FALSE(RouteStatic("/commands", Get("/commands/srvr"), &out));
}

class NotServingServer : public ::testing::Test {
 protected:
  struct NoIo final : ServerIo {
    int AdminPort() const override { return 0; }
    std::string NewSecret(size_t bytes) override { return std::string(bytes, 's'); }
  };
  ManualClock clock_;
  NoIo io_;
  Server server_{Config{}, &clock_, &io_};
};

TEST_F(NotServingServer, CommandsAnswerThatTheServerIsNotServing) {
  AdminReply r = Route(server_, Get("/commands/ruok"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(r.body.find("\"error\": \"This ZooKeeper instance is not currently serving "
                        "requests\""),
            std::string::npos)
      << r.body;
}

TEST_F(NotServingServer, EnvironmentNeedsNoServer) {
  std::string primary;
  std::string out = RunCommand(server_, "envi", {}, &primary);
  EXPECT_EQ(primary, "environment");
  EXPECT_NE(out.find("\"command\": \"environment\""), std::string::npos);
  EXPECT_NE(out.find("\"error\": null"), std::string::npos);
}

TEST_F(NotServingServer, UnknownCommandIsNamedInTheError) {
  std::string primary;
  std::string out = RunCommand(server_, "bogus", {}, &primary);
  EXPECT_EQ(primary, "unknown");
  EXPECT_NE(out.find("\"error\": \"Unknown command: bogus\""), std::string::npos);
}

TEST_F(NotServingServer, MetricsRenderBeforeTheLogStarts) {
  AdminReply r = Route(server_, Get("/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("paddock_serving 0\n"), std::string::npos);
  EXPECT_NE(r.body.find("paddock_raft_role{role=\"unavailable\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE paddock_raft_fsync_duration_seconds histogram\n"),
            std::string::npos);
}

}  // namespace
}  // namespace paddock::server::admin
