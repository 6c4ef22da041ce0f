// Proves the client's watch dispatch rules (see watch_registry.h): which tables an event
// consumes, that one-shot watchers fire once, that persistent ones stay, that recursive ones
// match descendants but not child-list changes, and removal by watcher type.
#include "client/watch_registry.h"

#include <gtest/gtest.h>

namespace paddock::client {
namespace {

using K = WatchRegistry::Kind;

struct Counter {
  int n = 0;
  Watcher Fn() {
    return [this](const WatchEvent&) { n++; };
  }
};

int Fire(WatchRegistry& r, EventType t, const std::string& p) {
  auto ws = r.Take(t, p);
  for (auto& w : ws) w(WatchEvent{t, p});
  return static_cast<int>(ws.size());
}

TEST(WatchRegistry, DataChangeConsumesDataAndExistWatchersOnce) {
  WatchRegistry r;
  Counter c;
  r.Add(K::kData, "/a", c.Fn());
  r.Add(K::kExist, "/a", c.Fn());
  r.Add(K::kChild, "/a", c.Fn());
  EXPECT_EQ(Fire(r, EventType::kNodeDataChanged, "/a"), 2);
  EXPECT_EQ(Fire(r, EventType::kNodeDataChanged, "/a"), 0);
  EXPECT_EQ(c.n, 2);
  EXPECT_EQ(Fire(r, EventType::kNodeChildrenChanged, "/a"), 1);
}

TEST(WatchRegistry, DeletionConsumesEveryOneShotTable) {
  WatchRegistry r;
  Counter c;
  r.Add(K::kData, "/a", c.Fn());
  r.Add(K::kChild, "/a", c.Fn());
  EXPECT_EQ(Fire(r, EventType::kNodeDeleted, "/a"), 2);
  EXPECT_TRUE(r.empty());
}

TEST(WatchRegistry, PersistentStaysAndRecursiveMatchesDescendantsButNotChildLists) {
  WatchRegistry r;
  Counter p, rec;
  r.Add(K::kPersistent, "/a", p.Fn());
  r.Add(K::kRecursive, "/", rec.Fn());
  Fire(r, EventType::kNodeDataChanged, "/a");
  Fire(r, EventType::kNodeDataChanged, "/a");
  Fire(r, EventType::kNodeCreated, "/a/b/c");
  Fire(r, EventType::kNodeChildrenChanged, "/a");
  EXPECT_EQ(p.n, 3);
  EXPECT_EQ(rec.n, 3);
}

TEST(WatchRegistry, RemoveByTypeAndPathsForReregistration) {
  WatchRegistry r;
  Counter c;
  r.Add(K::kData, "/a", c.Fn());
  r.Add(K::kChild, "/b", c.Fn());
  r.Add(K::kRecursive, "/c", c.Fn());
  EXPECT_EQ(r.Paths(K::kData), std::vector<std::string>{"/a"});
  EXPECT_TRUE(r.Has("/b", WatcherType::kChildren));
  EXPECT_FALSE(r.Remove("/a", WatcherType::kChildren));
  EXPECT_TRUE(r.Remove("/a", WatcherType::kData));
  EXPECT_TRUE(r.Remove("/c", WatcherType::kAny));
  EXPECT_FALSE(r.Has("/a", WatcherType::kAny));
}

}  // namespace
}  // namespace paddock::client
