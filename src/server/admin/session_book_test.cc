// Proves the session book's contract on a manual timeline (no clock, no sleeps): the silence of
// an expired session is measured from the last packet heard to the expiry decision; a closed
// session reports its client; how the last connection ended (client, network, server) is
// carried into the ended record; the history keeps at most kEndedMax records and none older
// than kEndedKeepMs; and sessions restored after a restart count as heard at the re-arm.
#include "server/admin/session_book.h"

#include <gtest/gtest.h>

namespace paddock::server::admin {
namespace {

constexpr int64_t kWall = 1'700'000'000'000;

TEST(SessionBook, ExpiredSessionReportsItsSilenceFromTheLastPacketHeard) {
  SessionBook book;
  book.Created(7, 4000, kWall, 1000);
  book.Connected(7, "127.0.0.1:5000", 4000);
  book.Heard(7, 1500);
  book.ExpiryDecided(7, 5503);
  const EndedSession& e = book.Ended(7, EndReason::kExpired, 2, kWall + 4600);
  EXPECT_EQ(e.silence_ms, 4003);
  EXPECT_EQ(e.timeout_ms, 4000);
  EXPECT_EQ(e.ephemerals_deleted, 2);
  EXPECT_EQ(e.client_address, "127.0.0.1:5000");
  EXPECT_EQ(e.Describe(), "expired after 4003 ms of silence");
  EXPECT_EQ(book.Find(7), nullptr);
  EXPECT_EQ(book.live_size(), 0u);
}

TEST(SessionBook, ClosedSessionIsClosedByTheClientWithItsLifetime) {
  SessionBook book;
  book.Created(8, 4000, kWall, 0);
  book.Connected(8, "10.0.0.1:4242", 4000);
  const EndedSession& e = book.Ended(8, EndReason::kClosed, 0, kWall + 1234);
  EXPECT_EQ(e.Describe(), "closed by the client");
  EXPECT_EQ(e.silence_ms, -1);
  EXPECT_EQ(e.ended_wall_ms - e.created_wall_ms, 1234);
}

TEST(SessionBook, ExpiryAfterAServerDropSaysHowTheLastConnectionEnded) {
  SessionBook book;
  book.Created(9, 4000, kWall, 0);
  book.Connected(9, "127.0.0.1:6000", 4000);
  book.Disconnected(9, DisconnectBy::kServer, "frame length out of range");
  EXPECT_FALSE(book.Find(9)->connected);
  book.ExpiryDecided(9, 4000);
  const EndedSession& e = book.Ended(9, EndReason::kExpired, 0, kWall + 4000);
  EXPECT_EQ(e.Describe(),
            "expired after 4000 ms of silence; last connection dropped by the server: frame "
            "length out of range");
}

TEST(SessionBook, AReattachWithAnotherTimeoutIsWhatTheRecordKeeps) {
  SessionBook book;
  book.Created(12, 4000, kWall, 0);
  book.Connected(12, "127.0.0.1:7000", 4000);
  book.Disconnected(12, DisconnectBy::kNetwork, "connection reset by peer");
  book.Connected(12, "127.0.0.1:7001", 6000);
  const EndedSession& e = book.Ended(12, EndReason::kClosed, 0, kWall + 10);
  EXPECT_EQ(e.timeout_ms, 6000);
  EXPECT_EQ(e.client_address, "127.0.0.1:7001");
}

TEST(SessionBook, DisconnectsAreDescribedByWhoEndedThem) {
  EXPECT_EQ(DescribeDisconnect(DisconnectBy::kClient, "client closed"), "closed by the client");
  EXPECT_EQ(DescribeDisconnect(DisconnectBy::kNetwork, "connection reset by peer"),
            "lost: connection reset by peer");
  EXPECT_EQ(DescribeDisconnect(DisconnectBy::kServer, "auth failed"),
            "dropped by the server: auth failed");
}

TEST(SessionBook, SessionThatNeverConnectedHereSaysSo) {
  SessionBook book;
  book.Created(10, 4000, kWall, 0);
  book.ExpiryDecided(10, 4000);
  EXPECT_EQ(book.Ended(10, EndReason::kExpired, 0, kWall).Describe(),
            "expired after 4000 ms of silence; no client ever connected to it here");
}

TEST(SessionBook, RestoredSessionCountsAsHeardAtTheRearmAndHasNoCreationTime) {
  SessionBook book;
  book.Rearmed(11, 4000, 50'000);
  ASSERT_NE(book.Find(11), nullptr);
  EXPECT_EQ(book.Find(11)->last_heard_ms, 50'000);
  EXPECT_EQ(book.Find(11)->created_wall_ms, -1);
  book.ExpiryDecided(11, 54'000);
  EXPECT_EQ(book.Ended(11, EndReason::kExpired, 0, kWall).silence_ms, 4000);
}

// A member's report may be older than a packet heard here: the latest counts. (Before, a leader
// counted only its own packets, and its expiry of a client connected to a follower reported the
// silence since the session's creation.)
TEST(SessionBook, LastHeardKeepsTheLatestOfOwnPacketsAndReports) {
  SessionBook book;
  book.Created(12, 4000, kWall, 0);
  book.Heard(12, 9'000);  // reported by a member
  book.Heard(12, 8'000);  // an older report
  EXPECT_EQ(book.Find(12)->last_heard_ms, 9'000);
  book.ExpiryDecided(12, 13'000);
  EXPECT_EQ(book.Ended(12, EndReason::kExpired, 0, kWall).silence_ms, 4000);
}

TEST(SessionBook, HistoryKeepsTheNewestRecordsUpToItsBound) {
  SessionBook book;
  for (int64_t id = 1; id <= static_cast<int64_t>(SessionBook::kEndedMax) + 5; id++) {
    book.Created(id, 4000, kWall, 0);
    book.Ended(id, EndReason::kClosed, 0, kWall + id);
  }
  const auto& recent = book.Recent(kWall + 2000);
  ASSERT_EQ(recent.size(), SessionBook::kEndedMax);
  EXPECT_EQ(recent.front().session_id, 6);
  EXPECT_EQ(recent.back().session_id, static_cast<int64_t>(SessionBook::kEndedMax) + 5);
}

TEST(SessionBook, HistoryForgetsRecordsOlderThanItsWindow) {
  SessionBook book;
  book.Ended(1, EndReason::kClosed, 0, kWall);
  book.Ended(2, EndReason::kExpired, 0, kWall + 60'000);
  EXPECT_EQ(book.Recent(kWall + SessionBook::kEndedKeepMs).size(), 2u);
  const auto& recent = book.Recent(kWall + SessionBook::kEndedKeepMs + 1);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent.front().session_id, 2);
  EXPECT_EQ(book.Recent(kWall + 60'000 + SessionBook::kEndedKeepMs + 1).size(), 0u);
}

TEST(SessionBook, PacketsFromUnknownSessionsAreIgnored) {
  SessionBook book;
  book.Heard(99, 10);
  book.Connected(99, "x", 4000);
  book.Disconnected(99, DisconnectBy::kClient, "client closed");
  book.ExpiryDecided(99, 10);
  EXPECT_EQ(book.live_size(), 0u);
}

}  // namespace
}  // namespace paddock::server::admin
