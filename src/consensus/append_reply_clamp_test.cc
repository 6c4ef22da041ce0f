// Proves that AppendReplyClamp changes exactly the replies libraft 0.15 gets wrong, and no other:
// a successful AppendEntriesResult sent while libraft handles an AppendEntries, to its sender,
// that claims more than prevLogIndex + n_entries, goes out claiming prevLogIndex + n_entries,
// every other field as libraft wrote it; one sent while it handles an InstallSnapshot that
// claims less than the follower's committed snapshot goes out claiming that snapshot.
// Rejections, replies that claim less (entries still being written), replies to someone else,
// replies sent after the handling (the append callback's), and other message types pass through
// as the same object. The messages are built by hand; a stand-in for libraft's receive callback
// sends the planned reply through Clamp, as recvAppendEntries and recvInstallSnapshot send
// through io->send.
#include "consensus/append_reply_clamp.h"

#include <gtest/gtest.h>

namespace paddock::consensus {
namespace {

// One follower's raft_io as the clamp sees it: what its "libraft" will send while handling a
// message, and what reached the backend.
struct Follower {
  AppendReplyClamp clamp;
  raft_io io{};
  raft r{};  // the follower's raft: only its snapshot and commit index are read
  raft_message reply{};  // sent from inside the receive callback, as recvAppendEntries does
  raft_message scratch{};
  const raft_message* sent = nullptr;
  const raft_message* received = nullptr;

  Follower() { io.data = this; }
  // The follower's raft with a snapshot up to `snapshot_index` and a commit index.
  Follower(raft_index snapshot_index, raft_index commit_index) : Follower() {
    r.log.snapshot.last_index = snapshot_index;
    r.commit_index = commit_index;
  }

