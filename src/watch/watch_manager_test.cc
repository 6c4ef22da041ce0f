// Proves the watch trigger matrix written in watch_manager.h (reference §7.2, §7.3): which table
// and which registrations each event type reaches; that standard watches are one-shot and
// persistent ones stay; that a persistent-recursive registration matches its path and every
// descendant for every event type except NodeChildrenChanged, while standard and persistent ones
// match only their exact path; that one trigger notifies each watcher at most once; that the last
// registration of a (watcher, path) pair decides its mode; and that Remove and RemoveWatcher
// forget exactly what they name. Each test registers watchers with small integer ids, fires one
// or more events and compares the returned id list.
#include "watch/watch_manager.h"

#include <gtest/gtest.h>

namespace paddock::watch {
namespace {

using proto::EventType;
using Ids = std::vector<WatcherId>;

constexpr EventType kCreated = EventType::kNodeCreated;
constexpr EventType kDeleted = EventType::kNodeDeleted;
constexpr EventType kChanged = EventType::kNodeDataChanged;
constexpr EventType kChildren = EventType::kNodeChildrenChanged;

// The matrix, one cell per test.

TEST(Trigger, NodeCreatedNotifiesADataWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kCreated, "/a"), Ids{1});
}

TEST(Trigger, NodeCreatedDoesNotNotifyAChildWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kCreated, "/a"), Ids{});
  EXPECT_TRUE(m.Contains(Table::kChild, "/a", 1));
}

TEST(Trigger, NodeDataChangedNotifiesADataWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
}

TEST(Trigger, NodeDataChangedDoesNotNotifyAChildWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{});
}

TEST(Trigger, NodeDeletedNotifiesADataWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kDeleted, "/a"), Ids{1});
}

TEST(Trigger, NodeDeletedNotifiesAChildWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kDeleted, "/a"), Ids{1});
}

TEST(Trigger, NodeDeletedNotifiesAWatcherInBothTablesOnce) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  m.Add(Table::kChild, "/a", 2, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kDeleted, "/a"), (Ids{1, 2}));
}

TEST(Trigger, NodeDeletedConsumesTheSkippedChildWatchToo) {
  // ZooKeeper collects (and removes) the child-table watch before it suppresses the duplicate.
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  m.Trigger(kDeleted, "/a");
  EXPECT_FALSE(m.Contains(Table::kData, "/a", 1));
  EXPECT_FALSE(m.Contains(Table::kChild, "/a", 1));
}

TEST(Trigger, NodeChildrenChangedNotifiesAChildWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChildren, "/a"), Ids{1});
}

TEST(Trigger, NodeChildrenChangedDoesNotNotifyADataWatchOnThePath) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChildren, "/a"), Ids{});
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
}

TEST(Trigger, AnEventOfTypeNoneNotifiesNobody) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  m.Add(Table::kChild, "/a", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(EventType::kNone, "/a"), Ids{});
}

TEST(Trigger, AnEventOnAnUnwatchedPathNotifiesNobody) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/b"), Ids{});
}

TEST(Trigger, ReturnsWatchersInAscendingIdOrder) {
  WatchManager m;
  for (WatcherId w : {5, 3, 9, 1}) m.Add(Table::kData, "/a", w, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), (Ids{1, 3, 5, 9}));
}

// Standard watches.

TEST(StandardWatch, FiresOnceAndIsThenGone) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
  EXPECT_FALSE(m.Contains(Table::kData, "/a", 1));
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{});
}

TEST(StandardWatch, DoesNotFireForEventsOnDescendants) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kChild, "/a", 2, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kCreated, "/a/b"), Ids{});
  EXPECT_EQ(m.Trigger(kDeleted, "/a/b"), Ids{});
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
  EXPECT_TRUE(m.Contains(Table::kChild, "/a", 2));
}

TEST(StandardWatch, SurvivesAnEventItDidNotMatch) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Trigger(kChildren, "/a");
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
}

TEST(StandardWatch, OfOneWatcherFiringLeavesOtherWatchersOnOtherPaths) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/b", 1, Mode::kStandard);
  m.Trigger(kChanged, "/a");
  EXPECT_TRUE(m.Contains(Table::kData, "/b", 1));
}

// Persistent watches.

TEST(PersistentWatch, StaysAfterFiring) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
}

