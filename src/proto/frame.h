// Length-prefixed framing of the client port (§1.2): int32 big-endian length, then the payload.
//
// FrameReader buffers bytes as they arrive from a socket and hands out whole payloads. A length
// below zero or above the limit (jute.maxbuffer) is an error: the connection must be closed
// without a reply, exactly as ZooKeeper does ("Len error"). Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace paddock::proto {

inline constexpr int32_t kJuteMaxBufferDefault = 0xfffff;

class FrameReader {
 public:
  explicit FrameReader(int32_t frame_bytes_max = kJuteMaxBufferDefault)
      : frame_bytes_max_(frame_bytes_max) {}

  enum class Next { kNeedMore, kFrame, kTooLarge };

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
  // or Pop.
  Next Pop(std::string_view* payload);
  // The first four buffered bytes as a big-endian int, if there are four (4lw detection).
  bool PeekInt(int32_t* v) const;
  size_t buffered() const { return borrowed_.size() + buf_.size() - pos_; }
  int32_t frame_bytes_max() const { return frame_bytes_max_; }

 private:
  std::string_view Data() const {
    return borrowed_.empty() ? std::string_view(buf_).substr(pos_) : borrowed_;
  }

  // Only a partial frame lives here; the buffer is released once it is consumed, so an idle
  // reader holds no memory.
  std::string buf_;
  size_t pos_ = 0;
  std::string_view borrowed_;  // set only while buf_ is empty
  int32_t frame_bytes_max_;
};

// Appends a frame (length + payload) for an already encoded payload.
void AppendFrame(std::string* out, std::string_view payload);

// Writes a 4-byte length placeholder at *out's end and returns its offset; FinishFrame fills it
// in once the payload has been appended. Lets records be encoded in place without a copy.
size_t BeginFrame(std::string* out);
void FinishFrame(std::string* out, size_t offset);

}  // namespace paddock::proto
