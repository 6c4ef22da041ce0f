// Tests for zkCli's ACL text: the perms letters both ways, ids containing ':', several
// entries, and the warnings zkCli prints for malformed entries and unknown letters.
#include "cli/acl_text.h"

#include <gtest/gtest.h>

namespace paddock::cli {
namespace {

TEST(PermString, UsesZkCliOrder) {
  EXPECT_EQ(PermString(perms::kAll), "cdrwa");
  EXPECT_EQ(PermString(perms::kRead | perms::kAdmin), "ra");
  EXPECT_EQ(PermString(0), "");
}

TEST(ParseAcl, DigestIdKeepsItsColon) {
  ParsedAcl p = ParseAcl("digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=:cdrwa");
  ASSERT_EQ(p.acl.size(), 1u);
  EXPECT_EQ(p.acl[0], (Acl{perms::kAll, "digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="}));
  EXPECT_TRUE(p.warnings.empty());
}

TEST(ParseAcl, SeveralEntries) {
  ParsedAcl p = ParseAcl("world:anyone:r,ip:127.0.0.1:rw");
  ASSERT_EQ(p.acl.size(), 2u);
  EXPECT_EQ(p.acl[0], (Acl{perms::kRead, "world", "anyone"}));
  EXPECT_EQ(p.acl[1], (Acl{perms::kRead | perms::kWrite, "ip", "127.0.0.1"}));
}

TEST(ParseAcl, MalformedEntryIsSkippedWithZkClisWarning) {
  ParsedAcl p = ParseAcl("world:anyone,auth::a");
  ASSERT_EQ(p.acl.size(), 1u);
  EXPECT_EQ(p.acl[0], (Acl{perms::kAdmin, "auth", ""}));
  EXPECT_EQ(p.warnings,
            std::vector<std::string>{"world:anyone does not have the form scheme:id:perm"});
}

TEST(ParseAcl, UnknownPermLetterIsIgnoredWithAWarning) {
  ParsedAcl p = ParseAcl("world:anyone:rz");
  ASSERT_EQ(p.acl.size(), 1u);
  EXPECT_EQ(p.acl[0].perms, perms::kRead);
  EXPECT_EQ(p.warnings, std::vector<std::string>{"Unknown perm type: z"});
}

}  // namespace
}  // namespace paddock::cli
