// Conversions between the public value types (paddock/types.h) and the wire records
// (proto/records.h). Internal to the client.
#pragma once

#include <vector>

#include "paddock/types.h"
#include "proto/records.h"

namespace paddock::client {

inline Stat ToStat(const proto::Stat& s) {
  return Stat{s.czxid,    s.mzxid,           s.ctime,         s.mtime,
              s.version,  s.cversion,        s.aversion,      s.ephemeral_owner,
              s.data_length, s.num_children, s.pzxid};
}

inline proto::AclList ToProto(const AclList& acl) {
  proto::AclList out;
  for (const auto& a : acl) out.push_back({a.perms, {a.scheme, a.id}});
  return out;
}

inline AclList FromProto(const proto::AclList& acl) {
  AclList out;
  for (const auto& a : acl) out.push_back({a.perms, a.id.scheme, a.id.id});
  return out;
}

}  // namespace paddock::client