TEST(PersistentWatch, InTheChildTableFiresOnChildrenChangedOfItsPath) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kPersistent);
  EXPECT_EQ(m.Trigger(kChildren, "/a"), Ids{1});
  EXPECT_EQ(m.Trigger(kChildren, "/a"), Ids{1});
}

TEST(PersistentWatch, StaysAfterTheNodeIsDeleted) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  m.Add(Table::kChild, "/a", 1, Mode::kPersistent);
  EXPECT_EQ(m.Trigger(kDeleted, "/a"), Ids{1});
  EXPECT_EQ(m.Trigger(kCreated, "/a"), Ids{1});
}

TEST(PersistentWatch, DoesNotMatchDescendants) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  m.Add(Table::kChild, "/a", 1, Mode::kPersistent);
  EXPECT_EQ(m.Trigger(kCreated, "/a/b"), Ids{});
  EXPECT_EQ(m.Trigger(kChanged, "/a/b"), Ids{});
  EXPECT_EQ(m.Trigger(kDeleted, "/a/b"), Ids{});
}

// Persistent-recursive watches.

TEST(RecursiveWatch, MatchesCreatedChangedAndDeletedOnDescendantsAtAnyDepth) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kCreated, "/a/b"), Ids{1});
  EXPECT_EQ(m.Trigger(kChanged, "/a/b/c"), Ids{1});
  EXPECT_EQ(m.Trigger(kDeleted, "/a/b/c/d"), Ids{1});
}

TEST(RecursiveWatch, MatchesEventsOnItsOwnPath) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kCreated, "/a"), Ids{1});
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
  EXPECT_EQ(m.Trigger(kDeleted, "/a"), Ids{1});
}

TEST(RecursiveWatch, DoesNotMatchNodeChildrenChangedOnItsPath) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kChildren, "/a"), Ids{});
}

TEST(RecursiveWatch, DoesNotMatchNodeChildrenChangedOnDescendants) {
  WatchManager m;
  m.Add(Table::kChild, "/a", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kChildren, "/a/b"), Ids{});
}

TEST(RecursiveWatch, OnTheRootMatchesEveryNode) {
  WatchManager m;
  m.Add(Table::kData, "/", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kCreated, "/x"), Ids{1});
  EXPECT_EQ(m.Trigger(kChanged, "/x/y/z"), Ids{1});
  EXPECT_EQ(m.Trigger(kChanged, "/"), Ids{1});
}

TEST(RecursiveWatch, DoesNotMatchASiblingThatOnlySharesAPrefix) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kCreated, "/ab"), Ids{});
  EXPECT_EQ(m.Trigger(kCreated, "/ab/c"), Ids{});
}

TEST(RecursiveWatch, DoesNotMatchAnAncestorOfItsPath) {
  WatchManager m;
  m.Add(Table::kData, "/a/b", 1, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{});
}

TEST(RecursiveWatch, StaysAfterFiring) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  m.Trigger(kDeleted, "/a/b");
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
}

TEST(RecursiveWatch, FiringLeavesStandardWatchesOnAncestorsInPlace) {
  // Walking up to find recursive watchers must not consume standard watches it passes.
  WatchManager m;
  m.Add(Table::kData, "/", 9, Mode::kPersistentRecursive);
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a/b"), Ids{9});
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
}

// At most one notification per trigger.

TEST(Trigger, NotifiesAWatcherOnceThoughSeveralRegistrationsMatch) {
  WatchManager m;
  m.Add(Table::kData, "/a/b", 1, Mode::kStandard);
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  m.Add(Table::kData, "/", 1, Mode::kPersistentRecursive);
  m.Add(Table::kChild, "/a/b", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kDeleted, "/a/b"), Ids{1});
}

TEST(Trigger, NotifiesDistinctWatchersFromDifferentLevels) {
  WatchManager m;
  m.Add(Table::kData, "/a/b", 1, Mode::kStandard);
  m.Add(Table::kData, "/a", 2, Mode::kPersistentRecursive);
  m.Add(Table::kData, "/", 3, Mode::kPersistentRecursive);
  EXPECT_EQ(m.Trigger(kChanged, "/a/b"), (Ids{1, 2, 3}));
}

// The last registration decides the mode.

TEST(Registration, AStandardWatchAfterAPersistentOneMakesItOneShot) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{});
}

TEST(Registration, APersistentWatchAfterAStandardOneMakesItStay) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  m.Trigger(kChanged, "/a");
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
}

TEST(Registration, AStandardWatchAfterARecursiveOneStopsDescendantMatches) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.Trigger(kChanged, "/a/b"), Ids{});
}

