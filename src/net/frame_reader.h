// Length-prefixed framing: a u32 big-endian length, then that many payload bytes. The one
// implementation for every stream Paddock speaks: the client port (ZooKeeper's framing, §1.2 of
// the protocol notes), read by the server and by the client library, and the members' links
// (the peer channel, server/peers.h, and the members' handshake, net/peer_auth.h), whose
// payloads start with a type byte.
//
// FrameReader buffers bytes as they arrive from a socket and hands out whole payloads. Each
// stream has its limits: a length outside [payload_bytes_min, payload_bytes_max] is kBadLength
// (read as unsigned, so a negative int32 is always too large; ZooKeeper's "Len error"). The
// stream cannot be resynchronised after one: the caller closes it, and the reader keeps
// answering kBadLength. The writers below produce the same framing. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace paddock::net {

class FrameReader {
 public:
  // How many payload bytes (length field excluded) a frame may carry.
  struct Limits {
    uint32_t payload_bytes_min = 0;
    uint32_t payload_bytes_max = 0;
    bool operator==(const Limits&) const = default;
  };
  enum class Next { kNeedMore, kFrame, kBadLength };

  // REQUIRES: payload_bytes_min <= payload_bytes_max <= INT32_MAX.
  explicit FrameReader(Limits limits);
  Limits limits() const { return {payload_bytes_min_, payload_bytes_max_}; }
  // Applies from the next Pop on (a link whose handshake ended carries larger frames).
  // REQUIRES: as for the constructor.
  void set_limits(Limits limits);

  // Copies the bytes in.
  void Append(std::string_view bytes) {
    Keep();
    buf_.append(bytes);
  }
  // Uses the bytes in place when nothing is buffered (no copy for whole frames, the common
  // case); REQUIRES: Keep() before the memory they are in is reused.
  void Borrow(std::string_view bytes);
  // Copies what is left of borrowed bytes into the reader's own buffer.
  void Keep();
  // On kFrame, *payload views the frame's payload; it stays valid until the next Append, Borrow
  // or Pop. On kBadLength nothing is consumed; bad_length() tells the length read.
  Next Pop(std::string_view* payload);
  // The length field of the frame that Pop refused. REQUIRES: Pop returned kBadLength.
  uint32_t bad_length() const;
  // How many more bytes complete the frame at the head, its length field first: all that a
  // reader which must not take bytes past a frame asks the socket for. 0 when a whole frame,
  // or a bad length, is buffered.
  size_t BytesWanted() const;
  // The first four buffered bytes as a big-endian int, if there are four (4lw detection).
  bool PeekInt(int32_t* v) const;
  // The first n buffered bytes, if there are n (a four-letter word with its argument).
  bool Peek(size_t n, std::string_view* out) const;
  size_t buffered() const { return borrowed_.size() + buf_.size() - pos_; }

 private:
  std::string_view Data() const {
    return borrowed_.empty() ? std::string_view(buf_).substr(pos_) : borrowed_;
  }
  bool InLimits(uint32_t length) const {
    return length >= payload_bytes_min_ && length <= payload_bytes_max_;
  }
  // REQUIRES: buffered() >= 4.
  uint32_t HeadLength() const;

  // Only a partial frame lives here; the buffer is released once it is consumed, so an idle
  // reader holds no memory.
  std::string buf_;
  size_t pos_ = 0;
  std::string_view borrowed_;  // set only while buf_ is empty
  uint32_t payload_bytes_min_ = 0;
  uint32_t payload_bytes_max_ = 0;
};

// Appends a frame (length + payload) for an already encoded payload.
void AppendFrame(std::string* out, std::string_view payload);
// Appends a frame of the members' links: its payload is `type`, then `body`.
void AppendFrame(std::string* out, uint8_t type, std::string_view body);

// Writes a 4-byte length placeholder at *out's end and returns its offset; FinishFrame fills it
// in once the payload has been appended. Lets records be encoded in place without a copy.
size_t BeginFrame(std::string* out);
// REQUIRES: offset came from BeginFrame on *out; the payload since is at most INT32_MAX bytes.
void FinishFrame(std::string* out, size_t offset);

}  // namespace paddock::net
