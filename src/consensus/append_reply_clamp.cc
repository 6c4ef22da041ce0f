#include "consensus/append_reply_clamp.h"

#include "base/assert.h"

namespace paddock::consensus {

void AppendReplyClamp::Deliver(raft_io* io, raft_message* message, raft_io_recv_cb recv) {
  PADDOCK_ASSERT_MSG(!handling_append_, "a message delivered while libraft handles another");
  if (message->type != RAFT_IO_APPEND_ENTRIES) {
    recv(io, message);
    return;
  }
  // Read before libraft takes the message: it frees the entries while handling it.
  append_from_ = message->server_id;
  append_covers_ = message->append_entries.prev_log_index + message->append_entries.n_entries;
  handling_append_ = true;
  recv(io, message);
  handling_append_ = false;
}

const raft_message* AppendReplyClamp::Lower(const raft_message* message, raft_message* scratch) {
  if (!handling_append_ || message->type != RAFT_IO_APPEND_ENTRIES_RESULT ||
      message->server_id != append_from_) {
    return message;
  }
  const raft_append_entries_result& result = message->append_entries_result;
  if (result.rejected != 0 || result.last_log_index <= append_covers_) return message;
  *scratch = *message;
  scratch->append_entries_result.last_log_index = append_covers_;
  clamped_replies_++;
  PADDOCK_ASSERT(scratch->append_entries_result.last_log_index < result.last_log_index);
  return scratch;
}

}  // namespace paddock::consensus
