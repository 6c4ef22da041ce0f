// Proves that a production LibraftLog follower answers an AppendEntries with what Raft says it
// covers, prevLogIndex + n_entries, and not with its whole log as libraft 0.15 does when it
// answers at once (append_reply_clamp.h). The follower is a real LibraftLog, member 2 of two,
// with its own directory, on libraft's libuv backend and TCP transport on loopback. The test
// plays member 1, the leader, through a bare raft_io of libraft's own (raft_uv_init, its own
// directory and TCP transport), so that libraft encodes and decodes every message; it sends
// hand-built AppendEntries and reads the results:
//   1. term 2, prev 1: entries 2 and 3 of term 2. Answered after the write: 3 (libraft is
//      right here already).
//   2. term 3 (a new leader, whose log has entry 2 but never got 3), prev 2, no entries: a
//      heartbeat, answered at once. Raft says 2; libraft says 3, its stale entry 3 included, and
//      a real leader whose own log reached 3 by then would count that entry as a copy of its
//      own (the simulation shows what follows: sim_consensus_test.cc).
//   3. term 3, prev 1, entry 2 again: entries the follower holds, answered at once: 2.
// Without the clamp in LibraftLog, steps 2 and 3 answer 3 and the test fails.
//
// A second test sends the follower, once it has taken a snapshot of its own, an InstallSnapshot
// of an older one: libraft answers at once with the leader's index; the clamp raises it to the
// follower's snapshot, so that the leader's snapshot state for it ends (append_reply_clamp.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "testing/free_port.h"
#include "consensus/auth_transport.h"
#include "consensus/libraft_log.h"

namespace paddock::consensus {
namespace {

// A loopback port nothing listened on a moment ago.

// The leader played by the test: libraft's backend without a raft. It keeps every entry and
// send request it used until it is closed (the backend writes entries from the caller's
// buffers).
// The ensemble's key, which both sides hold (Raft's port authenticates every connection).
const std::string kKey(32, 'k');

class HandLeader {
 public:
  HandLeader(uv_loop_t* loop, std::string dir, std::string address,
             std::vector<std::pair<uint64_t, std::string>> voters)
      : loop_(loop), dir_(std::move(dir)), address_(std::move(address)),
        voters_(std::move(voters)) {}

  // Listens on its address; `on_result` gets every AppendEntriesResult, on the loop.
  bool Start(std::function<void(const raft_append_entries_result&)> on_result) {
    on_result_ = std::move(on_result);
    std::filesystem::create_directories(dir_);
    // Raft's port takes only members that prove the ensemble's key (auth_transport.h).
    if (AuthTransportInit(&transport_, loop_, kKey, voters_) != 0) return false;
    if (raft_uv_init(&io_, loop_, dir_.c_str(), &transport_) != 0) return false;
    raft_uv_set_connect_retry_delay(&io_, 20);
    io_.data = this;
    if (io_.init(&io_, 1, address_.c_str()) != 0) return false;
    return io_.start(&io_, 1000, [](raft_io*) {}, Recv) == 0;
  }

  // Sends an AppendEntries from member 1 with entries of the given terms after prev_log_index.
  void Send(raft_id to, const std::string& to_address, raft_term term, raft_index prev_log_index,
            raft_term prev_log_term, const std::vector<raft_term>& entry_terms,
            raft_index leader_commit = 1) {
    std::vector<raft_entry>& entries = entries_.emplace_back(entry_terms.size());
    for (size_t k = 0; k < entry_terms.size(); k++) {
      std::string& data = data_.emplace_back(LibraftLog::Frame("entry"));
      entries[k].term = entry_terms[k];
      entries[k].type = RAFT_COMMAND;
      entries[k].buf = raft_buffer{data.data(), data.size()};
    }
    raft_message m{};
    m.type = RAFT_IO_APPEND_ENTRIES;
    m.server_id = to;
    m.server_address = to_address.c_str();
    m.append_entries = raft_append_entries{term, prev_log_index, prev_log_term, leader_commit,
                                           entries.data(),
                                           static_cast<unsigned>(entries.size())};
    int rv = io_.send(&io_, &sends_.emplace_back(), &m, [](raft_io_send*, int) {});
    EXPECT_EQ(rv, 0) << raft_strerror(rv);
  }

