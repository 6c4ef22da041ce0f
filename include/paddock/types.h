// paddock/types.h: the value types of Paddock's C++ client API.
//
// These mirror ZooKeeper's client-visible vocabulary (Stat, ACL, create modes, watch events,
// error codes) with ZooKeeper's numeric values, so that code written against the ZooKeeper C or
// Java client translates one to one. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace paddock {

// ZooKeeper's error codes (KeeperException.Code), same numbers.
enum class Error : int32_t {
  kOk = 0,
  kSystemError = -1,
  kRuntimeInconsistency = -2,
  kDataInconsistency = -3,
  kConnectionLoss = -4,     // the request may or may not have been applied
  kMarshallingError = -5,
  kUnimplemented = -6,
  kOperationTimeout = -7,   // a synchronous call gave up waiting
  kBadArguments = -8,
  kInvalidState = -9,       // the client is closed, expired or auth-failed
  kApiError = -100,         // misuse, e.g. a synchronous call from a library callback
  kNoNode = -101,
  kNoAuth = -102,
  kBadVersion = -103,
  kNoChildrenForEphemerals = -108,
  kNodeExists = -110,
  kNotEmpty = -111,
  kSessionExpired = -112,
  kInvalidCallback = -113,
  kInvalidAcl = -114,
  kAuthFailed = -115,
  kClosing = -116,          // the client is closing
  kSessionMoved = -118,
  kNotReadOnly = -119,
  kEphemeralOnLocalSession = -120,
  kNoWatcher = -121,
  kRequestTimeout = -122,
  kReconfigDisabled = -123,
  kQuotaExceeded = -125,
  kThrottledOp = -127,
};

// "NONODE", "NODEEXISTS", ... (ZooKeeper's Code names); "UNKNOWN(-n)" for others.
std::string ErrorName(Error e);

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
};

namespace perms {
inline constexpr int32_t kRead = 1;
inline constexpr int32_t kWrite = 2;
inline constexpr int32_t kCreate = 4;
inline constexpr int32_t kDelete = 8;
inline constexpr int32_t kAdmin = 16;
inline constexpr int32_t kAll = 31;
}  // namespace perms

struct Acl {
  int32_t perms = perms::kAll;
  std::string scheme;
  std::string id;
  bool operator==(const Acl&) const = default;
};
using AclList = std::vector<Acl>;

// world:anyone with every permission (ZooKeeper's OPEN_ACL_UNSAFE).
AclList OpenAcl();
// Every permission for the caller's authenticated ids (CREATOR_ALL_ACL).
AclList CreatorAllAcl();
// world:anyone read-only (READ_ACL_UNSAFE).
AclList ReadAcl();

enum class CreateMode : int32_t {
  kPersistent = 0,
  kEphemeral = 1,
  kPersistentSequential = 2,
  kEphemeralSequential = 3,
  kContainer = 4,
  kPersistentWithTtl = 5,
  kPersistentSequentialWithTtl = 6,
};

enum class EventType : int32_t {
  kNone = -1,
  kNodeCreated = 1,
  kNodeDeleted = 2,
  kNodeDataChanged = 3,
  kNodeChildrenChanged = 4,
};
std::string EventTypeName(EventType t);

// A change to a watched znode. `path` is relative to the client's chroot.
struct WatchEvent {
  EventType type = EventType::kNone;
  std::string path;
};

enum class AddWatchMode : int32_t { kPersistent = 0, kPersistentRecursive = 1 };
enum class WatcherType : int32_t { kChildren = 1, kData = 2, kAny = 3 };

// Session states, as the ZooKeeper clients name them.
enum class SessionState {
  kNotConnected,        // created, Start() not called yet
  kConnecting,          // looking for a server (first time, or after losing one)
  kConnected,           // a read-write server holds the session
  kConnectedReadOnly,   // a read-only server holds it
  kClosed,              // Close() finished (terminal)
  kAuthFailed,          // a server refused the credentials (terminal)
  kExpired,             // the ensemble expired the session (terminal)
};
std::string SessionStateName(SessionState s);
inline bool IsTerminal(SessionState s) {
  return s == SessionState::kClosed || s == SessionState::kAuthFailed ||
         s == SessionState::kExpired;
}

// What the state listener hears.
struct SessionEvent {
  enum class Kind {
    kStateChanged,       // `state` is the new state
    kSilentPastTimeout,  // no server heard for longer than the negotiated session timeout:
                         // the session is as good as gone until a server says otherwise
  };
  Kind kind = Kind::kStateChanged;
  SessionState state = SessionState::kNotConnected;
  int64_t silent_ms = 0;  // for kSilentPastTimeout
};

// Results. `error` is kOk on success; `value` is meaningful only then.
template <typename T>
struct Reply {
  Error error = Error::kOk;
  T value{};
  bool ok() const { return error == Error::kOk; }
};
struct Empty {};

struct CreateResult {
  std::string path;  // the created path (with its sequence suffix), relative to the chroot
  Stat stat;         // filled when the server returns it (always, with Paddock and ZK 3.5+)
};
struct DataResult {
  std::optional<std::string> data;  // nullopt: the znode holds null data
  Stat stat;
};
struct ChildrenResult {
  std::vector<std::string> children;
  Stat stat;
};
struct AclResult {
  AclList acl;
  Stat stat;
};
struct ClientInfo {
  std::string scheme;
  std::string user;
};

// One operation of a multi (atomic writes) or multiRead (independent reads).
struct Op {
  enum class Type { kCreate, kDelete, kSetData, kCheck, kGetData, kGetChildren };
  Type type = Type::kCheck;
  std::string path;
  std::optional<std::string> data;
  AclList acl;
  CreateMode mode = CreateMode::kPersistent;
  int64_t ttl_ms = -1;
  int32_t version = -1;

  static Op Create(std::string path, std::optional<std::string> data,
                   CreateMode mode = CreateMode::kPersistent, AclList acl = OpenAcl());
  static Op Delete(std::string path, int32_t version = -1);
  static Op SetData(std::string path, std::optional<std::string> data, int32_t version = -1);
  static Op Check(std::string path, int32_t version);
  static Op GetData(std::string path);
  static Op GetChildren(std::string path);
};

// The result of one op of a multi/multiRead: `error` per op (in a failed multi: kOk for ops
// before the failing one, its code, then kRuntimeInconsistency).
struct OpResult {
  Error error = Error::kOk;
  std::string path;                   // create
  Stat stat;                          // create, setData, getData
  std::optional<std::string> data;    // getData
  std::vector<std::string> children;  // getChildren
};

}  // namespace paddock
