// cli/acl_text.h: ACLs as zkCli reads and writes them.
//
// Written form: `scheme:id:perms`, several joined by ','. The id may itself contain ':'
// (digest ids are `user:base64hash`), so the scheme ends at the first ':' and the perms start
// after the last one. Perms are letters from "cdrwa" (create, delete, read, write, admin), the
// order zkCli prints them in.
//
// Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "paddock/types.h"

namespace paddock::cli {

// "cdrwa" for perms::kAll, "r" for perms::kRead, "" for none.
std::string PermString(int32_t perms);

struct ParsedAcl {
  AclList acl;
  // What zkCli's AclParser prints and skips: "<entry> does not have the form scheme:id:perm"
  // for an entry without two ':', "Unknown perm type: z" for an unknown letter (ignored).
  std::vector<std::string> warnings;
};
ParsedAcl ParseAcl(std::string_view text);

}  // namespace paddock::cli
