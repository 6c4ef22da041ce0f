#include "cli/path_check.h"

#include <string>

namespace paddock::cli {
namespace {

// True when `c` at index i closes a "." or ".." component.
bool IsRelativeComponent(std::string_view p, size_t i) {
  bool ends_component = i + 1 == p.size() || p[i + 1] == '/';
  if (!ends_component) return false;
  if (p[i - 1] == '/') return true;
  return p[i - 1] == '.' && i >= 2 && p[i - 2] == '/';
}

// The reason a path (starting with '/', longer than 1) is invalid, or "".
std::string InvalidReason(std::string_view p) {
  for (size_t i = 1; i < p.size(); ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    std::string at = " @" + std::to_string(i);
    if (c == 0) return "null character not allowed" + at;
    if (c == '/' && p[i - 1] == '/') return "empty node name specified" + at;
    if (c == '.' && IsRelativeComponent(p, i)) return "relative paths not allowed" + at;
    if ((c > 0 && c <= 0x1f) || c == 0x7f) return "invalid character" + at;
  }
  return "";
}

}  // namespace

Status ValidatePath(std::string_view path, bool sequential) {
  std::string p(path);
  if (sequential) p += '1';
  if (p.empty()) return Status::Error("Path length must be > 0");
  if (p[0] != '/') return Status::Error("Path must start with / character");
  if (p.size() == 1) return Status::Ok();
  if (p.back() == '/') return Status::Error("Path must not end with / character");
  std::string reason = InvalidReason(p);
  if (reason.empty()) return Status::Ok();
  return Status::Error("Invalid path string \"" + p + "\" caused by " + reason);
}

}  // namespace paddock::cli