TEST(Registration, ARegisteredPairAppearsOncePerTable) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.WatchCount(), 1u);
  EXPECT_TRUE(m.Remove(Table::kData, "/a", 1));
  EXPECT_FALSE(m.Contains(Table::kData, "/a", 1));
}

// Removal.

TEST(Remove, ForgetsOneRegistrationAndReportsIt) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  EXPECT_TRUE(m.Remove(Table::kData, "/a", 1));
  EXPECT_FALSE(m.Contains(Table::kData, "/a", 1));
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{});
}

TEST(Remove, ReturnsFalseWhenNothingWasRegistered) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  EXPECT_FALSE(m.Remove(Table::kData, "/a", 2));
  EXPECT_FALSE(m.Remove(Table::kData, "/b", 1));
  EXPECT_FALSE(m.Remove(Table::kChild, "/a", 1));
}

TEST(Remove, TouchesOnlyTheNamedTable) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistent);
  m.Add(Table::kChild, "/a", 1, Mode::kPersistent);
  m.Remove(Table::kChild, "/a", 1);
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
  EXPECT_EQ(m.Trigger(kChildren, "/a"), Ids{});
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{1});
}

TEST(Remove, OfARecursiveWatchStopsDescendantMatches) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kPersistentRecursive);
  m.Remove(Table::kData, "/a", 1);
  EXPECT_EQ(m.Trigger(kChanged, "/a/b"), Ids{});
}

TEST(RemoveWatcher, ForgetsEveryRegistrationOfThatWatcherInBothTables) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/b", 1, Mode::kPersistentRecursive);
  m.Add(Table::kChild, "/a", 1, Mode::kPersistent);
  m.RemoveWatcher(1);
  EXPECT_FALSE(m.Contains(Table::kData, "/a", 1));
  EXPECT_FALSE(m.Contains(Table::kData, "/b", 1));
  EXPECT_FALSE(m.Contains(Table::kChild, "/a", 1));
  EXPECT_EQ(m.Trigger(kDeleted, "/b/c"), Ids{});
  EXPECT_EQ(m.WatchCount(), 0u);
}

TEST(RemoveWatcher, LeavesOtherWatchersOnTheSamePaths) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/a", 2, Mode::kStandard);
  m.RemoveWatcher(1);
  EXPECT_EQ(m.Trigger(kChanged, "/a"), Ids{2});
}

TEST(RemoveWatcher, OfAnUnknownWatcherChangesNothing) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.RemoveWatcher(7);
  EXPECT_TRUE(m.Contains(Table::kData, "/a", 1));
}

// Figures.

TEST(Figures, WatchCountCountsRegistrationsInBothTables) {
  // Like ZooKeeper's DataTree.getWatchCount (mntr's watch_count).
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/a", 2, Mode::kStandard);
  m.Add(Table::kChild, "/a", 1, Mode::kStandard);
  EXPECT_EQ(m.WatchCount(), 3u);
}

TEST(Figures, PathAndWatcherCountsAndReportsCoverTheDataTableOnly) {
  // Like ZooKeeper's wchs, wchc and wchp, which read the data-watch table.
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Add(Table::kData, "/b", 1, Mode::kStandard);
  m.Add(Table::kData, "/b", 2, Mode::kStandard);
  m.Add(Table::kChild, "/c", 3, Mode::kStandard);
  EXPECT_EQ(m.WatchedPathCount(), 2u);
  EXPECT_EQ(m.WatcherCount(), 2u);
  EXPECT_EQ(m.ByWatcher(), (std::map<WatcherId, std::set<std::string>>{{1, {"/a", "/b"}},
                                                                      {2, {"/b"}}}));
  EXPECT_EQ(m.ByPath(), (std::map<std::string, std::set<WatcherId>>{{"/a", {1}}, {"/b", {1, 2}}}));
}

TEST(Figures, AFiredStandardWatchNoLongerCounts) {
  WatchManager m;
  m.Add(Table::kData, "/a", 1, Mode::kStandard);
  m.Trigger(kChanged, "/a");
  EXPECT_EQ(m.WatchCount(), 0u);
  EXPECT_EQ(m.WatchedPathCount(), 0u);
  EXPECT_EQ(m.WatcherCount(), 0u);
  EXPECT_TRUE(m.ByWatcher().empty());
}

}  // namespace
}  // namespace paddock::watch
