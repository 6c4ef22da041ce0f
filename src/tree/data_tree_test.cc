// Proves that DataTree starts as ZooKeeper's initial tree and keeps every Stat field the way
// ZooKeeper does (reference §8): the fresh tree's four nodes with their exact stats as a client
// sees them; stat maintenance by create, delete, setData and setACL, including the derived client
// cversion (2 * stored - numChildren) and the rule that a delete only ever raises pzxid; the
// ephemeral, container and TTL indexes; DescendantCount; the preorder visit that snapshots rely
// on; and restore. Each test builds a fresh tree and applies mutations with explicit zxids and
// times, then reads nodes back through Find and Node::ClientStat.
#include "tree/data_tree.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tree/path.h"

namespace paddock::tree {
namespace {

using proto::Acl;
using proto::AclList;
using proto::Stat;

constexpr int64_t kSession = 0x0100000000000001;
constexpr int64_t kOtherSession = 0x0200000000000007;

AclList Open() { return {{proto::perms::kAll, {"world", "anyone"}}}; }
AclList ReadOnly() { return {{proto::perms::kRead, {"world", "anyone"}}}; }

Stat StatOf(const DataTree& t, const std::string& path) {
  const Node* n = t.Find(path);
  EXPECT_NE(n, nullptr) << path;
  return n == nullptr ? Stat{} : n->ClientStat();
}

// Creates a persistent child, bumping the parent's stored cversion by one as prep would.
void CreateChild(DataTree& t, const std::string& path, int64_t zxid, int64_t owner = 0) {
  const Node* parent = t.Find(ParentOf(path));
  ASSERT_NE(parent, nullptr) << path;
  t.Create(path, std::string("d"), Open(), owner, parent->cversion + 1, zxid, 1000 + zxid);
}

std::vector<std::string> Preorder(const DataTree& t) {
  std::vector<std::string> out;
  t.ForEachPreorder([&out](const std::string& p, const Node&) { out.push_back(p); });
  return out;
}

// The initial tree (reference §8.2).

TEST(InitialTree, HoldsExactlyTheRootAndTheThreeZookeeperNodes) {
  DataTree t;
  EXPECT_EQ(t.NodeCount(), 4u);
  EXPECT_NE(t.Find("/"), nullptr);
  EXPECT_NE(t.Find("/zookeeper"), nullptr);
  EXPECT_NE(t.Find("/zookeeper/quota"), nullptr);
  EXPECT_NE(t.Find("/zookeeper/config"), nullptr);
}

TEST(InitialTree, RootHasAnAllZeroStatExceptCversionMinusOneAndOneChild) {
  DataTree t;
  Stat expected;
  expected.cversion = -1;  // one child that was never "created": 2 * 0 - 1
  expected.num_children = 1;
  EXPECT_EQ(StatOf(t, "/"), expected);
}

TEST(InitialTree, RootDataIsEmptyNotNullAndItsAclIsOpen) {
  DataTree t;
  const Node* root = t.Find("/");
  ASSERT_TRUE(root->has_data());
  EXPECT_EQ(root->data(), "");
  EXPECT_EQ(root->acl(), Open());
}

TEST(InitialTree, ZookeeperNodeShowsCversionMinusTwoWithTwoChildren) {
  DataTree t;
  Stat expected;
  expected.cversion = -2;
  expected.num_children = 2;
  EXPECT_EQ(StatOf(t, "/zookeeper"), expected);
  EXPECT_EQ(t.Find("/zookeeper")->acl(), Open());
}

TEST(InitialTree, QuotaNodeHasAnAllZeroStatAndAnOpenAcl) {
  DataTree t;
  EXPECT_EQ(StatOf(t, "/zookeeper/quota"), Stat{});
  EXPECT_EQ(t.Find("/zookeeper/quota")->acl(), Open());
  EXPECT_EQ(t.Find("/zookeeper/quota")->DataBuffer(), std::string());
}

TEST(InitialTree, ConfigNodeIsWorldReadableOnlyWithAversionMinusOne) {
  DataTree t;
  Stat expected;
  expected.aversion = -1;  // ZooKeeper sets its ACL with version -1
  EXPECT_EQ(StatOf(t, "/zookeeper/config"), expected);
  EXPECT_EQ(t.Find("/zookeeper/config")->acl(), ReadOnly());
  EXPECT_EQ(t.Find("/zookeeper/config")->DataBuffer(), std::string());
}

TEST(InitialTree, HasNoEphemeralsContainersOrTtlNodes) {
  DataTree t;
  EXPECT_TRUE(t.ephemerals().empty());
  EXPECT_EQ(t.EphemeralCount(), 0u);
  EXPECT_TRUE(t.containers().empty());
  EXPECT_TRUE(t.ttls().empty());
}

TEST(InitialTree, FindsTheRootUnderTheEmptyPathAsZooKeeperDoes) {
  DataTree t;
  EXPECT_EQ(t.Find(""), t.Find("/"));
}

TEST(InitialTree, FindReturnsNullForAMissingPath) {
  DataTree t;
  EXPECT_EQ(t.Find("/missing"), nullptr);
  EXPECT_EQ(t.Find("/zookeeper/missing"), nullptr);
}

TEST(InitialTree, ApproximateDataSizeCountsPathBytes) {
  DataTree t;
  // "/" + "/zookeeper" + "/zookeeper/quota" + "/zookeeper/config", all data empty.
  EXPECT_EQ(t.ApproximateDataSize(), 1 + 10 + 16 + 17);
}

// Create.

TEST(Create, StampsTheNewNodeWithTheTxnZxidAndTime) {
  DataTree t;
  t.Create("/a", std::string("hello"), ReadOnly(), 0, 1, 7, 123456);
  Stat s = StatOf(t, "/a");
  EXPECT_EQ(s.czxid, 7);
  EXPECT_EQ(s.mzxid, 7);
  EXPECT_EQ(s.pzxid, 7);
  EXPECT_EQ(s.ctime, 123456);
  EXPECT_EQ(s.mtime, 123456);
  EXPECT_EQ(s.version, 0);
  EXPECT_EQ(s.cversion, 0);
  EXPECT_EQ(s.aversion, 0);
  EXPECT_EQ(s.ephemeral_owner, 0);
  EXPECT_EQ(s.data_length, 5);
  EXPECT_EQ(s.num_children, 0);
  EXPECT_EQ(t.Find("/a")->DataBuffer(), "hello");
  EXPECT_EQ(t.Find("/a")->acl(), ReadOnly());
}

TEST(Create, SetsTheParentsStoredCversionAndPzxidButNotItsMzxid) {
  DataTree t;
  CreateChild(t, "/a", 5);
  t.Create("/a/b", std::nullopt, Open(), 0, 1, 9, 0);
  const Node* a = t.Find("/a");
  EXPECT_EQ(a->cversion, 1);
  EXPECT_EQ(a->pzxid, 9);
  EXPECT_EQ(a->mzxid, 5);
  EXPECT_TRUE(t.HasChild(*a, "b"));
  EXPECT_EQ(a->num_children(), 1);
}

TEST(Create, ClientCversionOfTheParentCountsCreatesWhileChildrenLive) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/x", 2);
  CreateChild(t, "/a/y", 3);
  // Stored 2, two children: 2 * 2 - 2 = 2.
  EXPECT_EQ(StatOf(t, "/a").cversion, 2);
  EXPECT_EQ(StatOf(t, "/a").num_children, 2);
}

TEST(Create, KeepsNullDataDistinctFromEmptyData) {
  DataTree t;
  t.Create("/null", std::nullopt, Open(), 0, 1, 1, 0);
  t.Create("/empty", std::string(), Open(), 0, 2, 2, 0);
  EXPECT_FALSE(t.Find("/null")->has_data());
  EXPECT_TRUE(t.Find("/empty")->has_data());
  EXPECT_EQ(StatOf(t, "/null").data_length, 0);
  EXPECT_EQ(StatOf(t, "/empty").data_length, 0);
}

TEST(Create, OfAnEphemeralIndexesItUnderItsSession) {
  DataTree t;
  CreateChild(t, "/e2", 1, kSession);
  CreateChild(t, "/e1", 2, kSession);
  CreateChild(t, "/other", 3, kOtherSession);
  EXPECT_EQ(t.EphemeralsOf(kSession), (std::vector<std::string>{"/e1", "/e2"}));
  EXPECT_EQ(t.EphemeralsOf(kOtherSession), (std::vector<std::string>{"/other"}));
  EXPECT_EQ(t.EphemeralCount(), 3u);
  EXPECT_EQ(t.ephemerals().size(), 2u);
}

TEST(Create, OfAnEphemeralReportsTheSessionAsEphemeralOwner) {
  DataTree t;
  CreateChild(t, "/e", 1, kSession);
  EXPECT_EQ(StatOf(t, "/e").ephemeral_owner, kSession);
  EXPECT_TRUE(t.Find("/e")->IsSessionEphemeral());
}

TEST(Create, OfAContainerIndexesItAndReportsOwnerZero) {
  DataTree t;
  CreateChild(t, "/c", 1, proto::kContainerOwner);
  const Node* c = t.Find("/c");
  EXPECT_TRUE(c->IsContainer());
  EXPECT_FALSE(c->IsSessionEphemeral());
  EXPECT_EQ(c->ephemeral_owner, proto::kContainerOwner);
  EXPECT_EQ(StatOf(t, "/c").ephemeral_owner, 0);
  EXPECT_EQ(t.containers(), (std::set<std::string>{"/c"}));
  EXPECT_TRUE(t.ephemerals().empty());
}

TEST(Create, OfATtlNodeIndexesItAndReportsOwnerZero) {
  DataTree t;
  CreateChild(t, "/t", 1, TtlOwner(5000));
  const Node* n = t.Find("/t");
  EXPECT_TRUE(n->IsTtl());
  EXPECT_FALSE(n->IsSessionEphemeral());
  EXPECT_EQ(n->TtlMs(), 5000);
  EXPECT_EQ(StatOf(t, "/t").ephemeral_owner, 0);
  EXPECT_EQ(t.ttls(), (std::set<std::string>{"/t"}));
  EXPECT_TRUE(t.ephemerals().empty());
}

TEST(TtlOwner, PutsTheMarkerByteOnTopOfTheTtl) {
  EXPECT_EQ(static_cast<uint64_t>(TtlOwner(1)), 0xFF00000000000001ULL);
  EXPECT_EQ(static_cast<uint64_t>(TtlOwner(proto::kTtlMaxMs)), 0xFF0000FFFFFFFFFFULL);
  Node n;
  n.ephemeral_owner = TtlOwner(proto::kTtlMaxMs);
  EXPECT_EQ(n.TtlMs(), proto::kTtlMaxMs);
}

// Delete.

TEST(Delete, RemovesTheNodeAndItsNameFromTheParent) {
  DataTree t;
  CreateChild(t, "/a", 1);
  t.Delete("/a", 2);
  EXPECT_EQ(t.Find("/a"), nullptr);
  EXPECT_FALSE(t.HasChild(*t.Find("/"), "a"));
  EXPECT_EQ(t.NodeCount(), 4u);
}

TEST(Delete, RaisesTheParentsPzxidToTheTxnZxid) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/b", 2);
  t.Delete("/a/b", 10);
  EXPECT_EQ(t.Find("/a")->pzxid, 10);
}

