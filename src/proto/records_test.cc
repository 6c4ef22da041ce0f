// Proves the records encode exactly as the protocol reference's example frames (§1.6), that every
// record round-trips, and that multi requests reject what ZooKeeper rejects.
#include "proto/records.h"

#include <gtest/gtest.h>

namespace paddock::proto {
namespace {

std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(Records, NewSessionConnectRequestMatchesTheReferenceFrame) {
  ConnectRequest req;
  req.timeout_ms = 30000;
  req.passwd = std::string(16, '\0');
  req.has_read_only = true;
  // The reference frame is 49 bytes: the length 0x0000002d, then this payload (the length
  // prefix is net/frame_reader.h's, tested there).
  std::string payload = EncodeToString(req);
  EXPECT_EQ(payload.size(), 0x2du);
  EXPECT_EQ(payload, Unhex("000000000000000000000000000075300000000000000000"
                           "00000010" "00000000000000000000000000000000" "00"));
}

TEST(Records, ConnectRequestWithoutTrailerIsAnOldClient) {
  ConnectRequest req;
  req.passwd = std::string(16, '\0');
  std::string bytes = EncodeToString(req);
  ConnectRequest got;
  ASSERT_TRUE(DecodeFrom(bytes, &got));
  EXPECT_FALSE(got.has_read_only);
  req.has_read_only = true;
  req.read_only = true;
  ASSERT_TRUE(DecodeFrom(EncodeToString(req), &got));
  EXPECT_TRUE(got.has_read_only);
  EXPECT_TRUE(got.read_only);
}

TEST(Records, ConnectResponseIsFortyOneBytesOnTheWire) {
  ConnectResponse resp;
  resp.timeout_ms = 4000;
  resp.session_id = 0x0100000000000000;
  resp.passwd = std::string(16, 'p');
  EXPECT_EQ(4 + EncodeToString(resp).size(), 41u);  // with its frame's length prefix
}

TEST(Records, StatIsSixtyEightBytesAndRoundTrips) {
  Stat s{1, 2, 3, 4, 5, -1, 7, 8, 9, 10, 11};
  std::string bytes = EncodeToString(s);
  EXPECT_EQ(bytes.size(), 68u);
  Stat got;
  ASSERT_TRUE(DecodeFrom(bytes, &got));
  EXPECT_EQ(got, s);
}

TEST(Records, CreateRequestRoundTripsWithAcls) {
  CreateRequest c{"/a/b", std::string("data"), {{31, {"world", "anyone"}}, {1, {"ip", "1.2.3.4"}}},
                  3};
  CreateRequest got;
  ASSERT_TRUE(DecodeFrom(EncodeToString(c), &got));
  EXPECT_EQ(got.path, "/a/b");
  EXPECT_EQ(got.data, std::optional<std::string>("data"));
  ASSERT_EQ(got.acl.size(), 2u);
  EXPECT_EQ(got.acl[1].id.id, "1.2.3.4");
  EXPECT_EQ(got.flags, 3);
}

TEST(Records, MultiRequestRoundTrips) {
  MultiRequest m;
  m.ops.push_back({Op::kCreate, CreateRequest{"/x", std::nullopt, {}, 0}});
  m.ops.push_back({Op::kCheck, DeleteRequest{"/x", 0}});
  m.ops.push_back({Op::kSetData, SetDataRequest{"/x", std::string("d"), -1}});
  MultiRequest got;
  ASSERT_TRUE(DecodeFrom(EncodeToString(m), &got));
  ASSERT_EQ(got.ops.size(), 3u);
  EXPECT_EQ(got.ops[1].type, Op::kCheck);
  EXPECT_EQ(std::get<SetDataRequest>(got.ops[2].body).data, std::optional<std::string>("d"));
}

TEST(Records, MultiRequestMixingReadsAndWritesIsMalformed) {
  MultiRequest m;
  m.ops.push_back({Op::kCreate, CreateRequest{"/x", std::nullopt, {}, 0}});
  m.ops.push_back({Op::kGetData, PathWatchRequest{"/x", false}});
  MultiRequest got;
  EXPECT_FALSE(DecodeFrom(EncodeToString(m), &got));
}

TEST(Records, MultiRequestWithUnknownOpIsMalformed) {
  std::string bytes;
  JuteWriter w(&bytes);
  MultiHeader{3, false, -1}.Encode(w);  // exists is not allowed in a multi
  PathWatchRequest{"/x", false}.Encode(w);
  MultiHeader{-1, true, -1}.Encode(w);
  MultiRequest got;
  EXPECT_FALSE(DecodeFrom(bytes, &got));
}

TEST(Records, MultiResponseRoundTripsErrors) {
  MultiResponse m;
  m.results.push_back({Op::kError, Err::kOk, "", {}, std::nullopt, {}});
  m.results.push_back({Op::kError, Err::kNoNode, "", {}, std::nullopt, {}});
  m.results.push_back({Op::kError, Err::kRuntimeInconsistency, "", {}, std::nullopt, {}});
  MultiResponse got;
  ASSERT_TRUE(DecodeFrom(EncodeToString(m), &got));
  ASSERT_EQ(got.results.size(), 3u);
  EXPECT_EQ(got.results[1].err, Err::kNoNode);
  EXPECT_EQ(got.results[2].err, Err::kRuntimeInconsistency);
}

TEST(Records, SetWatches2CarriesPersistentLists) {
  SetWatches s;
  s.v2 = true;
  s.relative_zxid = 42;
  s.data_watches = {"/a"};
  s.persistent_recursive_watches = {"/b"};
  SetWatches got;
  got.v2 = true;
  ASSERT_TRUE(DecodeFrom(EncodeToString(s), &got));
  EXPECT_EQ(got.relative_zxid, 42);
  EXPECT_EQ(got.persistent_recursive_watches, std::vector<std::string>{"/b"});
}

}  // namespace
}  // namespace paddock::proto
