// ReadZooKeeper on ZooKeeper 3.8 files written here byte by byte (the layouts in zk_import.h):
// a snapshot and logs after it, replayed with ZooKeeper's rules, and damage named by file and
// offset. (compat/zk_import_test.py imports what a real ZooKeeper wrote.)
#include "datadir/zk_import.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "proto/codes.h"

namespace paddock::datadir {
namespace {

namespace fs = std::filesystem;

class Bytes {
 public:
  Bytes& Int(int32_t v) {
    for (int i = 3; i >= 0; i--) s_.push_back(static_cast<char>(static_cast<uint32_t>(v) >> (8 * i)));
    return *this;
  }
  Bytes& Long(int64_t v) {
    for (int i = 7; i >= 0; i--) s_.push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * i)));
    return *this;
  }
  Bytes& Bool(bool v) {
    s_.push_back(v ? '\1' : '\0');
    return *this;
  }
  Bytes& Str(const std::string& v) {
    Int(static_cast<int32_t>(v.size()));
    s_ += v;
    return *this;
  }
  Bytes& Null() { return Int(-1); }
  Bytes& Raw(const std::string& v) {
    s_ += v;
    return *this;
  }
  Bytes& OpenAcl() {
    Int(1).Int(31).Str("world").Str("anyone");
    return *this;
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

uint32_t Adler(const std::string& s) {
  return static_cast<uint32_t>(
      adler32(adler32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()),
              static_cast<uInt>(s.size())));
}

// A persisted stat: czxid, mzxid, ctime, mtime, version, cversion, aversion, owner, pzxid.
void Stat(Bytes& b, int64_t czxid, int64_t mzxid, int32_t version, int32_t cversion,
          int64_t owner, int64_t pzxid) {
  b.Long(czxid).Long(mzxid).Long(1000 + czxid).Long(1000 + mzxid).Int(version).Int(cversion)
      .Int(0).Long(owner).Long(pzxid);
}

struct Txn {
  int64_t session;
  int64_t zxid;
  int32_t type;
  std::string record;
};

std::string Record(const Txn& t) {
  Bytes p;
  p.Long(t.session).Int(1).Long(t.zxid).Long(5000 + t.zxid).Int(t.type).Raw(t.record);
  return p.str();
}

std::string Log(const std::vector<Txn>& txns, const std::string& tail = "") {
  Bytes b;
  b.Int(0x5A4B4C47).Int(2).Long(0);
  for (const Txn& t : txns) {
    std::string payload = Record(t);
    b.Long(Adler(payload)).Int(static_cast<int32_t>(payload.size())).Raw(payload).Raw("B");
  }
  b.Raw(tail);
  b.Raw(std::string(64, '\0'));  // preallocated zeros
  return b.str();
}

std::string Create(const std::string& path, const std::string& data, bool ephemeral,
                   int32_t parent_cversion) {
  Bytes r;
  r.Str(path).Str(data).OpenAcl().Bool(ephemeral).Int(parent_cversion);
  return r.str();
}

class ZkImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("paddock-zkimport-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "version-2");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / "version-2" / name, std::ios::binary) << bytes;
  }

  // Snapshot at zxid 0x10: sessions {0x5: 30000}; "/", "/zookeeper", "/a" (cversion 1) with
  // child "/a/x", and the ephemeral "/e" of session 0x5; ACL id 1 = digest-only.
  void WriteSnapshot(int64_t name_zxid = 0x10, bool damage = false) {
    Bytes b;
    b.Int(0x5A4B534E).Int(2).Long(-1);
    b.Int(1).Long(0x5).Int(30000);
    b.Int(1).Long(1).Int(1).Int(31).Str("digest").Str("u:hash");
    b.Str("").Null().Long(-1);
    Stat(b, 0, 0, 0, 3, 0, 0x9);
    b.Str("/zookeeper").Str("").Long(-1);
    Stat(b, 0, 0, 0, 0, 0, 0);
    b.Str("/a").Str("A").Long(1);
    Stat(b, 0x2, 0x3, 1, 1, 0, 0x4);
    b.Str("/a/x").Str("X").Long(-1);
    Stat(b, 0x4, 0x4, 0, 0, 0, 0x4);
    b.Str("/e").Str("E").Long(-1);
    Stat(b, 0x9, 0x9, 0, 0, 0x5, 0x9);
    b.Str("/");
    std::string body = b.str();
    uint32_t sum = Adler(body) + (damage ? 1 : 0);
    Bytes sealed;
    sealed.Raw(body).Long(sum).Str("/");
    char name[40];
    std::snprintf(name, sizeof(name), "snapshot.%llx", static_cast<unsigned long long>(name_zxid));
    Write(name, sealed.str());
  }

  Result<ZkImport> Read(bool drop = false) {
    ZkImportOptions o;
    o.drop_sessions = drop;
    return ReadZooKeeper(dir_.string(), o);
  }

  fs::path dir_;
};

