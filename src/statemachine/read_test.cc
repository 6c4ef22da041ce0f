// Proves that StateMachine::Read answers every read op as a ZooKeeper 3.8 server does (reference
// §5.3, §5.4, §7.2): the NONODE / NOAUTH checks and which watches each op asks the server to set
// (exists even on a missing node; getData and getChildren only on success; multiRead never),
// getACL's masking of digest ids for callers without ADMIN, getAllChildrenNumber counting every
// descendant (3 for "/" on a fresh tree), getEphemerals' prefix rules, and multiRead's per-op
// results. State is built through Apply(); reads are decoded with the proto records.
#include "statemachine/state_machine.h"

#include <gtest/gtest.h>

#include "statemachine/state_machine_test_fixture.h"

namespace paddock::statemachine {
namespace {

using namespace test_fixture;  // NOLINT: the fixture's vocabulary is the point of these files
using namespace std::string_literals;

// Reads (§5.4, §7.2).

using Reads = StateMachineTest;

TEST_F(Reads, ExistsReturnsTheStat) {
  CreateNode("/a");
  ReadResult r = ReadPath(Op::kExists, "/a");
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_EQ(Dec<proto::StatResponse>(r.body).stat, StatOf("/a"));
  EXPECT_TRUE(r.watches.empty());
}

TEST_F(Reads, ExistsWithWatchSetsADataWatch) {
  CreateNode("/a");
  EXPECT_EQ(ReadPath(Op::kExists, "/a", true).watches, (Watches{{watch::Table::kData, "/a"}}));
}

TEST_F(Reads, ExistsOfAMissingNodeIsNoNodeYetSetsTheWatch) {
  ReadResult r = ReadPath(Op::kExists, "/missing", true);
  EXPECT_EQ(r.err, Err::kNoNode);
  EXPECT_EQ(r.watches, (Watches{{watch::Table::kData, "/missing"}}));
}

TEST_F(Reads, ExistsOfAPathWithNulIsBadArgumentsWithoutAWatch) {
  ReadResult r = ReadPath(Op::kExists, "/a\0"s, true);
  EXPECT_EQ(r.err, Err::kBadArguments);
  EXPECT_TRUE(r.watches.empty());
}

TEST_F(Reads, ExistsWithoutReadPermissionIsNoAuthWithoutAWatch) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kWrite));
  ReadResult r = ReadPath(Op::kExists, "/a", true);
  EXPECT_EQ(r.err, Err::kNoAuth);
  EXPECT_TRUE(r.watches.empty());
}

TEST_F(Reads, GetDataReturnsDataAndStatAndSetsAWatchOnRequest) {
  CreateNode("/a");
  SetNodeData("/a", std::string("hello"));
  ReadResult r = ReadPath(Op::kGetData, "/a", true);
  ASSERT_EQ(r.err, Err::kOk);
  auto resp = Dec<proto::GetDataResponse>(r.body);
  EXPECT_EQ(resp.data, "hello");
  EXPECT_EQ(resp.stat, StatOf("/a"));
  EXPECT_EQ(r.watches, (Watches{{watch::Table::kData, "/a"}}));
}

TEST_F(Reads, GetDataOfAMissingNodeIsNoNodeWithoutAWatch) {
  ReadResult r = ReadPath(Op::kGetData, "/missing", true);
  EXPECT_EQ(r.err, Err::kNoNode);
  EXPECT_TRUE(r.watches.empty());
}

TEST_F(Reads, GetDataWithoutReadPermissionIsNoAuthWithoutAWatch) {
  CreateNode("/a", kPersistent, {{perms::kRead, kAlice}});
  ReadResult r = ReadPath(Op::kGetData, "/a", true, {kBob});
  EXPECT_EQ(r.err, Err::kNoAuth);
  EXPECT_TRUE(r.watches.empty());
  EXPECT_EQ(ReadPath(Op::kGetData, "/a", false, {kAlice}).err, Err::kOk);
}

TEST_F(Reads, GetDataOfTheConfigNodeIsOpenToEveryone) {
  EXPECT_EQ(ReadPath(Op::kGetData, "/zookeeper/config").err, Err::kOk);
}

TEST_F(Reads, GetChildrenListsChildNamesAndSetsAChildWatchOnRequest) {
  CreateNode("/p");
  CreateNode("/p/b");
  CreateNode("/p/a");
  ReadResult r = ReadPath(Op::kGetChildren, "/p", true);
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(Dec<proto::StringListResponse>(r.body).items, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.watches, (Watches{{watch::Table::kChild, "/p"}}));
}

TEST_F(Reads, GetChildren2AlsoReturnsTheParentsStat) {
  CreateNode("/p");
  CreateNode("/p/a");
  auto resp = Dec<proto::GetChildren2Response>(ReadPath(Op::kGetChildren2, "/p").body);
  EXPECT_EQ(resp.children, (std::vector<std::string>{"a"}));
  EXPECT_EQ(resp.stat, StatOf("/p"));
}

