// Jute binary archive: the primitive encodings of ZooKeeper's wire protocol.
//
// Big-endian int/long; boolean as one byte; ustring and buffer as an int length followed by the
// bytes, with length -1 meaning null; vector as an int count followed by the elements, -1 = null.
// Records are their fields concatenated in declaration order. See
// shared/reference/zookeeper-protocol.md §1.1 and zookeeper-jute/.../zookeeper.jute.
//
// JuteReader is sticky: after the first failure (truncated input, a negative length other than -1,
// a length over the limit) every further read fails and ok() stays false, so a decoder can read
// all fields and check once. Neither class is thread-safe; neither allocates beyond its output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::proto {

// jute.maxbuffer's default, as ZooKeeper's: the largest request a client may send (its frame's
// payload), and the bound on each length read from it.
inline constexpr int32_t kJuteMaxBufferDefault = 0xfffff;

// Data buffers keep the null/empty distinction (a znode created with null data returns null).
using Buffer = std::optional<std::string>;

class JuteWriter {
 public:
  explicit JuteWriter(std::string* out) : out_(out) {}

  void Byte(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void Bool(bool v) { Byte(v ? 1 : 0); }
  // Inline: snapshots write millions of these (issue 14's simulation spends a fifth of its time
  // here).
  void Int(int32_t v) {
    auto u = static_cast<uint32_t>(v);
    const char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                       static_cast<char>(u >> 8), static_cast<char>(u)};
    out_->append(b, 4);
  }
  void Long(int64_t v) {
    auto u = static_cast<uint64_t>(v);
    const char b[8] = {static_cast<char>(u >> 56), static_cast<char>(u >> 48),
                       static_cast<char>(u >> 40), static_cast<char>(u >> 32),
                       static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                       static_cast<char>(u >> 8),  static_cast<char>(u)};
    out_->append(b, 8);
  }
  void String(std::string_view v) {
    Int(static_cast<int32_t>(v.size()));
    out_->append(v);
  }
  void Buf(const Buffer& v);
  void RawBytes(std::string_view v) { out_->append(v); }
  void StringVector(const std::vector<std::string>& v);
  template <typename T>
  void RecordVector(const std::vector<T>& v) {
    Int(static_cast<int32_t>(v.size()));
    for (const T& e : v) e.Encode(*this);
  }
  size_t size() const { return out_->size(); }
  std::string* out() { return out_; }

 private:
  std::string* out_;
};

class JuteReader {
 public:
  // length_max bounds every string, buffer and vector length read (jute.maxbuffer semantics).
  explicit JuteReader(std::string_view in, int32_t length_max = 1 << 24)
      : in_(in), length_max_(length_max) {}

  bool Byte(uint8_t* v);
  bool Bool(bool* v);
  bool Int(int32_t* v);
  bool Long(int64_t* v);
  bool String(std::string* v);  // null decodes as empty
  bool Buf(Buffer* v);
  // A buffer as a view into the input (valid while the input is).
  bool BufView(std::optional<std::string_view>* v);
  bool StringVector(std::vector<std::string>* v);  // null decodes as empty
  template <typename T>
  bool RecordVector(std::vector<T>* v) {
    int32_t n = 0;
    if (!Count(&n)) return false;
    v->clear();
    for (int32_t i = 0; i < n && ok_; i++) {
      v->emplace_back();
      v->back().Decode(*this);
    }
    return ok_;
  }

  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  std::string_view Rest() const { return in_.substr(pos_); }
  bool Fail() {
    ok_ = false;
    return false;
  }

 private:
  bool Take(size_t n, const char** p);
  bool Length(int32_t* n);  // -1 allowed (null)
  bool Count(int32_t* n);   // vector count; -1 becomes 0

  std::string_view in_;
  size_t pos_ = 0;
  int32_t length_max_;
  bool ok_ = true;
};

}  // namespace paddock::proto
