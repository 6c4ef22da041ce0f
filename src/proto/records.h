// Every jute record of the client protocol as a plain struct with Encode and Decode.
//
// Field order and types follow zookeeper.jute (shared/reference/zookeeper-protocol.md §5.2).
// Decode reads the fields from a JuteReader and returns reader.ok(); a record never checks
// semantic validity (paths, flags, versions): that is the state machine's job, so that errors
// come out with ZooKeeper's precedence. Records are value types, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "proto/codes.h"
#include "proto/jute.h"

namespace paddock::proto {

#define PADDOCK_RECORD_METHODS      \
  void Encode(JuteWriter& w) const; \
  bool Decode(JuteReader& r)

struct Id {
  std::string scheme;
  std::string id;
  bool operator==(const Id&) const = default;
  PADDOCK_RECORD_METHODS;
};

struct Acl {
  int32_t perms = 0;
  Id id;
  bool operator==(const Acl&) const = default;
  PADDOCK_RECORD_METHODS;
};
using AclList = std::vector<Acl>;

struct Stat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int32_t version = 0;
  int32_t cversion = 0;
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;
  int32_t data_length = 0;
  int32_t num_children = 0;
  int64_t pzxid = 0;
  bool operator==(const Stat&) const = default;
  PADDOCK_RECORD_METHODS;
};

struct ConnectRequest {
  int32_t protocol_version = 0;
  int64_t last_zxid_seen = 0;
  int32_t timeout_ms = 0;
  int64_t session_id = 0;
  std::string passwd;
  // The trailing readOnly byte; absent for "old" clients.
  bool has_read_only = false;
  bool read_only = false;
  PADDOCK_RECORD_METHODS;
};

struct ConnectResponse {
  int32_t protocol_version = 0;
  int32_t timeout_ms = 0;
  int64_t session_id = 0;
  std::string passwd;
  bool has_read_only = true;
  bool read_only = false;
  PADDOCK_RECORD_METHODS;
};

struct RequestHeader {
  int32_t xid = 0;
  int32_t type = 0;
  PADDOCK_RECORD_METHODS;
};

struct ReplyHeader {
  int32_t xid = 0;
  int64_t zxid = 0;
  int32_t err = 0;
  PADDOCK_RECORD_METHODS;
};

struct AuthPacket {
  int32_t type = 0;
  std::string scheme;
  Buffer auth;
  PADDOCK_RECORD_METHODS;
};

struct CreateRequest {
  std::string path;
  Buffer data;
  AclList acl;
  int32_t flags = 0;
  PADDOCK_RECORD_METHODS;
};

struct CreateTTLRequest {
  std::string path;
  Buffer data;
  AclList acl;
  int32_t flags = 0;
  int64_t ttl = 0;
  PADDOCK_RECORD_METHODS;
};

// Requests that carry only a path: GetACL, Sync, GetAllChildrenNumber, GetEphemerals (prefix).
struct PathRequest {
  std::string path;
  PADDOCK_RECORD_METHODS;
};
using SyncResponse = PathRequest;
using CreateResponse = PathRequest;

// Exists, GetData, GetChildren, GetChildren2.
struct PathWatchRequest {
  std::string path;
  bool watch = false;
  PADDOCK_RECORD_METHODS;
};

struct Create2Response {
  std::string path;
  Stat stat;
  PADDOCK_RECORD_METHODS;
};

struct DeleteRequest {
  std::string path;
  int32_t version = -1;
  PADDOCK_RECORD_METHODS;
};
using CheckVersionRequest = DeleteRequest;

// Exists, SetData and SetACL responses are a bare Stat.
struct StatResponse {
  Stat stat;
  PADDOCK_RECORD_METHODS;
};

struct GetDataResponse {
  Buffer data;
  Stat stat;
  PADDOCK_RECORD_METHODS;
};

struct SetDataRequest {
  std::string path;
  Buffer data;
  int32_t version = -1;
  PADDOCK_RECORD_METHODS;
};

struct GetACLResponse {
  AclList acl;
  Stat stat;
  PADDOCK_RECORD_METHODS;
};