TEST(Delete, NeverLowersTheParentsPzxid) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/b", 2);
  CreateChild(t, "/a/c", 20);
  t.Delete("/a/b", 15);  // e.g. a replayed older txn
  EXPECT_EQ(t.Find("/a")->pzxid, 20);
}

TEST(Delete, LeavesTheStoredCversionSoTheClientCversionCountsTheDelete) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/x", 2);
  CreateChild(t, "/a/y", 3);
  t.Delete("/a/x", 4);
  EXPECT_EQ(t.Find("/a")->cversion, 2);
  // Two creates and one delete: 2 * 2 - 1 = 3.
  EXPECT_EQ(StatOf(t, "/a").cversion, 3);
}

TEST(Delete, ClientCversionWrapsLikeAJavaInt) {
  DataTree t;
  CreateChild(t, "/a", 1);
  t.Create("/a/x", std::nullopt, Open(), 0, INT32_MAX, 2, 0);
  t.Delete("/a/x", 3);
  EXPECT_EQ(StatOf(t, "/a").cversion, -2);  // 2 * 2147483647 in 32 bits
}

TEST(Delete, OfAnEphemeralRemovesItFromItsSessionIndex) {
  DataTree t;
  CreateChild(t, "/e1", 1, kSession);
  CreateChild(t, "/e2", 2, kSession);
  t.Delete("/e1", 3);
  EXPECT_EQ(t.EphemeralsOf(kSession), (std::vector<std::string>{"/e2"}));
  t.Delete("/e2", 4);
  EXPECT_TRUE(t.EphemeralsOf(kSession).empty());
  EXPECT_EQ(t.ephemerals().count(kSession), 0u);
  EXPECT_EQ(t.EphemeralCount(), 0u);
}

