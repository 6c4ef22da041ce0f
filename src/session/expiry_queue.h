// Session liveness: who must expire when.
//
// Each session has a deadline = last touch + timeout, kept exact to the millisecond (ZooKeeper
// rounds deadlines up to the next tick; we do not). Touch is O(1): it only records the new
// deadline. An ordered index of (deadline, id) is corrected lazily: when an index entry comes due
// and the session was touched since, it is re-filed under its real deadline. So the index never
// holds a deadline later than the real one, and the earliest index entry is a safe time to wake.
// The one exception to laziness: a touch that moves a deadline earlier (after SetTimeout lowered
// the timeout) re-files at once, to keep that promise.
//
//   touch:  entries_[id].deadline = now + timeout                 O(1), O(log n) if earlier
//   poll:   while index.front().deadline <= now:
//             real = entries_[id].deadline
//             real <= now ? expire(id) : re-file at real           O(log n) per due entry
//
// Pure: time is passed in. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace paddock::session {

class ExpiryQueue {
 public:
  // Starts tracking a session (or re-arms it) with deadline now + timeout.
  void Add(int64_t id, int32_t timeout_ms, int64_t now_ms);
  // Moves a tracked session's deadline to now + its timeout; false if not tracked.
  bool Touch(int64_t id, int64_t now_ms);
  // Moves a tracked session's deadline to heard + its timeout if that is later (a touch heard
  // elsewhere, reported late); false if not tracked.
  bool Extend(int64_t id, int64_t heard_ms);
  // Changes the timeout used by later touches (a reattach may negotiate another value).
  void SetTimeout(int64_t id, int32_t timeout_ms);
  void Remove(int64_t id);
  bool Contains(int64_t id) const { return entries_.count(id) != 0; }

  // Removes and returns up to `count_max` sessions whose deadline is <= now, earliest first.
  // With `timeouts_ms`, their timeouts are appended to it in the same order.
  std::vector<int64_t> PollExpired(int64_t now_ms, size_t count_max,
                                   std::vector<int32_t>* timeouts_ms = nullptr);
  // The earliest time at which PollExpired may find something; nullopt when empty.
  std::optional<int64_t> NextWakeMs() const;
  // The real deadline of a tracked session. REQUIRES: Contains(id).
  int64_t DeadlineMs(int64_t id) const;
  int32_t TimeoutMs(int64_t id) const;
  size_t size() const { return entries_.size(); }
  // Every tracked session with its real deadline, ordered by deadline (for `dump`).
  std::vector<std::pair<int64_t, int64_t>> ByDeadline() const;

 private:
  struct Entry {
    int64_t deadline_ms = 0;
    int64_t indexed_ms = 0;  // the deadline under which it is filed in index_
    int32_t timeout_ms = 0;
  };
  std::unordered_map<int64_t, Entry> entries_;
  std::set<std::pair<int64_t, int64_t>> index_;  // (indexed deadline, id)
};

}  // namespace paddock::session
