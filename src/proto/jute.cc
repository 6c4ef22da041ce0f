#include "proto/jute.h"

#include <cstring>

namespace paddock::proto {

void JuteWriter::Buf(const Buffer& v) {
  if (!v) {
    Int(-1);
    return;
  }
  String(*v);
}

void JuteWriter::StringVector(const std::vector<std::string>& v) {
  Int(static_cast<int32_t>(v.size()));
  for (const auto& s : v) String(s);
}

bool JuteReader::Take(size_t n, const char** p) {
  if (!ok_ || in_.size() - pos_ < n) return Fail();
  *p = in_.data() + pos_;
  pos_ += n;
  return true;
}

bool JuteReader::Byte(uint8_t* v) {
  const char* p = nullptr;
  if (!Take(1, &p)) return false;
  *v = static_cast<uint8_t>(*p);
  return true;
}

bool JuteReader::Bool(bool* v) {
  uint8_t b = 0;
  if (!Byte(&b)) return false;
  *v = b != 0;
  return true;
}

bool JuteReader::Int(int32_t* v) {
  const char* p = nullptr;
  if (!Take(4, &p)) return false;
  uint32_t u = 0;
  for (int i = 0; i < 4; i++) u = (u << 8) | static_cast<uint8_t>(p[i]);
  *v = static_cast<int32_t>(u);
  return true;
}

bool JuteReader::Long(int64_t* v) {
  int32_t hi = 0;
  int32_t lo = 0;
  if (!Int(&hi) || !Int(&lo)) return false;
  *v = static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) |
                            static_cast<uint32_t>(lo));
  return true;
}

bool JuteReader::Length(int32_t* n) {
  if (!Int(n)) return false;
  if (*n < -1 || *n > length_max_) return Fail();
  return true;
}

bool JuteReader::Count(int32_t* n) {
  if (!Length(n)) return false;
  if (*n == -1) *n = 0;
  // Every element takes at least one byte: a count larger than the rest is malformed.
  if (static_cast<size_t>(*n) > remaining()) return Fail();
  return true;
}

bool JuteReader::String(std::string* v) {
  std::optional<std::string_view> bytes;
  if (!BufView(&bytes)) return false;
  if (bytes) {
    v->assign(*bytes);
  } else {
    v->clear();
  }
  return true;
}

bool JuteReader::Buf(Buffer* v) {
  std::optional<std::string_view> bytes;
  if (!BufView(&bytes)) return false;
  if (bytes) {
    v->emplace(*bytes);
  } else {
    v->reset();
  }
  return true;
}

bool JuteReader::BufView(std::optional<std::string_view>* v) {
  int32_t n = 0;
  if (!Length(&n)) return false;
  if (n < 0) {
    v->reset();
    return true;
  }
  const char* p = nullptr;
  if (!Take(static_cast<size_t>(n), &p)) return false;
  v->emplace(p, static_cast<size_t>(n));
  return true;
}

bool JuteReader::StringVector(std::vector<std::string>* v) {
  int32_t n = 0;
  if (!Count(&n)) return false;
  v->clear();
  v->reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n && ok_; i++) {
    v->emplace_back();
    String(&v->back());
  }
  return ok_;
}

}  // namespace paddock::proto
