#include "consensus/append_reply_clamp.h"

#include <algorithm>

#include "base/assert.h"

namespace paddock::consensus {

void AppendReplyClamp::Deliver(raft_io* io, raft_message* message, raft_io_recv_cb recv,
                               const raft& follower) {
  PADDOCK_ASSERT_MSG(handling_ == Handling::kNothing,
                     "a message delivered while libraft handles another");
  // Read before libraft takes the message: it frees the entries while handling it.
  if (message->type == RAFT_IO_APPEND_ENTRIES) {
    handling_ = Handling::kAppend;
    append_covers_ = message->append_entries.prev_log_index + message->append_entries.n_entries;
  } else if (message->type == RAFT_IO_INSTALL_SNAPSHOT) {
    handling_ = Handling::kSnapshot;
    committed_floor_ = std::min(follower.log.snapshot.last_index, follower.commit_index);
  } else {
    recv(io, message);
    return;
  }
  from_ = message->server_id;
  recv(io, message);
  handling_ = Handling::kNothing;
}

const raft_message* AppendReplyClamp::Clamp(const raft_message* message, raft_message* scratch) {
  if (handling_ == Handling::kNothing || message->type != RAFT_IO_APPEND_ENTRIES_RESULT ||
      message->server_id != from_ || message->append_entries_result.rejected != 0) {
    return message;
  }
  const raft_index claimed = message->append_entries_result.last_log_index;
  raft_index clamped = claimed;
  if (handling_ == Handling::kAppend && claimed > append_covers_) {
    clamped = append_covers_;
    clamped_replies_++;
  } else if (handling_ == Handling::kSnapshot && claimed < committed_floor_) {
    clamped = committed_floor_;
    raised_replies_++;
  }
  if (clamped == claimed) return message;
  *scratch = *message;
  scratch->append_entries_result.last_log_index = clamped;
  return scratch;
}

}  // namespace paddock::consensus
