// Fuzz target: random operation sequences applied to the state machine, every reply compared
// with a small reference model (a map of path -> data, version, owner), written independently
// of the state machine from ZooKeeper's rules. Covers create (persistent and ephemeral), delete
// and setData with versions, getData, exists, getChildren, and sessions closing (their
// ephemerals must vanish). Paths come from a small fixed set so that operations collide often.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/assert.h"
#include "statemachine/state_machine.h"

namespace {

using paddock::proto::Err;
using paddock::proto::Op;
namespace sm = paddock::statemachine;
namespace proto = paddock::proto;

const char* const kPaths[] = {"/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z"};

struct Model {
  struct Node {
    std::string data;
    int32_t version = 0;
    int64_t owner = 0;
  };
  std::map<std::string, Node> nodes = {{"/", {}}, {"/zookeeper", {}}};
  std::set<int64_t> sessions;

  static std::string Parent(const std::string& p) {
    size_t s = p.rfind('/');
    return s == 0 ? "/" : p.substr(0, s);
  }
  bool HasChildren(const std::string& p) const {
    for (const auto& [q, n] : nodes) {
      if (q != p && Parent(q) == p && q != "/") return true;
    }
    return false;
  }
  Err Create(int64_t session, const std::string& p, const std::string& data, bool eph) {
    if (!sessions.count(session)) return Err::kSessionExpired;
    auto parent = nodes.find(Parent(p));
    if (parent == nodes.end()) return Err::kNoNode;
    if (nodes.count(p)) return Err::kNodeExists;
    if (parent->second.owner != 0) return Err::kNoChildrenForEphemerals;
    nodes[p] = Node{data, 0, eph ? session : 0};
    return Err::kOk;
  }
  Err Delete(int64_t session, const std::string& p, int32_t version) {
    if (!sessions.count(session)) return Err::kSessionExpired;
    if (!nodes.count(Parent(p))) return Err::kNoNode;
    auto it = nodes.find(p);
    if (it == nodes.end()) return Err::kNoNode;
    if (version != -1 && version != it->second.version) return Err::kBadVersion;
    if (HasChildren(p)) return Err::kNotEmpty;
    nodes.erase(it);
    return Err::kOk;
  }
  Err SetData(int64_t session, const std::string& p, const std::string& data, int32_t version) {
    if (!sessions.count(session)) return Err::kSessionExpired;
    auto it = nodes.find(p);
    if (it == nodes.end()) return Err::kNoNode;
    if (version != -1 && version != it->second.version) return Err::kBadVersion;
    it->second.data = data;
    it->second.version++;
    return Err::kOk;
  }
  void Close(int64_t session) {
    sessions.erase(session);
    std::erase_if(nodes, [&](const auto& kv) { return kv.second.owner == session; });
  }
};

// Reads a byte from the input, or 0 when it runs out.
struct Input {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  uint8_t Next() { return pos < size ? data[pos++] : 0; }
  bool More() const { return pos < size; }
};

sm::Txn Request(int64_t session, Op op, std::string body, int64_t time) {
  sm::Txn t;
  t.kind = sm::TxnKind::kRequest;
  t.session_id = session;
  t.op = static_cast<int32_t>(op);
  t.time_ms = time;
  t.identities = {{"ip", "127.0.0.1"}};
  t.body = std::move(body);
  return t;
}

int64_t NewSession(sm::StateMachine& s, int64_t time) {
  sm::Txn t;
  t.kind = sm::TxnKind::kCreateSession;
  t.origin_server = 1;
  t.time_ms = time;
  t.body = proto::EncodeToString(proto::IntResponse{30000});
  sm::TxnResult r = s.Apply(t);
  PADDOCK_ASSERT(r.session_created);
  return r.session_id;
}

void Step(sm::StateMachine& s, Model& m, Input& in, std::vector<int64_t>& sessions, int64_t t) {
  int64_t session = sessions[in.Next() % sessions.size()];
  std::string path = kPaths[in.Next() % std::size(kPaths)];
  std::string data(1, static_cast<char>('a' + in.Next() % 26));
  int32_t version = static_cast<int32_t>(in.Next() % 4) - 1;
  proto::AclList open = {{proto::perms::kAll, {"world", "anyone"}}};
  switch (in.Next() % 8) {
    case 0:
    case 1: {
      bool eph = in.Next() % 2 == 1;
      auto r = s.Apply(Request(session, Op::kCreate,
          proto::EncodeToString(proto::CreateRequest{path, data, open, eph ? 1 : 0}), t));
      PADDOCK_ASSERT(r.err == m.Create(session, path, data, eph));
      break;
    }
    case 2: {
      auto r = s.Apply(Request(session, Op::kDelete,
          proto::EncodeToString(proto::DeleteRequest{path, version}), t));
      PADDOCK_ASSERT(r.err == m.Delete(session, path, version));
      break;
    }
    case 3: {
      auto r = s.Apply(Request(session, Op::kSetData,
          proto::EncodeToString(proto::SetDataRequest{path, data, version}), t));
      PADDOCK_ASSERT(r.err == m.SetData(session, path, data, version));
      break;
    }
    case 4:
    case 5: {
      auto r = s.Read(static_cast<int32_t>(Op::kGetData),
                      proto::EncodeToString(proto::PathWatchRequest{path, false}), {}, session);
      auto it = m.nodes.find(path);
      PADDOCK_ASSERT((r.err == Err::kOk) == (it != m.nodes.end()));
      if (r.err != Err::kOk) break;
      proto::GetDataResponse got;
      PADDOCK_ASSERT(proto::DecodeFrom(r.body, &got));
      PADDOCK_ASSERT(got.data.value_or("") == it->second.data);
      PADDOCK_ASSERT(got.stat.version == it->second.version);
      PADDOCK_ASSERT(got.stat.ephemeral_owner == it->second.owner);
      break;
    }
    case 6: {
      auto r = s.Read(static_cast<int32_t>(Op::kGetChildren),
                      proto::EncodeToString(proto::PathWatchRequest{path, false}), {}, session);
      PADDOCK_ASSERT((r.err == Err::kOk) == (m.nodes.count(path) == 1));
      if (r.err != Err::kOk) break;
      proto::StringListResponse got;
      PADDOCK_ASSERT(proto::DecodeFrom(r.body, &got));
      std::vector<std::string> want;
      for (const auto& [q, n] : m.nodes) {
        if (q != "/" && Model::Parent(q) == path) want.push_back(q.substr(q.rfind('/') + 1));
      }
      PADDOCK_ASSERT(got.items == want);
      break;
    }
    default: {  // a session ends (then a new one takes its place)
      sm::Txn close = Request(session, Op::kCloseSession, "", t);
      auto r = s.Apply(close);
      PADDOCK_ASSERT(r.err == Err::kOk && r.session_closed);
      m.Close(session);
      for (auto& id : sessions) {
        if (id == session) id = NewSession(s, t);
      }
      m.sessions.insert(sessions.begin(), sessions.end());
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sm::StateMachine s;
  Model m;
  sm::Txn init;
  init.kind = sm::TxnKind::kInit;
  init.body = std::string(32, 's');
  s.Apply(init);
  std::vector<int64_t> sessions = {NewSession(s, 1), NewSession(s, 1)};
  m.sessions.insert(sessions.begin(), sessions.end());
  Input in{data, size};
  for (int64_t t = 2; in.More() && t < 10000; t++) Step(s, m, in, sessions, t);
  // The final state survives a snapshot round trip.
  sm::StateMachine copy;
  PADDOCK_ASSERT(copy.Restore(s.Snapshot()).ok());
  PADDOCK_ASSERT(copy.Snapshot() == s.Snapshot());
  return 0;
}
