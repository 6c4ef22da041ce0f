// ZooKeeperSnapshot read back by ReadZooKeeper (the importer, itself checked against a real
// ZooKeeper in compat/zk_import_test.py; compat/zk_export_test.py starts a real ZooKeeper on an
// export): every node, Stat field, ACL and session survives the round trip.
#include "datadir/zk_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "datadir/zk_import.h"
#include "proto/codes.h"

namespace paddock::datadir {
namespace {

namespace fs = std::filesystem;

statemachine::StateMachine State() {
  tree::DataTree t;
  proto::AclList open = {{proto::perms::kAll, {"world", "anyone"}}};
  proto::AclList digest = {{proto::perms::kAll, {"digest", "u:x"}}, {1, {"world", "anyone"}}};
  t.Create("/a", proto::Buffer(std::string("hello")), digest, 0, 1, 0x100000002, 1000);
  t.Create("/a/e", proto::Buffer(std::string("x")), open, 0x77, 1, 0x100000003, 1001);
  t.Create("/c", proto::Buffer(std::string()), open, proto::kContainerOwner, 2, 0x100000004, 1002);
  t.Create("/t", proto::Buffer(std::string("t")), open, tree::TtlOwner(5000), 3, 0x100000005,
           1003);
  t.Create("/n", proto::Buffer(), open, 0, 4, 0x100000006, 1004);  // null data
  t.SetData("/a", proto::Buffer(std::string("again")), 1, 0x100000007, 1005);
  t.Delete("/n", 0x100000008);
  session::SessionTable sessions;
  sessions.Restore(0x77, {30000, 0, 0});
  statemachine::StateMachine sm;
  sm.ReplaceState(std::move(t), std::move(sessions), 0x100000008, std::string(32, 's'));
  return sm;
}

class ZkExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("paddock-zkexport-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ZkExportTest, AnExportReadsBackNodeForNode) {
  statemachine::StateMachine sm = State();
  ZkExportReport report;
  ASSERT_TRUE(WriteZooKeeperDataDir(dir_.string(), sm, false, &report).ok());
  EXPECT_EQ(fs::path(report.file).filename(), "snapshot.100000008");
  // The digest list and /zookeeper/config's world:anyone-read; world:anyone-all is the implicit -1.
  EXPECT_EQ(report.acls, 2u);
  Result<ZkImport> back = ReadZooKeeper(dir_.string());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->last_zxid, 0x100000008);
  EXPECT_EQ(back->sessions.at(0x77), 30000);
  ASSERT_EQ(back->nodes.size(), sm.tree().NodeCount());
  sm.tree().ForEachPreorder([&](const std::string& path, const tree::Node& n) {
    ASSERT_EQ(back->nodes.count(path), 1u) << path;
    const ZkNode& z = back->nodes.at(path);
    EXPECT_EQ(z.data.has_value(), n.has_data()) << path;
    if (n.has_data()) {
      EXPECT_EQ(*z.data, n.data()) << path;
    }
    EXPECT_EQ(z.acl, n.acl()) << path;
    const tree::PersistedStat& a = z.stat;
    EXPECT_TRUE(a.czxid == n.czxid && a.mzxid == n.mzxid && a.ctime == n.ctime &&
                a.mtime == n.mtime && a.version == n.version && a.cversion == n.cversion &&
                a.aversion == n.aversion && a.ephemeral_owner == n.ephemeral_owner &&
                a.pzxid == n.pzxid)
        << path;
  });
}

TEST_F(ZkExportTest, DroppedSessionsLeaveTheirEphemeralsOut) {
  ZkExportReport report;
  ASSERT_TRUE(WriteZooKeeperDataDir(dir_.string(), State(), true, &report).ok());
  EXPECT_EQ(report.ephemerals_dropped, 1u);
  Result<ZkImport> back = ReadZooKeeper(dir_.string());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->sessions.empty());
  EXPECT_EQ(back->nodes.count("/a/e"), 0u);
  EXPECT_EQ(back->nodes.count("/a"), 1u);
}

TEST_F(ZkExportTest, AVersion2DirectoryThatHoldsAnythingIsRefused) {
  fs::create_directories(dir_ / "version-2");
  std::ofstream(dir_ / "version-2" / "log.1") << "x";
  Status s = WriteZooKeeperDataDir(dir_.string(), State(), false, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not empty"), std::string::npos);
}

}  // namespace
}  // namespace paddock::datadir
