#include "cli/error_text.h"

namespace paddock::cli {
namespace {

struct ErrorInfo {
  Error error;
  const char* name;         // Code name
  const char* description;  // KeeperException.getCodeMessage
};

constexpr ErrorInfo kErrors[] = {
    {Error::kOk, "OK", "ok"},
    {Error::kSystemError, "SYSTEMERROR", "SystemError"},
    {Error::kRuntimeInconsistency, "RUNTIMEINCONSISTENCY", "RuntimeInconsistency"},
    {Error::kDataInconsistency, "DATAINCONSISTENCY", "DataInconsistency"},
    {Error::kConnectionLoss, "CONNECTIONLOSS", "ConnectionLoss"},
    {Error::kMarshallingError, "MARSHALLINGERROR", "MarshallingError"},
    {Error::kUnimplemented, "UNIMPLEMENTED", "Unimplemented"},
    {Error::kOperationTimeout, "OPERATIONTIMEOUT", "OperationTimeout"},
    {Error::kBadArguments, "BADARGUMENTS", "BadArguments"},
    {Error::kInvalidState, "INVALIDSTATE", "InvalidState"},
    {Error::kApiError, "APIERROR", "APIError"},
    {Error::kNoNode, "NONODE", "NoNode"},
    {Error::kNoAuth, "NOAUTH", "NoAuth"},
    {Error::kBadVersion, "BADVERSION", "BadVersion"},
    {Error::kNoChildrenForEphemerals, "NOCHILDRENFOREPHEMERALS", "NoChildrenForEphemerals"},
    {Error::kNodeExists, "NODEEXISTS", "NodeExists"},
    {Error::kNotEmpty, "NOTEMPTY", "Directory not empty"},
    {Error::kSessionExpired, "SESSIONEXPIRED", "Session expired"},
    {Error::kInvalidCallback, "INVALIDCALLBACK", "Invalid callback"},
    {Error::kInvalidAcl, "INVALIDACL", "InvalidACL"},
    {Error::kAuthFailed, "AUTHFAILED", "AuthFailed"},
    {Error::kClosing, "CLOSING", "ZooKeeper is closing"},
    {Error::kSessionMoved, "SESSIONMOVED", "Session moved"},
    {Error::kNotReadOnly, "NOTREADONLY", "Not a read-only call"},
    {Error::kEphemeralOnLocalSession, "EPHEMERALONLOCALSESSION", "Ephemeral node on local session"},
    {Error::kNoWatcher, "NOWATCHER", "No such watcher"},
    {Error::kRequestTimeout, "REQUESTTIMEOUT", "Request timeout"},
    {Error::kReconfigDisabled, "RECONFIGDISABLED", "Reconfig is disabled"},
    {Error::kQuotaExceeded, "QUOTAEXCEEDED", "Quota has exceeded"},
    {Error::kThrottledOp, "THROTTLEDOP", "Op throttled due to high load"},
};

const ErrorInfo* Find(Error error) {
  for (const ErrorInfo& info : kErrors) {
    if (info.error == error) return &info;
  }
  return nullptr;
}

// zkCli's own wording (CliWrapperException), or nullptr.
const char* ZkCliPrefix(Error error) {
  switch (error) {
    case Error::kNoNode:
      return "Node does not exist: ";
    case Error::kNoChildrenForEphemerals:
      return "Ephemerals cannot have children: ";
    case Error::kNodeExists:
      return "Node already exists: ";
    case Error::kNotEmpty:
      return "Node not empty: ";
    case Error::kNotReadOnly:
      return "Not a read-only call: ";
    case Error::kInvalidAcl:
      return "Acl is not valid : ";
    case Error::kNoAuth:
      return "Insufficient permission : ";
    case Error::kBadArguments:
      return "Arguments are not valid : ";
    case Error::kBadVersion:
      return "version No is not valid : ";
    default:
      return nullptr;
  }
}

}  // namespace

std::string ErrorText(Error error, std::string_view path) {
  if (const char* prefix = ZkCliPrefix(error)) return prefix + std::string(path);
  const ErrorInfo* info = Find(error);
  std::string text = "KeeperErrorCode = ";
  text += info != nullptr ? info->description
                          : "Unknown error " + std::to_string(static_cast<int32_t>(error));
  if (!path.empty()) text += " for " + std::string(path);
  return text;
}

std::string ErrorCodeName(Error error) {
  const ErrorInfo* info = Find(error);
  return info != nullptr ? info->name : "UNKNOWN";
}

}  // namespace paddock::cli
