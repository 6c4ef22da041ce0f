#include "paddock/types.h"

#include <map>

namespace paddock {

std::string ErrorName(Error e) {
  static const std::map<Error, const char*> kNames = {
      {Error::kOk, "OK"},
      {Error::kSystemError, "SYSTEMERROR"},
      {Error::kRuntimeInconsistency, "RUNTIMEINCONSISTENCY"},
      {Error::kDataInconsistency, "DATAINCONSISTENCY"},
      {Error::kConnectionLoss, "CONNECTIONLOSS"},
      {Error::kMarshallingError, "MARSHALLINGERROR"},
      {Error::kUnimplemented, "UNIMPLEMENTED"},
      {Error::kOperationTimeout, "OPERATIONTIMEOUT"},
      {Error::kBadArguments, "BADARGUMENTS"},
      {Error::kInvalidState, "INVALIDSTATE"},
      {Error::kApiError, "APIERROR"},
      {Error::kNoNode, "NONODE"},
      {Error::kNoAuth, "NOAUTH"},
      {Error::kBadVersion, "BADVERSION"},
      {Error::kNoChildrenForEphemerals, "NOCHILDRENFOREPHEMERALS"},
      {Error::kNodeExists, "NODEEXISTS"},
      {Error::kNotEmpty, "NOTEMPTY"},
      {Error::kSessionExpired, "SESSIONEXPIRED"},
      {Error::kInvalidCallback, "INVALIDCALLBACK"},
      {Error::kInvalidAcl, "INVALIDACL"},
      {Error::kAuthFailed, "AUTHFAILED"},
      {Error::kClosing, "CLOSING"},
      {Error::kSessionMoved, "SESSIONMOVED"},
      {Error::kNotReadOnly, "NOTREADONLY"},
      {Error::kEphemeralOnLocalSession, "EPHEMERALONLOCALSESSION"},
      {Error::kNoWatcher, "NOWATCHER"},
      {Error::kRequestTimeout, "REQUESTTIMEOUT"},
      {Error::kReconfigDisabled, "RECONFIGDISABLED"},
      {Error::kQuotaExceeded, "QUOTAEXCEEDED"},
      {Error::kThrottledOp, "THROTTLEDOP"},
  };
  auto it = kNames.find(e);
  if (it != kNames.end()) return it->second;
  return "UNKNOWN(" + std::to_string(static_cast<int32_t>(e)) + ")";
}

std::string EventTypeName(EventType t) {
  switch (t) {
    case EventType::kNone: return "None";
    case EventType::kNodeCreated: return "NodeCreated";
    case EventType::kNodeDeleted: return "NodeDeleted";
    case EventType::kNodeDataChanged: return "NodeDataChanged";
    case EventType::kNodeChildrenChanged: return "NodeChildrenChanged";
  }
  return "Unknown";
}

std::string SessionStateName(SessionState s) {
  switch (s) {
    case SessionState::kNotConnected: return "NOT_CONNECTED";
    case SessionState::kConnecting: return "CONNECTING";
    case SessionState::kConnected: return "CONNECTED";
    case SessionState::kConnectedReadOnly: return "CONNECTED_READ_ONLY";
    case SessionState::kClosed: return "CLOSED";
    case SessionState::kAuthFailed: return "AUTH_FAILED";
    case SessionState::kExpired: return "EXPIRED";
  }
  return "UNKNOWN";
}

AclList OpenAcl() { return {{perms::kAll, "world", "anyone"}}; }
AclList CreatorAllAcl() { return {{perms::kAll, "auth", ""}}; }
AclList ReadAcl() { return {{perms::kRead, "world", "anyone"}}; }

Op Op::Create(std::string path, std::optional<std::string> data, CreateMode mode, AclList acl) {
  Op op;
  op.type = Type::kCreate;
  op.path = std::move(path);
  op.data = std::move(data);
  op.mode = mode;
  op.acl = std::move(acl);
  return op;
}

Op Op::Delete(std::string path, int32_t version) {
  Op op;
  op.type = Type::kDelete;
  op.path = std::move(path);
  op.version = version;
  return op;
}

Op Op::SetData(std::string path, std::optional<std::string> data, int32_t version) {
  Op op;
  op.type = Type::kSetData;
  op.path = std::move(path);
  op.data = std::move(data);
  op.version = version;
  return op;
}

Op Op::Check(std::string path, int32_t version) {
  Op op;
  op.type = Type::kCheck;
  op.path = std::move(path);
  op.version = version;
  return op;
}

Op Op::GetData(std::string path) {
  Op op;
  op.type = Type::kGetData;
  op.path = std::move(path);
  return op;
}

Op Op::GetChildren(std::string path) {
  Op op;
  op.type = Type::kGetChildren;
  op.path = std::move(path);
  return op;
}

}  // namespace paddock