TEST(Delete, OfAContainerOrTtlNodeRemovesItFromItsIndex) {
  DataTree t;
  CreateChild(t, "/c", 1, proto::kContainerOwner);
  CreateChild(t, "/t", 2, TtlOwner(100));
  t.Delete("/c", 3);
  t.Delete("/t", 4);
  EXPECT_TRUE(t.containers().empty());
  EXPECT_TRUE(t.ttls().empty());
}

TEST(DeleteDeathTest, OfANodeWithChildrenIsAProgrammerError) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/b", 2);
  EXPECT_DEATH(t.Delete("/a", 3), "");
}

TEST(CreateDeathTest, OfAnExistingNodeIsAProgrammerError) {
  DataTree t;
  CreateChild(t, "/a", 1);
  EXPECT_DEATH(t.Create("/a", std::nullopt, Open(), 0, 9, 2, 0), "");
}

// SetData and SetAcl.

TEST(SetData, ChangesDataVersionMzxidAndMtimeOnly) {
  DataTree t;
  t.Create("/a", std::string("old"), Open(), 0, 1, 3, 100);
  t.SetData("/a", std::string("newer"), 1, 8, 200);
  Stat s = StatOf(t, "/a");
  EXPECT_EQ(t.Find("/a")->DataBuffer(), "newer");
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.mzxid, 8);
  EXPECT_EQ(s.mtime, 200);
  EXPECT_EQ(s.czxid, 3);
  EXPECT_EQ(s.ctime, 100);
  EXPECT_EQ(s.pzxid, 3);
  EXPECT_EQ(s.data_length, 5);
}