TEST_F(Reads, GetChildrenOfAMissingNodeIsNoNodeWithoutAWatch) {
  ReadResult r = ReadPath(Op::kGetChildren2, "/missing", true);
  EXPECT_EQ(r.err, Err::kNoNode);
  EXPECT_TRUE(r.watches.empty());
}

TEST_F(Reads, GetChildrenOfTheRootOfAFreshTreeIsZookeeper) {
  EXPECT_EQ(Dec<proto::StringListResponse>(ReadPath(Op::kGetChildren, "/").body).items,
            (std::vector<std::string>{"zookeeper"}));
}

TEST_F(Reads, GetAclReturnsTheAclAndStat) {
  CreateNode("/a", kPersistent, {{perms::kAll, kAlice}});
  auto resp =
      Dec<proto::GetACLResponse>(Read(Op::kGetACL, Enc(proto::PathRequest{"/a"}), {kAlice}).body);
  EXPECT_EQ(resp.acl, (AclList{{perms::kAll, kAlice}}));
  EXPECT_EQ(resp.stat, StatOf("/a"));
}

TEST_F(Reads, GetAclMasksDigestIdsForCallersWithoutAdmin) {
  CreateNode("/a", kPersistent, {{perms::kRead, {"world", "anyone"}}, {perms::kAll, kAlice}});
  auto resp = Dec<proto::GetACLResponse>(Read(Op::kGetACL, Enc(proto::PathRequest{"/a"})).body);
  EXPECT_EQ(resp.acl, (AclList{{perms::kRead, {"world", "anyone"}},
                               {perms::kAll, {"digest", "alice:x"}}}));
}

TEST_F(Reads, GetAclWithAdminAloneIsAllowedAndUnmasked) {
  CreateNode("/a", kPersistent, {{perms::kAdmin, kBob}, {perms::kAll, kAlice}});
  ReadResult r = Read(Op::kGetACL, Enc(proto::PathRequest{"/a"}), {kBob});
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(Dec<proto::GetACLResponse>(r.body).acl,
            (AclList{{perms::kAdmin, kBob}, {perms::kAll, kAlice}}));
}

TEST_F(Reads, GetAclWithoutReadOrAdminIsNoAuth) {
  CreateNode("/a", kPersistent, {{perms::kAll & ~(perms::kRead | perms::kAdmin), kAlice}});
  EXPECT_EQ(Read(Op::kGetACL, Enc(proto::PathRequest{"/a"}), {kAlice}).err, Err::kNoAuth);
}

TEST_F(Reads, GetAclOfAMissingNodeIsNoNode) {
  EXPECT_EQ(Read(Op::kGetACL, Enc(proto::PathRequest{"/missing"})).err, Err::kNoNode);
}

TEST_F(Reads, GetAllChildrenNumberOfTheRootOfAFreshTreeIsThree) {
  ReadResult r = Read(Op::kGetAllChildrenNumber, Enc(proto::PathRequest{"/"}));
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(Dec<proto::IntResponse>(r.body).value, 3);
}

TEST_F(Reads, GetAllChildrenNumberCountsEveryDescendant) {
  CreateNode("/a");
  CreateNode("/a/b");
  CreateNode("/a/b/c");
  auto count = [this](const std::string& p) {
    return Dec<proto::IntResponse>(Read(Op::kGetAllChildrenNumber, Enc(proto::PathRequest{p})).body)
        .value;
  };
  EXPECT_EQ(count("/a"), 2);
  EXPECT_EQ(count("/a/b/c"), 0);
  EXPECT_EQ(count("/"), 6);
}

TEST_F(Reads, GetAllChildrenNumberOfTheEmptyPathAlsoCountsTheRoot) {
  // ZooKeeper keeps the root under "" too and counts keys starting with "" + "/".
  ReadResult r = Read(Op::kGetAllChildrenNumber, Enc(proto::PathRequest{""}));
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(Dec<proto::IntResponse>(r.body).value, 4);
}

TEST_F(Reads, GetAllChildrenNumberChecksExistenceAndReadPermission) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kWrite));
  EXPECT_EQ(Read(Op::kGetAllChildrenNumber, Enc(proto::PathRequest{"/missing"})).err,
            Err::kNoNode);
  EXPECT_EQ(Read(Op::kGetAllChildrenNumber, Enc(proto::PathRequest{"/a"})).err, Err::kNoAuth);
}

std::vector<std::string> Ephemerals(const ReadResult& r) {
  EXPECT_EQ(r.err, Err::kOk);
  return Dec<proto::StringListResponse>(r.body).items;
}

