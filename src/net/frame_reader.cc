#include "net/frame_reader.h"

#include "base/assert.h"

namespace paddock::net {
namespace {

uint32_t ReadBigEndian32(const char* p) {
  uint32_t u = 0;
  for (int i = 0; i < 4; i++) u = (u << 8) | static_cast<uint8_t>(p[i]);
  return u;
}

void WriteBigEndian32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

}  // namespace

FrameReader::FrameReader(Limits limits) { set_limits(limits); }

void FrameReader::set_limits(Limits limits) {
  PADDOCK_ASSERT(limits.payload_bytes_min <= limits.payload_bytes_max);
  PADDOCK_ASSERT(limits.payload_bytes_max <= INT32_MAX);
  payload_bytes_min_ = limits.payload_bytes_min;
  payload_bytes_max_ = limits.payload_bytes_max;
}

uint32_t FrameReader::HeadLength() const {
  PADDOCK_ASSERT(buffered() >= 4);
  return ReadBigEndian32(Data().data());
}

bool FrameReader::PeekInt(int32_t* v) const {
  if (buffered() < 4) return false;
  *v = static_cast<int32_t>(HeadLength());
  return true;
}

bool FrameReader::Peek(size_t n, std::string_view* out) const {
  if (buffered() < n) return false;
  *out = Data().substr(0, n);
  return true;
}

uint32_t FrameReader::bad_length() const {
  uint32_t length = HeadLength();
  PADDOCK_ASSERT(!InLimits(length));
  return length;
}

size_t FrameReader::BytesWanted() const {
  size_t have = buffered();
  if (have < 4) return 4 - have;
  uint32_t length = HeadLength();
  if (!InLimits(length)) return 0;
  size_t frame = 4 + static_cast<size_t>(length);
  return have >= frame ? 0 : frame - have;
}

void FrameReader::Borrow(std::string_view bytes) {
  if (buffered() == 0) {
    if (pos_ > 0) {
      std::string().swap(buf_);
      pos_ = 0;
    }
    borrowed_ = bytes;
    return;
  }
  Append(bytes);
}

void FrameReader::Keep() {
  if (borrowed_.empty()) return;
  buf_.append(borrowed_);
  borrowed_ = {};
}

FrameReader::Next FrameReader::Pop(std::string_view* payload) {
  // All consumed: free the buffer (an idle connection holds none). Otherwise compact once the
  // consumed prefix dominates, so the buffer does not grow without bound.
  if (pos_ > 0 && pos_ == buf_.size()) {
    std::string().swap(buf_);
    pos_ = 0;
  } else if (pos_ > 0 && pos_ * 2 >= buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  if (buffered() < 4) return Next::kNeedMore;
  uint32_t length = HeadLength();
  if (!InLimits(length)) return Next::kBadLength;
  auto n = static_cast<size_t>(length);
  if (buffered() < 4 + n) return Next::kNeedMore;
  *payload = Data().substr(4, n);
  if (!borrowed_.empty()) {
    borrowed_.remove_prefix(4 + n);
  } else {
    pos_ += 4 + n;  // the payload stays valid: a consumed buffer is freed by the next call
  }
  return Next::kFrame;
}

void AppendFrame(std::string* out, std::string_view payload) {
  size_t at = BeginFrame(out);
  out->append(payload);
  FinishFrame(out, at);
}

void AppendFrame(std::string* out, uint8_t type, std::string_view body) {
  size_t at = BeginFrame(out);
  out->push_back(static_cast<char>(type));
  out->append(body);
  FinishFrame(out, at);
}

size_t BeginFrame(std::string* out) {
  size_t at = out->size();
  out->append(4, '\0');
  return at;
}

void FinishFrame(std::string* out, size_t offset) {
  PADDOCK_ASSERT(out->size() >= offset + 4);
  size_t n = out->size() - offset - 4;
  PADDOCK_ASSERT(n <= INT32_MAX);
  WriteBigEndian32(out->data() + offset, static_cast<uint32_t>(n));
}

}  // namespace paddock::net