TEST(SetData, CanStoreNullData) {
  DataTree t;
  CreateChild(t, "/a", 1);
  t.SetData("/a", std::nullopt, 1, 2, 0);
  EXPECT_FALSE(t.Find("/a")->has_data());
  EXPECT_EQ(StatOf(t, "/a").data_length, 0);
}

TEST(SetAcl, ChangesAclAndAversionButNotMzxid) {
  DataTree t;
  CreateChild(t, "/a", 4);
  t.SetAcl("/a", ReadOnly(), 1);
  EXPECT_EQ(t.Find("/a")->acl(), ReadOnly());
  EXPECT_EQ(StatOf(t, "/a").aversion, 1);
  EXPECT_EQ(StatOf(t, "/a").mzxid, 4);
  EXPECT_EQ(StatOf(t, "/a").version, 0);
}

// Queries.

TEST(DescendantCount, OfTheRootOfAFreshTreeIsThree) {
  DataTree t;
  EXPECT_EQ(t.DescendantCount("/"), 3);
}

TEST(DescendantCount, CountsEveryLevelBelowThePathButNotThePath) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/b", 2);
  CreateChild(t, "/a/b/c", 3);
  CreateChild(t, "/a/d", 4);
  EXPECT_EQ(t.DescendantCount("/a"), 3);
  EXPECT_EQ(t.DescendantCount("/a/b"), 1);
  EXPECT_EQ(t.DescendantCount("/a/d"), 0);
  EXPECT_EQ(t.DescendantCount("/"), 7);
}