  // Sends an InstallSnapshot from member 1: a snapshot up to last_index of last_term, with the
  // voters as its configuration. The backend sends the data from this buffer, kept until Close.
  void SendSnapshot(raft_id to, const std::string& to_address, raft_term term,
                    raft_index last_index, raft_term last_term) {
    raft_configuration& conf = confs_.emplace_back();
    raft_configuration_init(&conf);
    for (const auto& [id, address] : voters_) {
      EXPECT_EQ(raft_configuration_add(&conf, id, address.c_str(), RAFT_VOTER), 0);
    }
    std::string& data = data_.emplace_back("an older state");
    raft_message m{};
    m.type = RAFT_IO_INSTALL_SNAPSHOT;
    m.server_id = to;
    m.server_address = to_address.c_str();
    m.install_snapshot = raft_install_snapshot{term, last_index, last_term, conf, 1,
                                               raft_buffer{data.data(), data.size()}};
    int rv = io_.send(&io_, &sends_.emplace_back(), &m, [](raft_io_send*, int) {});
    EXPECT_EQ(rv, 0) << raft_strerror(rv);
  }

  void Close() {
    for (raft_configuration& conf : confs_) raft_configuration_close(&conf);
    io_.close(&io_, [](raft_io* io) {
      auto* self = static_cast<HandLeader*>(io->data);
      raft_uv_close(&self->io_);
      AuthTransportRelease(&self->transport_);
    });
  }

 private:
  static void Recv(raft_io* io, raft_message* message) {
    auto* self = static_cast<HandLeader*>(io->data);
    // A vote request is all else the follower could send, and holds nothing to free.
    if (message->type == RAFT_IO_APPEND_ENTRIES_RESULT) {
      self->on_result_(message->append_entries_result);
    }
  }

  uv_loop_t* loop_;
  std::string dir_;
  std::string address_;
  raft_io io_{};
  raft_uv_transport transport_{};
  std::vector<std::pair<uint64_t, std::string>> voters_;
  std::function<void(const raft_append_entries_result&)> on_result_;
  std::deque<std::vector<raft_entry>> entries_;
  std::deque<std::string> data_;
  std::deque<raft_io_send> sends_;
  std::deque<raft_configuration> confs_;
};

class LibraftAppendReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-append-reply-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Member 2, the follower under test, of two voters on loopback; it stays a follower for the
  // test's few milliseconds (its election timeout is long).
  LibraftOptions FollowerOptions() const {
    LibraftOptions o;
    o.dir = (dir_ / "2").string();
    o.id = 2;
    o.address = follower_address_;
    o.voters = {{1, leader_address_}, {2, follower_address_}};
    o.peer_key = kKey;
    o.election_timeout_ms = 10'000;
    return o;
  }

  std::filesystem::path dir_;
  std::string leader_address_ = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  std::string follower_address_ = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
};

TEST_F(LibraftAppendReplyTest, AFollowerAnswersAtOnceWithNoMoreThanTheRequestCovered) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  LibraftOptions o = FollowerOptions();
  LibraftLog follower(&loop, o);
  Callbacks cb;
  cb.apply = [](std::string_view) {};  // nothing commits past the bootstrap entry
  cb.snapshot = [] { return std::string(); };
  cb.restore = [](std::string_view) { return Status::Ok(); };
  ASSERT_TRUE(follower.Start(std::move(cb)).ok());

  HandLeader leader(&loop, (dir_ / "1").string(), leader_address_, o.voters);
  std::vector<raft_append_entries_result> results;
  // Ends the run: after the third result, or at the deadline. It runs from the timer, outside
  // the backend's receive callback.
  std::function<void()> finish = [&] {
    follower.Stop([] {});
    leader.Close();
  };
  uv_timer_t timer{};
  uv_timer_init(&loop, &timer);
  timer.data = &finish;
  uv_timer_cb finish_cb = [](uv_timer_t* t) {
    (*static_cast<std::function<void()>*>(t->data))();
    uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
  };
  ASSERT_TRUE(leader.Start([&](const raft_append_entries_result& r) {
    results.push_back(r);
    if (results.size() == 1) leader.Send(2, follower_address_, 3, 2, 2, {});
    if (results.size() == 2) leader.Send(2, follower_address_, 3, 1, 1, {2});
    if (results.size() == 3) uv_timer_start(&timer, finish_cb, 0, 0);
  }));
  leader.Send(2, follower_address_, 2, 1, 1, {2, 2});
  uv_timer_start(&timer, finish_cb, 10'000, 0);  // the deadline
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);

