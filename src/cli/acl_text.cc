#include "cli/acl_text.h"

namespace paddock::cli {
namespace {

int32_t ParsePerms(std::string_view text, std::vector<std::string>* warnings) {
  int32_t p = 0;
  for (char c : text) {
    switch (c) {
      case 'c':
        p |= perms::kCreate;
        break;
      case 'd':
        p |= perms::kDelete;
        break;
      case 'r':
        p |= perms::kRead;
        break;
      case 'w':
        p |= perms::kWrite;
        break;
      case 'a':
        p |= perms::kAdmin;
        break;
      default:
        warnings->push_back(std::string("Unknown perm type: ") + c);
    }
  }
  return p;
}

}  // namespace

std::string PermString(int32_t p) {
  std::string s;
  if ((p & perms::kCreate) != 0) s += 'c';
  if ((p & perms::kDelete) != 0) s += 'd';
  if ((p & perms::kRead) != 0) s += 'r';
  if ((p & perms::kWrite) != 0) s += 'w';
  if ((p & perms::kAdmin) != 0) s += 'a';
  return s;
}

ParsedAcl ParseAcl(std::string_view text) {
  ParsedAcl out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view entry = text.substr(start, comma - start);
    start = comma + 1;
    size_t first = entry.find(':');
    size_t last = entry.rfind(':');
    if (first == std::string_view::npos || first == last) {
      out.warnings.push_back(std::string(entry) + " does not have the form scheme:id:perm");
      continue;
    }
    Acl acl;
    acl.scheme = std::string(entry.substr(0, first));
    acl.id = std::string(entry.substr(first + 1, last - first - 1));
    acl.perms = ParsePerms(entry.substr(last + 1), &out.warnings);
    out.acl.push_back(std::move(acl));
  }
  return out;
}

}  // namespace paddock::cli