TEST_F(ZkImportTest, TheSnapshotAloneGivesItsTreeSessionsAndStats) {
  WriteSnapshot();
  Result<ZkImport> r = Read();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->snapshot_zxid, 0x10);
  EXPECT_EQ(r->last_zxid, 0x10);
  ASSERT_EQ(r->nodes.size(), 5u);
  EXPECT_EQ(r->sessions.at(0x5), 30000);
  const ZkNode& a = r->nodes.at("/a");
  EXPECT_EQ(*a.data, "A");
  EXPECT_EQ(a.stat.mzxid, 0x3);
  EXPECT_EQ(a.stat.version, 1);
  EXPECT_EQ(a.stat.cversion, 1);  // stored: child creations
  ASSERT_EQ(a.acl.size(), 1u);
  EXPECT_EQ(a.acl[0].id.scheme, "digest");
  EXPECT_FALSE(r->nodes.at("/").data.has_value());  // the root's null data
  EXPECT_EQ(r->nodes.at("/").acl[0].id.id, "anyone");  // ACL id -1
  EXPECT_EQ(r->nodes.at("/e").stat.ephemeral_owner, 0x5);
}

TEST_F(ZkImportTest, LogsAfterTheSnapshotReplayWithZooKeepersRules) {
  WriteSnapshot();
  // log.1 starts before the snapshot: its txns up to 0x10 are in the snapshot already, and the
  // create of /a/x at 0x4 is not replayed again.
  Write("log.1", Log({{0x5, 0x4, 1, Create("/a/x", "X", false, 1)},
                      {0x5, 0x11, 5, Bytes().Str("/a").Str("A2").Int(2).str()},
                      {0x5, 0x12, 1, Create("/a/y", "Y", false, 2)}}));
  Bytes multi_ok;  // create /m, setData /a: both apply
  multi_ok.Int(2)
      .Int(1).Str(Create("/m", "M", false, 4))
      .Int(5).Str(Bytes().Str("/a").Str("A3").Int(3).str());
  Bytes multi_failed;  // a failed part: nothing applies
  multi_failed.Int(2)
      .Int(1).Str(Create("/n", "N", false, 5))
      .Int(-1).Str(Bytes().Int(-101).str());
  Bytes ttl;
  ttl.Str("/t").Str("T").OpenAcl().Int(6).Long(60000);
  Write("log.13", Log({{0x5, 0x13, 14, multi_ok.str()},
                       {0x5, 0x14, 14, multi_failed.str()},
                       {0x7, 0x15, -10, Bytes().Int(8000).str()},
                       {0x7, 0x16, 1, Create("/e7", "", true, 5)},
                       {0x5, 0x17, 21, ttl.str()},
                       {0x5, 0x18, 2, Bytes().Str("/a/x").str()},
                       {0x5, 0x19, -11, Bytes().Int(1).Str("/e").str()}}));
  Result<ZkImport> r = Read();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->last_zxid, 0x19);
  EXPECT_EQ(r->txns_replayed, 9);
  const ZkNode& a = r->nodes.at("/a");
  EXPECT_EQ(*a.data, "A3");
  EXPECT_EQ(a.stat.version, 3);
  EXPECT_EQ(a.stat.mzxid, 0x13);
  EXPECT_EQ(a.stat.mtime, 5000 + 0x13);
  EXPECT_EQ(a.stat.cversion, 2);  // /a/y created; the delete of /a/x does not count
  EXPECT_EQ(a.stat.pzxid, 0x18);  // the delete moved it
  EXPECT_EQ(r->nodes.count("/a/x"), 0u);
  EXPECT_EQ(r->nodes.at("/a/y").stat.czxid, 0x12);
  EXPECT_EQ(r->nodes.count("/m"), 1u);
  EXPECT_EQ(r->nodes.count("/n"), 0u);
  EXPECT_EQ(static_cast<uint64_t>(r->nodes.at("/t").stat.ephemeral_owner),
            proto::kTtlOwnerMask | 60000u);
  // Session 5 closed: its ephemeral /e went; session 7 lives with its /e7.
  EXPECT_EQ(r->sessions.count(0x5), 0u);
  EXPECT_EQ(r->sessions.at(0x7), 8000);
  EXPECT_EQ(r->nodes.count("/e"), 0u);
  EXPECT_EQ(r->nodes.at("/e7").stat.ephemeral_owner, 0x7);
  EXPECT_EQ(r->nodes.at("/").stat.cversion, 6);
}

