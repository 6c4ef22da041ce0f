// WriteDataDir then ReadDataDir through libraft's disk backend: the state comes back whole, with
// its voters, and a directory in use is never overwritten.
#include "datadir/data_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace paddock::datadir {
namespace {

namespace fs = std::filesystem;

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("paddock-datadir-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string State() {
    tree::DataTree t;
    proto::AclList open = {{proto::perms::kAll, {"world", "anyone"}}};
    t.Create("/a", proto::Buffer(std::string("hello")), open, 0, 1, 0x100000002, 1000);
    t.Create("/a/e", proto::Buffer(std::string("x")), open, 0x77, 1, 0x100000003, 1001);
    session::SessionTable sessions;
    sessions.Restore(0x77, {30000, 0, 0});
    statemachine::StateMachine sm;
    sm.ReplaceState(std::move(t), std::move(sessions), 0x100000003, std::string(32, 's'));
    return sm.Snapshot();
  }

  fs::path dir_;
};

TEST_F(DataDirTest, AWrittenStateReadsBackWithItsVoters) {
  Voters voters = {{1, "zk-a:2888"}, {2, "zk-b:2888"}, {3, "[::1]:2890"}};
  ASSERT_TRUE(WriteDataDir((dir_ / "raft").string(), voters, State()).ok());
  statemachine::StateMachine sm;
  DataDirContents c;
  Status s = ReadDataDir((dir_ / "raft").string(), &sm, &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.snapshot_index, 1u);
  EXPECT_EQ(c.snapshot_term, 1u);
  EXPECT_EQ(c.voters, voters);
  EXPECT_EQ(c.entries, 0u);
  EXPECT_EQ(sm.last_zxid(), 0x100000003);
  EXPECT_EQ(sm.tree().NodeCount(), 6u);  // "/", /zookeeper, its quota and config, and two
  ASSERT_NE(sm.tree().Find("/a/e"), nullptr);
  EXPECT_EQ(sm.tree().Find("/a/e")->ephemeral_owner, 0x77);
  EXPECT_EQ(sm.sessions().Find(0x77)->timeout_ms, 30000);
  EXPECT_EQ(sm.secret(), std::string(32, 's'));
}

TEST_F(DataDirTest, ADirectoryThatHoldsAnythingIsNotWrittenInto) {
  fs::create_directories(dir_ / "raft");
  std::ofstream(dir_ / "raft" / "metadata1") << "x";
  Status s = WriteDataDir((dir_ / "raft").string(), StandaloneVoters(), State());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not empty"), std::string::npos) << s.message();
  EXPECT_EQ(fs::file_size(dir_ / "raft" / "metadata1"), 1u);
}

TEST_F(DataDirTest, ADamagedSnapshotIsRefusedOnRead) {
  ASSERT_TRUE(WriteDataDir((dir_ / "raft").string(), StandaloneVoters(), State()).ok());
  for (const auto& e : fs::directory_iterator(dir_ / "raft")) {
    std::string name = e.path().filename().string();
    if (name.rfind("snapshot-", 0) == 0 && name.find(".meta") == std::string::npos) {
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(e.path()) / 2));
      f.put('\x5a');
    }
  }
  statemachine::StateMachine sm;
  DataDirContents c;
  Status s = ReadDataDir((dir_ / "raft").string(), &sm, &c);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace paddock::datadir
