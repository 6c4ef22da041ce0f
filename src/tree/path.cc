#include "tree/path.h"

#include <cstdint>

#include "base/assert.h"

namespace paddock::tree {
namespace {

// Decodes one UTF-8 code point at s[*i]; returns false for malformed input.
bool NextCodePoint(std::string_view s, size_t* i, uint32_t* cp) {
  auto b0 = static_cast<uint8_t>(s[*i]);
  int extra = 0;
  if (b0 < 0x80) {
    *cp = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    *cp = b0 & 0x1Fu;
    extra = 1;
  } else if ((b0 & 0xF0) == 0xE0) {
    *cp = b0 & 0x0Fu;
    extra = 2;
  } else if ((b0 & 0xF8) == 0xF0) {
    *cp = b0 & 0x07u;
    extra = 3;
  } else {
    return false;
  }
  if (*i + static_cast<size_t>(extra) >= s.size()) return false;
  for (int k = 1; k <= extra; k++) {
    auto b = static_cast<uint8_t>(s[*i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (b & 0x3Fu);
  }
  *i += static_cast<size_t>(extra) + 1;
  // Overlong forms are malformed (Java decodes them to U+FFFD, which paths forbid).
  static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  return *cp >= kMinForLength[extra];
}

bool IsForbidden(uint32_t cp) {
  return (cp > 0x00 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F) ||
         (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFFF0) || cp == 0;
}

}  // namespace

bool IsValidPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/') return false;
  size_t i = 1;
  size_t component_start = 1;
  while (i <= path.size()) {
    if (i == path.size() || path[i] == '/') {
      std::string_view comp = path.substr(component_start, i - component_start);
      if (comp.empty() || comp == "." || comp == "..") return false;
      component_start = i + 1;
      i++;
      continue;
    }
    uint32_t cp = 0;
    if (!NextCodePoint(path, &i, &cp) || IsForbidden(cp)) return false;
  }
  return true;
}

std::string_view ParentOf(std::string_view path) {
  size_t slash = path.rfind('/');
  PADDOCK_ASSERT(slash != std::string_view::npos);
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  PADDOCK_ASSERT(slash != std::string_view::npos);
  return path.substr(slash + 1);
}

std::string JoinPath(std::string_view parent, std::string_view child) {
  std::string out(parent);
  if (out != "/") out.push_back('/');
  out.append(child);
  return out;
}

}  // namespace paddock::tree