struct SetACLRequest {
  std::string path;
  AclList acl;
  int32_t version = -1;
  PADDOCK_RECORD_METHODS;
};

// GetChildrenResponse, GetEphemeralsResponse.
struct StringListResponse {
  std::vector<std::string> items;
  PADDOCK_RECORD_METHODS;
};

struct GetChildren2Response {
  std::vector<std::string> children;
  Stat stat;
  PADDOCK_RECORD_METHODS;
};

// GetAllChildrenNumberResponse, ErrorResponse.
struct IntResponse {
  int32_t value = 0;
  PADDOCK_RECORD_METHODS;
};

struct SetWatches {
  int64_t relative_zxid = 0;
  std::vector<std::string> data_watches;
  std::vector<std::string> exist_watches;
  std::vector<std::string> child_watches;
  // SetWatches2 only.
  std::vector<std::string> persistent_watches;
  std::vector<std::string> persistent_recursive_watches;
  bool v2 = false;
  PADDOCK_RECORD_METHODS;
};

struct AddWatchRequest {
  std::string path;
  int32_t mode = 0;
  PADDOCK_RECORD_METHODS;
};

// CheckWatchesRequest, RemoveWatchesRequest.
struct WatchesRequest {
  std::string path;
  int32_t type = 0;
  PADDOCK_RECORD_METHODS;
};

struct WatcherEvent {
  int32_t type = 0;
  int32_t state = 0;
  std::string path;
  PADDOCK_RECORD_METHODS;
};

struct ReconfigRequest {
  std::string joining_servers;
  std::string leaving_servers;
  std::string new_members;
  int64_t cur_config_id = 0;
  PADDOCK_RECORD_METHODS;
};

struct MultiHeader {
  int32_t type = 0;
  bool done = false;
  int32_t err = 0;
  PADDOCK_RECORD_METHODS;
};

struct ClientInfo {
  std::string auth_scheme;
  std::string user;
  PADDOCK_RECORD_METHODS;
};

struct WhoAmIResponse {
  std::vector<ClientInfo> client_info;
  PADDOCK_RECORD_METHODS;
};

#undef PADDOCK_RECORD_METHODS

// One operation of a multi (14) or multiRead (22) request.
struct MultiOp {
  Op type = Op::kError;
  std::variant<CreateRequest, CreateTTLRequest, DeleteRequest, SetDataRequest, PathWatchRequest>
      body;
};

struct MultiRequest {
  std::vector<MultiOp> ops;
  void Encode(JuteWriter& w) const;
  // Accepts the op types of multi and of multiRead; rejects an unknown type or a mix of reads and
  // writes (ZooKeeper answers both with MARSHALLINGERROR).
  bool Decode(JuteReader& r);
};

// One result of a multi or multiRead reply.
struct MultiResult {
  Op type = Op::kError;  // kError: err holds the code
  Err err = Err::kOk;
  std::string path;                      // create, create2
  Stat stat;                             // create2, setData, getData
  Buffer data;                           // getData
  std::vector<std::string> children;     // getChildren
};

struct MultiResponse {
  std::vector<MultiResult> results;
  void Encode(JuteWriter& w) const;
  bool Decode(JuteReader& r);
};

// Bytes reserved up front by EncodeToString.
inline constexpr size_t kEncodeReserveBytes = 128;

// Encodes any record into a fresh string.
template <typename T>
std::string EncodeToString(const T& record) {
  std::string out;
  // Most replies (a Stat is 68 bytes, a path and a Stat a little more) fit without regrowing:
  // growing from the inline buffer cost three allocations and copies per reply in the profile.
  out.reserve(kEncodeReserveBytes);
  JuteWriter w(&out);
  record.Encode(w);
  return out;
}

// Decodes a record from the start of a buffer; false if malformed. Trailing bytes are ignored,
// as ZooKeeper's BinaryInputArchive ignores them.
template <typename T>
bool DecodeFrom(std::string_view bytes, T* record, int32_t length_max = 1 << 24) {
  JuteReader r(bytes, length_max);
  return record->Decode(r);
}

}  // namespace paddock::proto
