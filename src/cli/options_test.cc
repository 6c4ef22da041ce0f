// Tests for paddock-cli's own options: zkCli and GNU spellings, where the command starts, and
// the errors for unknown options and missing or bad values.
#include "cli/options.h"

#include <gtest/gtest.h>

namespace paddock::cli {
namespace {

TEST(ParseOptions, DefaultsToAnInteractiveShellOnLocalhost) {
  Result<Options> o = ParseOptions({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->server, "localhost:2181");
  EXPECT_EQ(o->timeout_ms, 30000);
  EXPECT_FALSE(o->json);
  EXPECT_TRUE(o->command.empty());
}

TEST(ParseOptions, ZkCliSpellingAndTheCommandAfterIt) {
  Result<Options> o = ParseOptions({"-server", "h1:1,h2:2/app", "get", "-s", "/x"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->server, "h1:1,h2:2/app");
  EXPECT_EQ(o->command, (std::vector<std::string>{"get", "-s", "/x"}));
}

TEST(ParseOptions, GnuSpellings) {
  Result<Options> o =
      ParseOptions({"--server=h:1", "--json", "--timeout", "5000", "-r", "ls", "/"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->server, "h:1");
  EXPECT_TRUE(o->json);
  EXPECT_TRUE(o->read_only);
  EXPECT_EQ(o->timeout_ms, 5000);
  EXPECT_EQ(o->command, (std::vector<std::string>{"ls", "/"}));
  EXPECT_EQ(ParseOptions({"--server", "h:2"})->server, "h:2");
}

TEST(ParseOptions, DoubleDashStartsTheCommand) {
  EXPECT_EQ(ParseOptions({"--", "-odd"})->command, std::vector<std::string>{"-odd"});
}

TEST(ParseOptions, Errors) {
  EXPECT_EQ(ParseOptions({"--bogus"}).status().message(), "unknown option --bogus");
  EXPECT_EQ(ParseOptions({"-server"}).status().message(), "option -server needs a value");
  EXPECT_EQ(ParseOptions({"-timeout", "x"}).status().message(), "timeout must be an integer: x");
}

TEST(ParseOptions, Help) { EXPECT_TRUE(ParseOptions({"--help"})->help); }

TEST(ParseOptions, Version) { EXPECT_TRUE(ParseOptions({"--version"})->version); }

}  // namespace
}  // namespace paddock::cli