TEST_F(Reads, GetEphemeralsListsOnlyTheCallersOwnSession) {
  int64_t other = NewSession();
  CreateNode("/mine", kEphemeral);
  WriteAs(other, Op::kCreate, Enc(proto::CreateRequest{"/theirs", {}, Open(), kEphemeral}));
  EXPECT_EQ(Ephemerals(Read(Op::kGetEphemerals, Enc(proto::PathRequest{""}))),
            (std::vector<std::string>{"/mine"}));
  EXPECT_EQ(Ephemerals(Read(Op::kGetEphemerals, Enc(proto::PathRequest{""}), {}, other)),
            (std::vector<std::string>{"/theirs"}));
}

TEST_F(Reads, GetEphemeralsWithAnEmptyBlankOrSlashPrefixListsAll) {
  CreateNode("/a", kEphemeral);
  CreateNode("/p");
  CreateNode("/p/b", kEphemeral);
  for (std::string prefix : {"", "/", "   ", " / ", "\t/\n"}) {
    EXPECT_EQ(Ephemerals(Read(Op::kGetEphemerals, Enc(proto::PathRequest{prefix}))),
              (std::vector<std::string>{"/a", "/p/b"}))
        << "[" << prefix << "]";
  }
}

TEST_F(Reads, GetEphemeralsMatchesOtherPrefixesAsPlainStringPrefixes) {
  CreateNode("/a", kEphemeral);
  CreateNode("/ab", kEphemeral);
  CreateNode("/p");
  CreateNode("/p/b", kEphemeral);
  auto with = [this](std::string prefix) {
    return Ephemerals(Read(Op::kGetEphemerals, Enc(proto::PathRequest{std::move(prefix)})));
  };
  EXPECT_EQ(with("/a"), (std::vector<std::string>{"/a", "/ab"}));
  EXPECT_EQ(with("/p/"), (std::vector<std::string>{"/p/b"}));
  EXPECT_EQ(with("/z"), (std::vector<std::string>{}));
  EXPECT_EQ(with(" /a"), (std::vector<std::string>{}));  // not trimmed when matching
}

TEST_F(Reads, MultiReadAnswersEachOpIndependently) {
  CreateNode("/a");
  SetNodeData("/a", std::string("v"));
  ReadResult r = Read(Op::kMultiRead,
                      Enc(proto::MultiRequest{{ReadOp(Op::kGetData, "/a"),
                                               ReadOp(Op::kGetChildren, "/zookeeper"),
                                               ReadOp(Op::kGetData, "/missing")}}));
  ASSERT_EQ(r.err, Err::kOk);
  auto resp = Dec<proto::MultiResponse>(r.body);
  ASSERT_EQ(resp.results.size(), 3u);
  EXPECT_EQ(resp.results[0].type, Op::kGetData);
  EXPECT_EQ(resp.results[0].data, "v");
  EXPECT_EQ(resp.results[0].stat, StatOf("/a"));
  EXPECT_EQ(resp.results[1].type, Op::kGetChildren);
  EXPECT_EQ(resp.results[1].children, (std::vector<std::string>{"config", "quota"}));
  EXPECT_EQ(resp.results[2].type, Op::kError);
  EXPECT_EQ(resp.results[2].err, Err::kNoNode);
}

TEST_F(Reads, MultiReadReportsNoAuthPerOp) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kWrite));
  auto resp = Dec<proto::MultiResponse>(
      Read(Op::kMultiRead, Enc(proto::MultiRequest{{ReadOp(Op::kGetData, "/a"),
                                                    ReadOp(Op::kGetData, "/")}}))
          .body);
  ASSERT_EQ(resp.results.size(), 2u);
  EXPECT_EQ(resp.results[0].err, Err::kNoAuth);
  EXPECT_EQ(resp.results[1].type, Op::kGetData);
}

TEST_F(Reads, MultiReadSetsNoWatchesEvenWhenAsked) {
  // ZooKeeper 3.8 rebuilds each sub-op from its path alone, dropping the watch flag.
  ReadResult r = Read(Op::kMultiRead, Enc(proto::MultiRequest{{ReadOp(Op::kGetData, "/", true),
                                                               ReadOp(Op::kGetChildren, "/", true)}}));
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_TRUE(r.watches.empty());
}

TEST_F(Reads, MultiReadWithAWriteOpIsAMarshallingError) {
  ReadResult r = Read(Op::kMultiRead, Enc(proto::MultiRequest{{CreateOp("/a")}}));
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_FALSE(Exists("/a"));
}

TEST_F(Reads, AnUnknownReadOpIsUnimplemented) {
  EXPECT_EQ(Read(Op::kCreate, Enc(proto::PathRequest{"/"})).err, Err::kUnimplemented);
}

TEST_F(Reads, AMalformedReadBodyIsAMarshallingError) {
  EXPECT_EQ(Read(Op::kGetData, "\x00\x00"s).err, Err::kMarshallingError);
}

}  // namespace
}  // namespace paddock::statemachine