TEST(ForEachPreorder, VisitsAFreshTreeRootFirstThenChildrenInCreationOrder) {
  DataTree t;
  EXPECT_EQ(Preorder(t), (std::vector<std::string>{"/", "/zookeeper", "/zookeeper/quota",
                                                   "/zookeeper/config"}));
}

TEST(ForEachPreorder, VisitsEachSubtreeCompletelyBeforeTheNextSibling) {
  DataTree t;
  CreateChild(t, "/b", 1);
  CreateChild(t, "/a", 2);
  CreateChild(t, "/a/y", 3);
  CreateChild(t, "/a/x", 4);
  CreateChild(t, "/a/x/1", 5);
  EXPECT_EQ(Preorder(t),
            (std::vector<std::string>{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config",
                                      "/b", "/a", "/a/y", "/a/x", "/a/x/1"}));
  // A deleted child leaves its siblings' order as it was; a new one goes last.
  t.Delete("/a/y", 6);
  CreateChild(t, "/a/w", 7);
  EXPECT_EQ(Preorder(t),
            (std::vector<std::string>{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config",
                                      "/b", "/a", "/a/x", "/a/x/1", "/a/w"}));
}

TEST(ForEachPreorder, VisitsEveryNodeOnce) {
  DataTree t;
  CreateChild(t, "/a", 1);
  CreateChild(t, "/a/b", 2);
  EXPECT_EQ(Preorder(t).size(), t.NodeCount());
}

// Restore.

TEST(Restore, RebuildsChildrenAndIndexesFromNodesGivenParentsFirst) {
  DataTree source;
  CreateChild(source, "/a", 1);
  CreateChild(source, "/a/e", 2, kSession);
  CreateChild(source, "/c", 3, proto::kContainerOwner);
  CreateChild(source, "/t", 4, TtlOwner(60));
  DataTree copy;
  copy.ClearForRestore();
  EXPECT_EQ(copy.NodeCount(), 0u);
  source.ForEachPreorder([&copy](const std::string& p, const Node& n) {
    std::optional<std::string_view> data;
    if (n.has_data()) data = n.data();
    EXPECT_EQ(copy.InsertForRestore(p, data, n.acl(), n), DataTree::RestoreResult::kOk);
  });
  // A second copy of a node, a second root, or an orphan is refused, the tree unchanged.
  EXPECT_EQ(copy.InsertForRestore("/a/e", std::nullopt, Open(), {}),
            DataTree::RestoreResult::kDuplicate);
  EXPECT_EQ(copy.InsertForRestore("/", std::nullopt, Open(), {}),
            DataTree::RestoreResult::kDuplicate);
  EXPECT_EQ(copy.InsertForRestore("/nope/x", std::nullopt, Open(), {}),
            DataTree::RestoreResult::kNoParent);
  EXPECT_EQ(copy.NodeCount(), source.NodeCount());
  EXPECT_EQ(Preorder(copy), Preorder(source));
  EXPECT_EQ(copy.ChildrenOf(*copy.Find("/a")), source.ChildrenOf(*source.Find("/a")));
  EXPECT_EQ(copy.ApproximateDataSize(), source.ApproximateDataSize());
  EXPECT_EQ(copy.AclCount(), source.AclCount());
  EXPECT_EQ(StatOf(copy, "/a"), StatOf(source, "/a"));
  EXPECT_EQ(StatOf(copy, "/"), StatOf(source, "/"));
  EXPECT_EQ(copy.EphemeralsOf(kSession), (std::vector<std::string>{"/a/e"}));
  EXPECT_EQ(copy.containers(), source.containers());
  EXPECT_EQ(copy.ttls(), source.ttls());
}

