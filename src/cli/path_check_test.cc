// Tests for client-side path checks: the exact messages of ZooKeeper's PathUtils, which zkCli
// prints (checked against zkCli 3.8 by hand: `create bad`, `create //a`, `get /a/`, ...).
#include "cli/path_check.h"

#include <gtest/gtest.h>

namespace paddock::cli {
namespace {

std::string Why(std::string_view path, bool sequential = false) {
  Status s = ValidatePath(path, sequential);
  return s.ok() ? "ok" : s.message();
}

TEST(ValidatePath, AcceptsOrdinaryPaths) {
  EXPECT_EQ(Why("/"), "ok");
  EXPECT_EQ(Why("/a/b.c/..d/d.."), "ok");
  EXPECT_EQ(Why("/caf\xc3\xa9"), "ok");
}

TEST(ValidatePath, MessagesAsZkCliPrintsThem) {
  EXPECT_EQ(Why(""), "Path length must be > 0");
  EXPECT_EQ(Why("bad"), "Path must start with / character");
  EXPECT_EQ(Why("/a/"), "Path must not end with / character");
  EXPECT_EQ(Why("//a"), "Invalid path string \"//a\" caused by empty node name specified @1");
  EXPECT_EQ(Why("/a/./b"),
            "Invalid path string \"/a/./b\" caused by relative paths not allowed @3");
  EXPECT_EQ(Why("/a/../b"),
            "Invalid path string \"/a/../b\" caused by relative paths not allowed @4");
  EXPECT_EQ(Why("/a\x01"), "Invalid path string \"/a\x01\" caused by invalid character @2");
  EXPECT_EQ(Why(std::string_view("/a\0b", 4)).substr(0, 20), "Invalid path string ");
}

TEST(ValidatePath, SequentialAllowsATrailingSlash) {
  EXPECT_EQ(Why("/zz/", true), "ok");
  EXPECT_EQ(Why("/zz/", false), "Path must not end with / character");
}

}  // namespace
}  // namespace paddock::cli
