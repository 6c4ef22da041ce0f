// Tests for the command parser: flags anywhere, grouped switches, value flags (attached,
// separate, negative), `--`, argument counts, and the exact error texts. The specs here mirror
// real commands' specs but are local, so the test needs no client library.
#include "cli/parser.h"

#include <gtest/gtest.h>

namespace paddock::cli {
namespace {

const CommandSpec kLs{"ls", "ls [-s] [-w] [-R] path", "", {{'s', ""}, {'w', ""}, {'R', ""}}, 1, 1};
const CommandSpec kSet{
    "set", "set [-s] [-v version] path data", "", {{'s', ""}, {'v', "version"}}, 2, 2};
const CommandSpec kCreate{"create", "create [-s] [-e] [-c] [-t ttl] path [data] [acl]",
                          "",       {{'s', ""}, {'e', ""}, {'c', ""}, {'t', "ttl"}},
                          1,        3};

Invocation Parse(const CommandSpec& spec, std::vector<std::string> words) {
  Result<Invocation> r = ParseInvocation(spec, words);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Invocation{};
}

TEST(ParseInvocation, SwitchesAndArgumentsAreSeparated) {
  Invocation inv = Parse(kLs, {"ls", "-s", "-w", "/x"});
  EXPECT_EQ(inv.name, "ls");
  EXPECT_TRUE(inv.Has('s'));
  EXPECT_TRUE(inv.Has('w'));
  EXPECT_FALSE(inv.Has('R'));
  EXPECT_EQ(inv.args, std::vector<std::string>{"/x"});
}

TEST(ParseInvocation, SwitchesMayBeGrouped) {
  Invocation inv = Parse(kCreate, {"create", "-se", "/q-"});
  EXPECT_TRUE(inv.Has('s'));
  EXPECT_TRUE(inv.Has('e'));
}

TEST(ParseInvocation, FlagsMayFollowArgumentsAsInZkCli) {
  Invocation inv = Parse(kCreate, {"create", "/t", "-t", "10", "data"});
  EXPECT_EQ(inv.Value('t'), "10");
  EXPECT_EQ(inv.args, (std::vector<std::string>{"/t", "data"}));
}

TEST(ParseInvocation, ValueFlagTakesTheNextWordEvenIfItLooksLikeAFlag) {
  EXPECT_EQ(Parse(kSet, {"set", "-v", "-1", "/x", "d"}).Value('v'), "-1");
}

TEST(ParseInvocation, ValueMayBeAttached) {
  EXPECT_EQ(Parse(kSet, {"set", "-v3", "/x", "d"}).Value('v'), "3");
  EXPECT_EQ(Parse(kSet, {"set", "-sv3", "/x", "d"}).Value('v'), "3");
}

TEST(ParseInvocation, DoubleDashEndsFlags) {
  Invocation inv = Parse(kSet, {"set", "--", "/x", "-data"});
  EXPECT_EQ(inv.args, (std::vector<std::string>{"/x", "-data"}));
}

TEST(ParseInvocation, LoneDashIsAnArgument) {
  EXPECT_EQ(Parse(kSet, {"set", "/x", "-"}).args, (std::vector<std::string>{"/x", "-"}));
}

TEST(ParseInvocation, EmptyWordIsAnArgument) {
  EXPECT_EQ(Parse(kSet, {"set", "/x", ""}).args, (std::vector<std::string>{"/x", ""}));
}

TEST(ParseInvocation, UnknownFlagIsReportedWithTheUsage) {
  Result<Invocation> r = ParseInvocation(kLs, {"ls", "-x", "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Unrecognized option: -x\nls [-s] [-w] [-R] path");
}

TEST(ParseInvocation, MissingFlagValueIsReported) {
  Result<Invocation> r = ParseInvocation(kSet, {"set", "/x", "d", "-v"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "Missing argument for option: v\nset [-s] [-v version] path data");
}

TEST(ParseInvocation, WrongArgumentCountPrintsJustTheUsageAsZkCli) {
  EXPECT_EQ(ParseInvocation(kLs, {"ls"}).status().message(), "ls [-s] [-w] [-R] path");
  EXPECT_EQ(ParseInvocation(kLs, {"ls", "/a", "/b"}).status().message(), "ls [-s] [-w] [-R] path");
  EXPECT_FALSE(ParseInvocation(kSet, {"set", "/x"}).ok());
}

TEST(ParseInteger, AcceptsIntegersInRange) {
  EXPECT_EQ(*ParseInteger("-1", "version", -1, 10), -1);
  EXPECT_EQ(*ParseInteger("10", "version", -1, 10), 10);
}

TEST(ParseInteger, RejectsGarbageAndOutOfRange) {
  EXPECT_EQ(ParseInteger("abc", "version", -1, 10).status().message(),
            "version must be an integer: abc");
  EXPECT_EQ(ParseInteger("", "version", -1, 10).status().message(), "version must be an integer: ");
  EXPECT_EQ(ParseInteger("3x", "version", -1, 10).status().message(),
            "version must be an integer: 3x");
  EXPECT_EQ(ParseInteger("11", "version", -1, 10).status().message(),
            "version must be between -1 and 10: 11");
  EXPECT_FALSE(ParseInteger("99999999999999999999", "n", 0, 1).ok());
}

}  // namespace
}  // namespace paddock::cli
