// Opcodes, error codes, watch event types, permissions and create modes of ZooKeeper 3.8, with
// their wire values. See shared/reference/zookeeper-protocol.md §5.1, §6, §7.1, §8.4, §9.1.
#pragma once

#include <cstdint>
#include <string_view>

namespace paddock::proto {

enum class Op : int32_t {
  kNotification = 0,
  kCreate = 1,
  kDelete = 2,
  kExists = 3,
  kGetData = 4,
  kSetData = 5,
  kGetACL = 6,
  kSetACL = 7,
  kGetChildren = 8,
  kSync = 9,
  kPing = 11,
  kGetChildren2 = 12,
  kCheck = 13,
  kMulti = 14,
  kCreate2 = 15,
  kReconfig = 16,
  kCheckWatches = 17,
  kRemoveWatches = 18,
  kCreateContainer = 19,
  kDeleteContainer = 20,
  kCreateTTL = 21,
  kMultiRead = 22,
  kAuth = 100,
  kSetWatches = 101,
  kSasl = 102,
  kGetEphemerals = 103,
  kGetAllChildrenNumber = 104,
  kSetWatches2 = 105,
  kAddWatch = 106,
  kWhoAmI = 107,
  kCreateSession = -10,
  kCloseSession = -11,
  kError = -1,
};

enum class Err : int32_t {
  kOk = 0,
  kSystemError = -1,
  kRuntimeInconsistency = -2,
  kDataInconsistency = -3,
  kConnectionLoss = -4,
  kMarshallingError = -5,
  kUnimplemented = -6,
  kOperationTimeout = -7,
  kBadArguments = -8,
  kUnknownSession = -12,
  kNewConfigNoQuorum = -13,
  kReconfigInProgress = -14,
  kApiError = -100,
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
  kSessionMoved = -118,
  kNotReadOnly = -119,
  kEphemeralOnLocalSession = -120,
  kNoWatcher = -121,
  kRequestTimeout = -122,
  kReconfigDisabled = -123,
  kSessionClosedRequireSaslAuth = -124,
  kQuotaExceeded = -125,
  kThrottledOp = -127,
};

enum class EventType : int32_t {
  kNone = -1,
  kNodeCreated = 1,
  kNodeDeleted = 2,
  kNodeDataChanged = 3,
  kNodeChildrenChanged = 4,
};

inline constexpr int32_t kStateSyncConnected = 3;

// Special xids (§1.4).
inline constexpr int32_t kXidNotification = -1;
inline constexpr int32_t kXidPing = -2;
inline constexpr int32_t kXidAuth = -4;
inline constexpr int32_t kXidSetWatchesC = -8;

namespace perms {
inline constexpr int32_t kRead = 1;
inline constexpr int32_t kWrite = 2;
inline constexpr int32_t kCreate = 4;
inline constexpr int32_t kDelete = 8;
inline constexpr int32_t kAdmin = 16;
inline constexpr int32_t kAll = 31;
}  // namespace perms

// Create flags (CreateMode) as sent on the wire.
enum class CreateMode : int32_t {
  kPersistent = 0,
  kEphemeral = 1,
  kPersistentSequential = 2,
  kEphemeralSequential = 3,
  kContainer = 4,
  kPersistentWithTtl = 5,
  kPersistentSequentialWithTtl = 6,
};

inline bool IsValidCreateMode(int32_t flags) { return flags >= 0 && flags <= 6; }
inline bool IsEphemeral(CreateMode m) {
  return m == CreateMode::kEphemeral || m == CreateMode::kEphemeralSequential;
}
inline bool IsSequential(CreateMode m) {
  return m == CreateMode::kPersistentSequential || m == CreateMode::kEphemeralSequential ||
         m == CreateMode::kPersistentSequentialWithTtl;
}
inline bool IsTtl(CreateMode m) {
  return m == CreateMode::kPersistentWithTtl || m == CreateMode::kPersistentSequentialWithTtl;
}

// AddWatch modes and watcher types of check/removeWatches.
inline constexpr int32_t kAddWatchPersistent = 0;
inline constexpr int32_t kAddWatchPersistentRecursive = 1;
inline constexpr int32_t kWatcherTypeChildren = 1;
inline constexpr int32_t kWatcherTypeData = 2;
inline constexpr int32_t kWatcherTypeAny = 3;

// Markers stored in ephemeralOwner for containers and TTL nodes (§8.5).
inline constexpr int64_t kContainerOwner = INT64_MIN;  // 0x8000000000000000
inline constexpr uint64_t kTtlOwnerMask = 0xFF00000000000000ULL;
inline constexpr int64_t kTtlMaxMs = 0x000000FFFFFFFFFFLL;

// Ops that change state and so go through the log as writes (sync goes through it too, as a
// barrier, but changes nothing).
inline bool IsWriteOp(Op op) {
  switch (op) {
    case Op::kCreate:
    case Op::kCreate2:
    case Op::kCreateContainer:
    case Op::kCreateTTL:
    case Op::kDelete:
    case Op::kSetData:
    case Op::kSetACL:
    case Op::kMulti:
    case Op::kReconfig:
    case Op::kCloseSession:
      return true;
    default:
      return false;
  }
}

// Four-letter abbreviation used by `cons` (lop=...).
std::string_view OpShortName(int32_t op);

}  // namespace paddock::proto
