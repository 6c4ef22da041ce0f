#include "consensus/commit_announcer.h"

#include <algorithm>

namespace paddock::consensus {
namespace {

// libraft 0.15's progress states (src/progress.h): probe, pipeline, snapshot.
constexpr unsigned short kProgressPipeline = 1;

size_t EntriesIn(const raft_log& log) {
  return log.front <= log.back ? log.back - log.front : log.size - log.front + log.back;
}

raft_index LastIndexOf(const raft_log& log) { return log.offset + EntriesIn(log); }

// Where the server is in the configuration (its progress slot); -1 if it is not there.
int SlotOf(const raft* r, raft_id id) {
  for (unsigned i = 0; i < r->configuration.n; i++) {
    if (r->configuration.servers[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

void SendDone(raft_io_send* req, int /*status*/) { delete req; }

}  // namespace

raft_term LastTermOf(const raft_log& log) {
  size_t n = EntriesIn(log);
  if (n == 0) return log.snapshot.last_term;
  return log.entries[(log.back + log.size - 1) % log.size].term;
}

void CommitAnnouncer::Request(raft* r) {
  if (raft_state(r) != RAFT_LEADER) return;
  raft_time now = r->io->time(r->io);
  for (unsigned i = 0; i < r->configuration.n; i++) {
    const raft_server& s = r->configuration.servers[i];
    if (s.id == r->id || s.role == RAFT_SPARE) continue;
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const Pending& p) { return p.id == s.id; });
    if (it == pending_.end()) {
      pending_.push_back({s.id, r->commit_index, now});
    } else {
      it->commit = r->commit_index;
      it->since = now;
    }
  }
}

int CommitAnnouncer::Flush(raft* r) {
  if (pending_.empty()) return 0;
  if (raft_state(r) != RAFT_LEADER) {
    pending_.clear();
    return 0;
  }
  raft_time now = r->io->time(r->io);
  raft_index last = LastIndexOf(r->log);
  int sent = 0;
  std::erase_if(pending_, [&](const Pending& p) {
    int slot = SlotOf(r, p.id);
    if (slot < 0) return true;
    const raft_progress& pr = r->leader_state.progress[slot];
    // libraft's own heartbeat is due by now: it carries the commit index.
    if (now - p.since >= r->heartbeat_timeout) return true;
    if (pr.state != kProgressPipeline || pr.next_index != last + 1) return true;
    if (pr.match_index < p.commit) return false;  // not stored there yet: wait for its ack
    const raft_server& s = r->configuration.servers[slot];
    raft_message m{};
    m.type = RAFT_IO_APPEND_ENTRIES;
    m.server_id = s.id;
    m.server_address = s.address;
    m.append_entries.term = r->current_term;
    m.append_entries.prev_log_index = last;
    m.append_entries.prev_log_term = LastTermOf(r->log);
    m.append_entries.leader_commit = r->commit_index;
    m.append_entries.entries = nullptr;
    m.append_entries.n_entries = 0;
    auto* req = new raft_io_send{};
    if (r->io->send(r->io, req, &m, SendDone) != 0) {
      delete req;  // not sent: libraft's heartbeat will carry it
    } else {
      sent++;
    }
    return true;
  });
  return sent;
}

}  // namespace paddock::consensus