TEST(Restore, ClearForRestoreForgetsEveryIndex) {
  DataTree t;
  CreateChild(t, "/e", 1, kSession);
  CreateChild(t, "/c", 2, proto::kContainerOwner);
  t.ClearForRestore();
  EXPECT_EQ(t.NodeCount(), 0u);
  EXPECT_TRUE(t.ephemerals().empty());
  EXPECT_TRUE(t.containers().empty());
}

// The compact layout: records reused, lookup table under churn, ACLs interned.

TEST(Layout, ChildrenOfListsNamesSortedWhateverTheCreationOrder) {
  DataTree t;
  CreateChild(t, "/p", 1);
  for (const char* name : {"m", "b", "z", "a"}) CreateChild(t, std::string("/p/") + name, 2);
  EXPECT_EQ(t.ChildrenOf(*t.Find("/p")), (std::vector<std::string>{"a", "b", "m", "z"}));
  EXPECT_EQ(t.ChildrenOf(*t.Find("/p/a")), std::vector<std::string>{});
}

TEST(Layout, SameNameUnderDifferentParentsAreDifferentNodes) {
  DataTree t;
  CreateChild(t, "/x", 1);
  CreateChild(t, "/y", 2);
  t.Create("/x/n", std::string("under x"), Open(), 0, 1, 3, 0);
  t.Create("/y/n", std::string("under y"), Open(), 0, 1, 4, 0);
  EXPECT_EQ(t.Find("/x/n")->data(), "under x");
  EXPECT_EQ(t.Find("/y/n")->data(), "under y");
  EXPECT_EQ(t.Find("/x/n/"), nullptr);
  EXPECT_EQ(t.Find("x/n"), nullptr);
  EXPECT_EQ(t.Find("/x//n"), nullptr);
}

// Random creates and deletes at three levels, checked against a plain map of path to data after
// every step: Find, data, child counts and names, NodeCount and ApproximateDataSize. Deletes
// shuffle runs in the lookup table (backward shift) and free records that later creates reuse.
TEST(Layout, StaysConsistentWithAReferenceMapUnderRandomChurn) {
  DataTree t;
  std::map<std::string, std::string> ref;  // created paths only
  uint64_t seed = 42;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  };
  auto parent_of = [](const std::string& p) { return std::string(ParentOf(p)); };
  int64_t zxid = 1;
  for (int step = 0; step < 6000; step++) {
    std::string path = "/n";
    path.append(std::to_string(next() % 8));
    if (next() % 2 == 0) path.append("/c").append(std::to_string(next() % 40));
    if (next() % 3 == 0) path.append("/g").append(std::to_string(next() % 5));
    bool exists = ref.count(path) != 0;
    std::string parent = parent_of(path);
    bool parent_ok = parent == "/" || ref.count(parent) != 0;
    if (!exists && parent_ok) {
      std::string data = std::to_string(step);
      const Node* p = t.Find(parent);
      ASSERT_NE(p, nullptr);
      t.Create(path, data, Open(), 0, p->cversion + 1, zxid++, 0);
      ref[path] = data;
    } else if (exists) {
      bool has_children = false;
      std::string prefix = path;
      prefix.push_back('/');
      auto it = ref.upper_bound(prefix);
      has_children = it != ref.end() && it->first.starts_with(prefix);
      if (!has_children) {
        t.Delete(path, zxid++);
        ref.erase(path);
      }
    }
    if (step % 500 != 499) continue;
    ASSERT_EQ(t.NodeCount(), ref.size() + 4);
    int64_t size = 1 + 10 + 16 + 17;
    for (const auto& [p, d] : ref) {
      const Node* n = t.Find(p);
      ASSERT_NE(n, nullptr) << p;
      EXPECT_EQ(n->data(), d) << p;
      size += static_cast<int64_t>(p.size() + d.size());
      std::vector<std::string> names;
      std::string prefix = p;
      prefix.push_back('/');
      for (auto c = ref.upper_bound(prefix); c != ref.end() && c->first.starts_with(prefix); ++c) {
        if (c->first.find('/', p.size() + 1) == std::string::npos) {
          names.push_back(c->first.substr(p.size() + 1));
        }
      }
      EXPECT_EQ(t.ChildrenOf(*n), names) << p;
      EXPECT_EQ(n->num_children(), static_cast<int32_t>(names.size())) << p;
    }
    EXPECT_EQ(t.ApproximateDataSize(), size);
    EXPECT_EQ(Preorder(t).size(), t.NodeCount());
  }
}

