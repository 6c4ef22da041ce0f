// ACL checks and fixup, and the built-in authentication schemes (reference §9).
//
// Schemes: world (anyone), ip (every connection's address; a.b.c.d[/bits], IPv4), digest
// (user:base64(sha1(user:password))), auth (expands to the caller's authenticated ids), and the
// super identity (bypasses every check). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codes.h"
#include "proto/records.h"

namespace paddock::statemachine {

using Identities = std::vector<proto::Id>;

// True if any identity may do `perm` on a node with `acl` (ZooKeeper's checkACL).
bool CheckAcl(const proto::AclList& acl, int32_t perm, const Identities& identities);

// Validates and expands an ACL list for create/setACL (ZooKeeper's fixupACL): duplicates
// removed, "auth" replaced by the caller's authenticated ids. Returns kInvalidAcl if the list is
// empty or an entry is invalid.
proto::Err FixupAcl(const proto::AclList& in, const Identities& identities, proto::AclList* out);

// "user:password" -> "user:" + base64(sha1("user:password")).
std::string DigestId(std::string_view user_password);
// Whether an id is valid for the scheme (ip: address[/bits]; digest: exactly one ':').
bool IsValidId(std::string_view scheme, std::string_view id);

}  // namespace paddock::statemachine
