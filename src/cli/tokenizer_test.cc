// Tests for the shell's word splitting: blanks, both quote kinds, backslashes, joined pieces,
// and the errors for unbalanced input. Each test feeds one line and checks the exact words.
#include "cli/tokenizer.h"

#include <gtest/gtest.h>

namespace paddock::cli {
namespace {

std::vector<std::string> Words(std::string_view line) {
  Result<std::vector<std::string>> r = SplitWords(line);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(SplitWords, BlankLineHasNoWords) {
  EXPECT_TRUE(Words("").empty());
  EXPECT_TRUE(Words("  \t ").empty());
}

TEST(SplitWords, BlanksSeparateWordsAndRunsOfBlanksCountOnce) {
  EXPECT_EQ(Words("  create  /x\tdata "), (std::vector<std::string>{"create", "/x", "data"}));
}

TEST(SplitWords, DoubleQuotesKeepBlanksAsZkCliDoes) {
  EXPECT_EQ(Words("create /sp \"hello world\""),
            (std::vector<std::string>{"create", "/sp", "hello world"}));
}

TEST(SplitWords, SingleQuotesKeepEverythingLiterally) {
  EXPECT_EQ(Words(R"(set /x '{"a": "b\n"}')"),
            (std::vector<std::string>{"set", "/x", R"({"a": "b\n"})"}));
}

TEST(SplitWords, BackslashEscapesInsideDoubleQuotesOnlyQuoteAndBackslash) {
  EXPECT_EQ(Words(R"("a \"b\" \\ \n")"), (std::vector<std::string>{R"(a "b" \ \n)"}));
}

TEST(SplitWords, BackslashOutsideQuotesMakesTheNextCharacterLiteral) {
  EXPECT_EQ(Words(R"(a\ b c\'d)"), (std::vector<std::string>{"a b", "c'd"}));
}

TEST(SplitWords, AdjacentPiecesJoinIntoOneWord) {
  EXPECT_EQ(Words(R"(a"b c"'d e'f)"), (std::vector<std::string>{"ab cd ef"}));
}

TEST(SplitWords, EmptyQuotesAreAnEmptyWord) {
  EXPECT_EQ(Words("set /x \"\""), (std::vector<std::string>{"set", "/x", ""}));
  EXPECT_EQ(Words("''"), (std::vector<std::string>{""}));
}

TEST(SplitWords, UnbalancedInputIsAnError) {
  EXPECT_EQ(SplitWords("get \"/x").status().message(), "unterminated double quote");
  EXPECT_EQ(SplitWords("get '/x").status().message(), "unterminated single quote");
  EXPECT_EQ(SplitWords("get /x\\").status().message(), "trailing backslash");
}

}  // namespace
}  // namespace paddock::cli
