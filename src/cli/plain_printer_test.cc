// Tests for the plain printer: each result in zkCli 3.8's exact format (Stat lines with Java's
// date form, sorted "[a, b]" lists, ACL pairs, whoami), failures on the error stream, and the
// WATCHER lines for asynchronous events. Output goes to string streams; TZ is pinned to UTC.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <sstream>

#include "cli/format.h"
#include "cli/printer.h"

namespace paddock::cli {
namespace {

class PlainPrinterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
  std::ostringstream out_, err_;
  std::unique_ptr<Printer> p_ = MakePlainPrinter(out_, err_);
};

Stat SampleStat() {
  Stat s;
  s.czxid = 2;
  s.mzxid = 7;
  s.ctime = 1795323586000;  // Sun Nov 22 04:59:46 UTC 2026
  s.mtime = 1795323586999;
  s.pzxid = 4;
  s.cversion = 1;
  s.version = 2;
  s.ephemeral_owner = 0x1000001d2c50000;
  s.data_length = 8;
  s.num_children = 1;
  return s;
}

constexpr const char* kSampleStatText =
    "cZxid = 0x2\nctime = Sun Nov 22 04:59:46 UTC 2026\nmZxid = 0x7\n"
    "mtime = Sun Nov 22 04:59:46 UTC 2026\npZxid = 0x4\ncversion = 1\ndataVersion = 2\n"
    "aclVersion = 0\nephemeralOwner = 0x1000001d2c50000\ndataLength = 8\nnumChildren = 1\n";

TEST_F(PlainPrinterTest, StatIsZkClisStatPrinter) {
  p_->StatOf("/x", SampleStat());
  EXPECT_EQ(out_.str(), kSampleStatText);
}

TEST_F(PlainPrinterTest, NegativeIdsPrintAsJavaHex) { EXPECT_EQ(Hex(-1), "0xffffffffffffffff"); }

TEST_F(PlainPrinterTest, DataThenStatOnlyWithS) {
  p_->Data("/x", DataResult{"newdata2", SampleStat()}, false);
  p_->Data("/x", DataResult{std::nullopt, SampleStat()}, true);
  EXPECT_EQ(out_.str(), std::string("newdata2\nnull\n") + kSampleStatText);
}

TEST_F(PlainPrinterTest, CreatedAndSetAndDone) {
  p_->Created("/x/s-0000000002", Stat{});
  p_->Written("/x", SampleStat(), false);
  p_->Done();
  EXPECT_EQ(out_.str(), "Created /x/s-0000000002\n");
}

TEST_F(PlainPrinterTest, ChildrenAreSortedInBrackets) {
  p_->Children("/", ChildrenResult{{"zookeeper", "b", "a"}, SampleStat()}, false);
  p_->Children("/e", ChildrenResult{{}, Stat{}}, false);
  EXPECT_EQ(out_.str(), "[a, b, zookeeper]\n[]\n");
}

TEST_F(PlainPrinterTest, TreeIsOnePathPerLine) {
  p_->Tree("/x", {"/x", "/x/a", "/x/a/b"});
  EXPECT_EQ(out_.str(), "/x\n/x/a\n/x/a/b\n");
}

TEST_F(PlainPrinterTest, AclPairs) {
  AclResult r{{Acl{perms::kAll, "world", "anyone"}, Acl{perms::kRead, "digest", "a:h="}}, {}};
  p_->AclOf("/x", r, false);
  EXPECT_EQ(out_.str(), "'world,'anyone\n: cdrwa\n'digest,'a:h=\n: r\n");
}

TEST_F(PlainPrinterTest, EphemeralsSortedAndWhoAmI) {
  p_->Ephemerals("/", {"/x/eph", "/x/es-0000000003"});
  p_->Identities({ClientInfo{"ip", "127.0.0.1"}, ClientInfo{"digest", "alice"}});
  EXPECT_EQ(out_.str(),
            "[/x/eph, /x/es-0000000003]\nAuth scheme: User\ndigest: alice\nip: 127.0.0.1\n");
}

TEST_F(PlainPrinterTest, SyncCountAndSession) {
  p_->Synced("/");
  p_->Count("/x", 4);
  p_->Session(SessionSummary{0x100, 30000, SessionState::kConnected, "127.0.0.1:2181"});
  EXPECT_EQ(out_.str(),
            "Sync is OK\n4\nid = 0x100\ntimeout = 30000 ms\nstate = SyncConnected\n"
            "server = 127.0.0.1:2181\n");
}

TEST_F(PlainPrinterTest, FailuresAndWarningsGoToTheErrorStream) {
  p_->Failure(CliError{"NONODE", -101, "Node does not exist: /x", "/x"});
  p_->Warning("Unknown perm type: z");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "Node does not exist: /x\nUnknown perm type: z\n");
}

TEST_F(PlainPrinterTest, EventsLookLikeZkClis) {
  p_->SessionChange(SessionEvent{SessionEvent::Kind::kStateChanged, SessionState::kConnected, 0});
  p_->Event(WatchEvent{EventType::kNodeDataChanged, "/x"});
  EXPECT_EQ(out_.str(),
            "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n"
            "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/x\n");
}

TEST_F(PlainPrinterTest, HelpListsUsages) {
  CommandSpec a{"ls", "ls [-s] path", "", {}, 1, 1};
  p_->Help({&a});
  EXPECT_EQ(out_.str(), "paddock-cli [-server host:port] [--json] cmd args\n\tls [-s] path\n");
}

}  // namespace
}  // namespace paddock::cli
