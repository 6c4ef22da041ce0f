#include "cli/format.h"

#include <cstdio>
#include <ctime>

namespace paddock::cli {

std::string Hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(v)));
  return buf;
}

std::string JavaDate(int64_t ms_since_epoch) {
  auto seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tm);
  return std::string(buf, n);
}

std::string StatText(const Stat& s) {
  std::string t;
  t += "cZxid = " + Hex(s.czxid) + "\n";
  t += "ctime = " + JavaDate(s.ctime) + "\n";
  t += "mZxid = " + Hex(s.mzxid) + "\n";
  t += "mtime = " + JavaDate(s.mtime) + "\n";
  t += "pZxid = " + Hex(s.pzxid) + "\n";
  t += "cversion = " + std::to_string(s.cversion) + "\n";
  t += "dataVersion = " + std::to_string(s.version) + "\n";
  t += "aclVersion = " + std::to_string(s.aversion) + "\n";
  t += "ephemeralOwner = " + Hex(s.ephemeral_owner) + "\n";
  t += "dataLength = " + std::to_string(s.data_length) + "\n";
  t += "numChildren = " + std::to_string(s.num_children) + "\n";
  return t;
}

std::string BracketList(const std::vector<std::string>& items) {
  std::string t = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) t += ", ";
    t += items[i];
  }
  return t + "]";
}

std::string EventTypeText(EventType type) {
  switch (type) {
    case EventType::kNone:
      return "None";
    case EventType::kNodeCreated:
      return "NodeCreated";
    case EventType::kNodeDeleted:
      return "NodeDeleted";
    case EventType::kNodeDataChanged:
      return "NodeDataChanged";
    case EventType::kNodeChildrenChanged:
      return "NodeChildrenChanged";
  }
  return "Unknown(" + std::to_string(static_cast<int32_t>(type)) + ")";
}

std::string KeeperStateText(SessionState state) {
  switch (state) {
    case SessionState::kNotConnected:
      return "Disconnected";
    case SessionState::kConnecting:
      return "Disconnected";
    case SessionState::kConnected:
      return "SyncConnected";
    case SessionState::kConnectedReadOnly:
      return "ConnectedReadOnly";
    case SessionState::kClosed:
      return "Closed";
    case SessionState::kAuthFailed:
      return "AuthFailed";
    case SessionState::kExpired:
      return "Expired";
  }
  return "Unknown";
}

}  // namespace paddock::cli