TEST_F(ZkImportTest, DroppedSessionsTakeTheirEphemeralsWithThem) {
  WriteSnapshot();
  Result<ZkImport> r = Read(/*drop=*/true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->sessions.empty());
  EXPECT_EQ(r->nodes.count("/e"), 0u);
  EXPECT_EQ(r->ephemerals_of_dead_sessions, 1);
  EXPECT_EQ(r->nodes.at("/").stat.pzxid, 0x10);  // deleted at the last zxid
}

TEST_F(ZkImportTest, ACreateTheFuzzySnapshotHoldsStillMovesTheParentsCversion) {
  WriteSnapshot();
  // /a/x is in the snapshot, but /a's stat was serialized before its create (cversion 1 there
  // says one child was created; the log says this create made it 2).
  Write("log.11", Log({{0x5, 0x11, 1, Create("/a/x", "X", false, 2)}}));
  Result<ZkImport> r = Read();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes.at("/a").stat.cversion, 2);
  EXPECT_EQ(r->nodes.at("/a").stat.pzxid, 0x11);
  EXPECT_EQ(r->nodes.at("/a/x").stat.czxid, 0x4);  // the node itself is the snapshot's
}

TEST_F(ZkImportTest, ATornLastRecordIsDroppedAndTheRestApplies) {
  WriteSnapshot();
  std::string torn = Record({0x5, 0x12, 1, Create("/b", "", false, 5)});
  Bytes tail;
  tail.Long(Adler(torn)).Int(static_cast<int32_t>(torn.size())).Raw(torn.substr(0, 10));
  std::string log = Log({{0x5, 0x11, 1, Create("/c", "", false, 4)}});
  log.resize(log.size() - 64);  // no preallocated zeros: the torn record is the file's end
  Write("log.11", log + tail.str());
  Result<ZkImport> r = Read();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes.count("/c"), 1u);
  EXPECT_EQ(r->nodes.count("/b"), 0u);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("partial"), std::string::npos);
}

TEST_F(ZkImportTest, ADamagedRecordIsRefusedNamingTheFileAndOffset) {
  WriteSnapshot();
  std::string log = Log({{0x5, 0x11, 1, Create("/c", "", false, 4)},
                         {0x5, 0x12, 1, Create("/d", "", false, 5)}});
  size_t second = 16 + 12 + Record({0x5, 0x11, 1, Create("/c", "", false, 4)}).size() + 1;
  log[second + 12 + 20] ^= 0x40;  // inside the second record's payload
  Write("log.11", log);
  Result<ZkImport> r = Read();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("log.11"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("offset " + std::to_string(second)), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos);
}

TEST_F(ZkImportTest, ADamagedNewestSnapshotFallsBackToTheOlderOneAndSaysSo) {
  WriteSnapshot(0x10, /*damage=*/true);
  // An older, good snapshot (named 0x8) and a log that covers the gap.
  fs::rename(dir_ / "version-2" / "snapshot.10", dir_ / "version-2" / "snapshot.10.bad");
  WriteSnapshot(0x10);
  fs::rename(dir_ / "version-2" / "snapshot.10", dir_ / "version-2" / "snapshot.8");
  fs::rename(dir_ / "version-2" / "snapshot.10.bad", dir_ / "version-2" / "snapshot.10");
  Result<ZkImport> r = Read();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->snapshot_zxid, 0x8);
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings[0].find("snapshot.10"), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[0].find("checksum"), std::string::npos) << r->warnings[0];
}

TEST_F(ZkImportTest, NoSnapshotOrNoDirectoryIsAClearError) {
  Result<ZkImport> r = Read();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no snapshot"), std::string::npos) << r.status().message();
  Result<ZkImport> missing = ReadZooKeeper((dir_ / "nowhere").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace paddock::datadir