// Blobs over the arena's small classes are malloc'd: set, replaced both ways, deleted, and the
// rest freed with the tree (under ASan a leak or a bad free fails the test).
TEST(Layout, KeepsBigDataIntactThroughSetDataDeleteAndDestruction) {
  std::string big(5000, 'b');
  std::string bigger(70000, 'B');
  {
    DataTree t;
    t.Create("/big", big, Open(), 0, 1, 1, 0);
    t.Create("/small", std::string("s"), Open(), 0, 2, 2, 0);
    t.Create("/gone", bigger, Open(), 0, 3, 3, 0);
    EXPECT_EQ(t.Find("/big")->data(), big);
    t.SetData("/small", bigger, 1, 4, 0);  // small -> big
    t.SetData("/big", std::string("tiny"), 1, 5, 0);  // big -> small
    t.Delete("/gone", 6);
    EXPECT_EQ(t.Find("/small")->data(), bigger);
    EXPECT_EQ(t.Find("/big")->data(), "tiny");
    EXPECT_EQ(StatOf(t, "/small").data_length, 70000);
    t.Create("/kept", big, Open(), 0, 4, 7, 0);  // freed by the destructor
    DataTree moved = std::move(t);
    EXPECT_EQ(moved.Find("/kept")->data(), big);
    moved.ClearForRestore();
    EXPECT_EQ(moved.NodeCount(), 0u);
    EXPECT_EQ(moved.InsertForRestore("/", std::string_view(big), Open(), {}),
              DataTree::RestoreResult::kOk);
  }
}

TEST(Layout, KeepsOneCopyOfEachDistinctAclAndDropsItWithItsLastNode) {
  DataTree t;
  size_t initial = t.AclCount();  // open and read-only
  EXPECT_EQ(initial, 2u);
  AclList alice = {{proto::perms::kAll, {"digest", "alice:hash"}}};
  t.Create("/a", std::string(), alice, 0, 1, 1, 0);
  t.Create("/b", std::string(), alice, 0, 2, 2, 0);
  EXPECT_EQ(t.AclCount(), initial + 1);
  EXPECT_EQ(t.Find("/b")->acl(), alice);
  t.SetAcl("/a", Open(), 1);
  EXPECT_EQ(t.AclCount(), initial + 1);
  EXPECT_EQ(t.Find("/a")->acl(), Open());
  t.Delete("/b", 3);
  EXPECT_EQ(t.AclCount(), initial);
  // An ACL that differs in one field is a different ACL.
  t.SetAcl("/a", {{proto::perms::kAll, {"digest", "alice:hasi"}}}, 2);
  EXPECT_EQ(t.AclCount(), initial + 1);
  EXPECT_EQ(t.Find("/zookeeper")->acl(), Open());
}

TEST(Layout, AMovedTreeKeepsItsNodesAndTheSourceIsEmpty) {
  DataTree source;
  CreateChild(source, "/a", 1);
  CreateChild(source, "/a/b", 2, kSession);
  DataTree moved = std::move(source);
  EXPECT_EQ(moved.NodeCount(), 6u);
  EXPECT_EQ(moved.Find("/a/b")->data(), "d");
  EXPECT_EQ(moved.EphemeralsOf(kSession), (std::vector<std::string>{"/a/b"}));
  EXPECT_EQ(source.NodeCount(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.Find("/"), nullptr);
  DataTree other;
  other = std::move(moved);
  EXPECT_EQ(other.Find("/a")->num_children(), 1);
}

}  // namespace
}  // namespace paddock::tree
