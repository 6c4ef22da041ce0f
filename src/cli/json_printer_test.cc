// Tests for the JSON printer and its JSON helpers: one document per line for every result,
// failures included; string escaping; data that is not UTF-8 as base64; null data as null.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/json.h"
#include "cli/printer.h"

namespace paddock::cli {
namespace {

constexpr const char* kZeroStat =
    R"({"czxid":0,"mzxid":0,"ctime":0,"mtime":0,"version":0,"cversion":0,"aversion":0,)"
    R"("ephemeralOwner":0,"dataLength":0,"numChildren":0,"pzxid":0})";

class JsonPrinterTest : public ::testing::Test {
 protected:
  std::ostringstream out_, err_;
  std::unique_ptr<Printer> p_ = MakeJsonPrinter(out_, err_);
};

TEST(Json, QuoteEscapes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\x01"), R"("a\"b\\c\nd\u0001")");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(Json, Utf8Check) {
  EXPECT_TRUE(IsUtf8("plain"));
  EXPECT_TRUE(IsUtf8("\xe2\x82\xac"));
  EXPECT_FALSE(IsUtf8("\xff"));
  EXPECT_FALSE(IsUtf8("\xc3"));
  EXPECT_FALSE(IsUtf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(IsUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(SanitizeUtf8("a\xff"), "a\xef\xbf\xbd");
}

TEST(Json, Base64) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64(std::string("\xff\x00\x01", 3)), "/wAB");
}

TEST_F(JsonPrinterTest, DataAlwaysCarriesTheStat) {
  p_->Data("/x", DataResult{"hi \"you\"", Stat{}}, false);
  EXPECT_EQ(out_.str(),
            std::string(R"({"path":"/x","data":"hi \"you\"","stat":)") + kZeroStat + "}\n");
}

TEST_F(JsonPrinterTest, NullAndBinaryData) {
  p_->Data("/n", DataResult{std::nullopt, Stat{}}, false);
  p_->Data("/b", DataResult{std::string("\xff\x00\x01", 3), Stat{}}, false);
  std::string s = out_.str();
  EXPECT_NE(s.find(R"({"path":"/n","data":null,"stat":)"), std::string::npos) << s;
  EXPECT_NE(s.find(R"({"path":"/b","data_base64":"/wAB","stat":)"), std::string::npos) << s;
}

TEST_F(JsonPrinterTest, ChildrenSortedTreeAndEphemerals) {
  p_->Children("/", ChildrenResult{{"b", "a"}, Stat{}}, false);
  p_->Tree("/x", {"/x", "/x/a"});
  p_->Ephemerals("/", {"/z", "/y"});
  EXPECT_EQ(out_.str(), std::string(R"({"path":"/","children":["a","b"],"stat":)") + kZeroStat +
                            "}\n" + R"({"path":"/x","paths":["/x","/x/a"]})" + "\n" +
                            R"({"path":"/","ephemerals":["/y","/z"]})" + "\n");
}

TEST_F(JsonPrinterTest, AclAndIdentities) {
  p_->AclOf("/x", AclResult{{Acl{perms::kRead, "world", "anyone"}}, Stat{}}, false);
  p_->Identities({ClientInfo{"ip", "127.0.0.1"}});
  EXPECT_EQ(out_.str(),
            std::string(R"({"path":"/x","acl":[{"scheme":"world","id":"anyone","perms":"r"}],)") +
                R"("stat":)" + kZeroStat + "}\n" +
                R"({"identities":[{"scheme":"ip","user":"127.0.0.1"}]})" + "\n");
}

TEST_F(JsonPrinterTest, DoneFailureAndSession) {
  p_->Done();
  p_->Failure(CliError{"NONODE", -101, "Node does not exist: /x", "/x"});
  p_->Failure(CliError{"USAGE", 0, "ls [-s] [-w] [-R] path", ""});
  p_->Session(SessionSummary{255, 4000, SessionState::kConnected, "h:1"});
  EXPECT_EQ(out_.str(),
            "{\"ok\":true}\n"
            R"({"error":"NONODE","code":-101,"message":"Node does not exist: /x","path":"/x"})"
            "\n"
            R"({"error":"USAGE","code":0,"message":"ls [-s] [-w] [-R] path"})"
            "\n"
            R"({"session_id":"0xff","timeout_ms":4000,"state":"SyncConnected","server":"h:1"})"
            "\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(JsonPrinterTest, WarningsStayOffTheJsonStream) {
  p_->Warning("Unknown perm type: z");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "Unknown perm type: z\n");
}

TEST_F(JsonPrinterTest, Events) {
  p_->Event(WatchEvent{EventType::kNodeDeleted, "/x"});
  p_->SessionChange(SessionEvent{SessionEvent::Kind::kStateChanged, SessionState::kExpired, 0});
  EXPECT_EQ(out_.str(), R"({"event":"NodeDeleted","path":"/x"})"
                        "\n"
                        R"({"event":"None","state":"Expired"})"
                        "\n");
}

}  // namespace
}  // namespace paddock::cli