  void Deliver(raft_message* message) {
    clamp.Deliver(
        &io, message,
        [](raft_io* follower_io, raft_message* m) {
          auto* self = static_cast<Follower*>(follower_io->data);
          self->received = m;
          self->sent = self->clamp.Clamp(&self->reply, &self->scratch);
        },
        r);
  }
};

raft_message AppendEntries(raft_id from, raft_index prev_log_index, unsigned n_entries) {
  raft_message m{};
  m.type = RAFT_IO_APPEND_ENTRIES;
  m.server_id = from;
  m.server_address = "leader";
  m.append_entries.term = 4;
  m.append_entries.prev_log_index = prev_log_index;
  m.append_entries.prev_log_term = 3;
  m.append_entries.n_entries = n_entries;  // entries stay null: the clamp reads only the count
  return m;
}

raft_message Result(raft_id to, raft_index rejected, raft_index last_log_index) {
  raft_message m{};
  m.type = RAFT_IO_APPEND_ENTRIES_RESULT;
  m.server_id = to;
  m.server_address = "leader";
  m.append_entries_result.term = 4;
  m.append_entries_result.rejected = rejected;
  m.append_entries_result.last_log_index = last_log_index;
  return m;
}

TEST(AppendReplyClampTest, AHeartbeatAnsweredWithTheWholeLogClaimsOnlyPrevLogIndex) {
  Follower f;
  raft_message heartbeat = AppendEntries(2, 2, 0);
  f.reply = Result(2, 0, 3);  // libraft: r->last_stored, a stale entry 3 included
  f.Deliver(&heartbeat);
  ASSERT_EQ(f.sent, &f.scratch);
  EXPECT_EQ(f.sent->append_entries_result.last_log_index, 2u);
  EXPECT_EQ(f.clamp.clamped_replies(), 1u);
}

TEST(AppendReplyClampTest, EntriesAlreadyHeldAreAnsweredWithTheLastOfThem) {
  Follower f;
  raft_message append = AppendEntries(2, 5, 3);
  f.reply = Result(2, 0, 12);
  f.Deliver(&append);
  ASSERT_EQ(f.sent, &f.scratch);
  EXPECT_EQ(f.sent->append_entries_result.last_log_index, 8u);
}

TEST(AppendReplyClampTest, TheLoweredReplyKeepsEveryOtherField) {
  Follower f;
  raft_message heartbeat = AppendEntries(2, 2, 0);
  f.reply = Result(2, 0, 9);
  f.Deliver(&heartbeat);
  ASSERT_EQ(f.sent, &f.scratch);
  EXPECT_EQ(f.sent->type, RAFT_IO_APPEND_ENTRIES_RESULT);
  EXPECT_EQ(f.sent->server_id, 2u);
  EXPECT_STREQ(f.sent->server_address, "leader");
  EXPECT_EQ(f.sent->append_entries_result.term, 4u);
  EXPECT_EQ(f.sent->append_entries_result.rejected, 0u);
  EXPECT_EQ(f.reply.append_entries_result.last_log_index, 9u);  // libraft's own is untouched
}

TEST(AppendReplyClampTest, TheAppendEntriesReachesLibraftUnchanged) {
  Follower f;
  raft_message append = AppendEntries(2, 5, 3);
  f.reply = Result(2, 0, 8);
  f.Deliver(&append);
  EXPECT_EQ(f.received, &append);
  EXPECT_EQ(append.append_entries.prev_log_index, 5u);
  EXPECT_EQ(append.append_entries.n_entries, 3u);
}

// The request's entries are in memory but not all on disk yet: libraft claims fewer, rightly.
TEST(AppendReplyClampTest, AReplyClaimingNoMoreThanTheRequestCoveredIsLeftAlone) {
  for (raft_index last : {0u, 6u, 8u}) {
    Follower f;
    raft_message append = AppendEntries(2, 5, 3);
    f.reply = Result(2, 0, last);
    f.Deliver(&append);
    EXPECT_EQ(f.sent, &f.reply) << last;
  }
}

// A rejection's last_log_index tells the leader where to probe next; it is not a match claim.
TEST(AppendReplyClampTest, ARejectionIsLeftAlone) {
  Follower f;
  raft_message heartbeat = AppendEntries(2, 7, 0);
  f.reply = Result(2, 7, 9);
  f.Deliver(&heartbeat);
  EXPECT_EQ(f.sent, &f.reply);
  EXPECT_EQ(f.clamp.clamped_replies(), 0u);
}

TEST(AppendReplyClampTest, AReplyToAnotherServerIsLeftAlone) {
  Follower f;
  raft_message heartbeat = AppendEntries(2, 2, 0);
  f.reply = Result(3, 0, 9);
  f.Deliver(&heartbeat);
  EXPECT_EQ(f.sent, &f.reply);
}

// libraft answers after writing new entries from appendFollowerCb, outside the receive
// callback, with r->last_stored, which then ends with those entries.
TEST(AppendReplyClampTest, AReplySentAfterTheHandlingIsLeftAlone) {
  Follower f;
  raft_message append = AppendEntries(2, 2, 1);
  f.reply = Result(2, 0, 2);
  f.Deliver(&append);
  raft_message later = Result(2, 0, 5);
  raft_message scratch{};
  EXPECT_EQ(f.clamp.Clamp(&later, &scratch), &later);
}

TEST(AppendReplyClampTest, OtherMessagesPassThrough) {
  Follower f;
  raft_message vote{};
  vote.type = RAFT_IO_REQUEST_VOTE;
  vote.server_id = 2;
  f.reply = Result(2, 0, 9);  // even an AppendEntriesResult: no AppendEntries is being handled
  f.Deliver(&vote);
  EXPECT_EQ(f.received, &vote);
  EXPECT_EQ(f.sent, &f.reply);

  raft_message heartbeat = AppendEntries(2, 2, 0);
  f.reply = Result(2, 0, 2);
  f.reply.type = RAFT_IO_REQUEST_VOTE_RESULT;
  f.reply.request_vote_result.term = 4;
  f.Deliver(&heartbeat);
  EXPECT_EQ(f.sent, &f.reply);
}

raft_message InstallSnapshot(raft_id from, raft_index last_index) {
  raft_message m{};
  m.type = RAFT_IO_INSTALL_SNAPSHOT;
  m.server_id = from;
  m.server_address = "leader";
  m.install_snapshot.term = 4;
  m.install_snapshot.last_index = last_index;
  m.install_snapshot.last_term = 3;
  return m;
}

// libraft's "have more recent snapshot" no-op: it echoes the leader's index (1300, as in seed
// 9544 of the simulation) although its own snapshot reaches 1321.
TEST(AppendReplyClampTest, ASnapshotOlderThanTheFollowersIsAnsweredWithTheFollowersSnapshot) {
  Follower f(1321, 1321);
  raft_message install = InstallSnapshot(2, 1300);
  f.reply = Result(2, 0, 1300);
  f.Deliver(&install);
  EXPECT_EQ(f.received, &install);
  ASSERT_EQ(f.sent, &f.scratch);
  EXPECT_EQ(f.sent->append_entries_result.last_log_index, 1321u);
  EXPECT_EQ(f.sent->append_entries_result.rejected, 0u);
  EXPECT_EQ(f.sent->append_entries_result.term, 4u);
  EXPECT_EQ(f.reply.append_entries_result.last_log_index, 1300u);  // libraft's own is untouched
  EXPECT_EQ(f.clamp.raised_replies(), 1u);
  EXPECT_EQ(f.clamp.clamped_replies(), 0u);
}

// The floor is what is both in the snapshot and known committed: libraft sets the snapshot
// index before an installed snapshot is written, and a failed write leaves it there.
TEST(AppendReplyClampTest, TheRaiseStopsAtTheCommitIndex) {
  Follower f(1321, 1310);
  raft_message install = InstallSnapshot(2, 1300);
  f.reply = Result(2, 0, 1300);
  f.Deliver(&install);
  ASSERT_EQ(f.sent, &f.scratch);
  EXPECT_EQ(f.sent->append_entries_result.last_log_index, 1310u);
}

TEST(AppendReplyClampTest, ASnapshotReplyClaimingAtLeastTheFloorIsLeftAlone) {
  Follower f(1300, 1305);
  // "have all entries": the follower's log already holds the snapshot's last entry.
  raft_message install = InstallSnapshot(2, 1302);
  f.reply = Result(2, 0, 1302);
  f.Deliver(&install);
  EXPECT_EQ(f.sent, &f.reply);
  EXPECT_EQ(f.clamp.raised_replies(), 0u);
}

// A rejection of an InstallSnapshot (a stale term) names the snapshot in `rejected`.
TEST(AppendReplyClampTest, ARejectedSnapshotIsLeftAlone) {
  Follower f(1321, 1321);
  raft_message install = InstallSnapshot(2, 1300);
  f.reply = Result(2, 1300, 1322);
  f.Deliver(&install);
  EXPECT_EQ(f.sent, &f.reply);
}

TEST(AppendReplyClampTest, ASnapshotReplyToAnotherServerOrAfterTheHandlingIsLeftAlone) {
  Follower f(1321, 1321);
  raft_message install = InstallSnapshot(2, 1300);
  f.reply = Result(3, 0, 1300);
  f.Deliver(&install);
  EXPECT_EQ(f.sent, &f.reply);
  // installSnapshotCb answers later, outside the receive callback, with what it wrote.
  raft_message later = Result(2, 0, 1300);
  raft_message scratch{};
  EXPECT_EQ(f.clamp.Clamp(&later, &scratch), &later);
}

// An AppendEntries reply is never raised, whatever the follower's snapshot.
TEST(AppendReplyClampTest, AnAppendEntriesReplyIsNeverRaised) {
  Follower f(1321, 1321);
  raft_message heartbeat = AppendEntries(2, 1300, 0);
  f.reply = Result(2, 0, 1300);
  f.Deliver(&heartbeat);
  EXPECT_EQ(f.sent, &f.reply);
}

}  // namespace
}  // namespace paddock::consensus