  ASSERT_EQ(results.size(), 3u) << "timed out";
  EXPECT_EQ(results[0].rejected, 0u);
  EXPECT_EQ(results[0].last_log_index, 3u);  // after the write
  EXPECT_EQ(results[1].rejected, 0u);
  EXPECT_EQ(results[1].term, 3u);
  EXPECT_EQ(results[1].last_log_index, 2u);  // the heartbeat: not the stale entry 3
  EXPECT_EQ(results[2].rejected, 0u);
  EXPECT_EQ(results[2].last_log_index, 2u);  // entries it held
}

// The follower takes a snapshot of entries 1-9 (threshold 4, one trailing entry: its log then
// starts at 9), then gets a leader's snapshot up to 3. libraft: "have more recent snapshot", a
// success claiming 3. A leader waiting for this follower in its snapshot state with a match
// index of 3 already would ignore that answer, and libraft's probes below the follower's log
// would bring it back to the same snapshot (the simulation's seeds 9544 and others). The clamp
// claims the follower's snapshot, 9: every entry up to it is committed.
TEST_F(LibraftAppendReplyTest, AnOlderSnapshotIsAnsweredWithTheFollowersOwn) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  LibraftOptions o = FollowerOptions();
  o.snapshot_threshold = 4;
  o.snapshot_trailing = 1;
  o.fork_snapshots = false;
  LibraftLog follower(&loop, o);
  Callbacks cb;
  cb.apply = [](std::string_view) {};
  cb.snapshot = [] { return std::string("the follower's state"); };
  cb.restore = [](std::string_view) { return Status::Ok(); };
  ASSERT_TRUE(follower.Start(std::move(cb)).ok());

  HandLeader leader(&loop, (dir_ / "1").string(), leader_address_, o.voters);
  std::vector<raft_append_entries_result> results;
  LogStats at_install;
  std::function<void()> finish = [&] {
    follower.Stop([] {});
    leader.Close();
  };
  // Polls the follower until its snapshot is written, then sends the older one.
  std::function<void()> poll = [&] {
    LogStats s = follower.Stats();
    if (s.snapshots_taken == 0 || s.snapshot_index_last < 9) return;
    at_install = s;
    leader.SendSnapshot(2, follower_address_, 2, 3, 2);
  };
  uv_timer_t poller{};
  uv_timer_init(&loop, &poller);
  poller.data = &poll;
  uv_timer_t timer{};
  uv_timer_init(&loop, &timer);
  timer.data = &finish;
  uv_timer_cb finish_cb = [](uv_timer_t* t) {
    (*static_cast<std::function<void()>*>(t->data))();
    uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
  };
  uv_timer_cb poll_cb = [](uv_timer_t* t) { (*static_cast<std::function<void()>*>(t->data))(); };
  ASSERT_TRUE(leader.Start([&](const raft_append_entries_result& r) {
    results.push_back(r);
    if (results.size() == 1) {
      // Entries 2-9 are written; this heartbeat commits them all (the follower applies and
      // snapshots once it knows).
      leader.Send(2, follower_address_, 2, 9, 2, {}, 9);
    }
    if (results.size() == 2) uv_timer_start(&poller, poll_cb, 5, 5);
    if (results.size() == 3) {
      uv_timer_stop(&poller);
      uv_close(reinterpret_cast<uv_handle_t*>(&poller), nullptr);
      uv_timer_start(&timer, finish_cb, 0, 0);
    }
  }));
  leader.Send(2, follower_address_, 2, 1, 1, {2, 2, 2, 2, 2, 2, 2, 2}, 9);
  uv_timer_start(&timer, finish_cb, 10'000, 0);  // the deadline
  uv_run(&loop, UV_RUN_DEFAULT);
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&poller))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&poller), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);

  ASSERT_EQ(results.size(), 3u) << "timed out";
  EXPECT_EQ(results[0].last_log_index, 9u);
  EXPECT_GE(at_install.commit_index, 9u);
  EXPECT_EQ(results[2].rejected, 0u);
  EXPECT_EQ(results[2].term, 2u);
  EXPECT_EQ(results[2].last_log_index, 9u);  // its own snapshot, not the leader's 3
}

}  // namespace
}  // namespace paddock::consensus
