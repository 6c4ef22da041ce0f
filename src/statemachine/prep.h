// Validation of write ops, and the changes they make (internal to the state machine).
//
// Prep checks one op against a view of the tree that includes the earlier ops of the same multi
// (an overlay, like ZooKeeper's outstanding-change records), in ZooKeeper's order of checks, and
// returns either an error or a Change. Apply then performs the changes; a prepared change can
// never fail to apply.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "proto/records.h"
#include "statemachine/acl.h"
#include "statemachine/state_machine.h"
#include "tree/data_tree.h"

namespace paddock::statemachine::internal {

// A node as prep sees it.
struct NodeView {
  int32_t version = 0;
  int32_t cversion = 0;  // stored (creations)
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;
  int32_t num_children = 0;
  proto::AclList acl;
};

class Overlay {
 public:
  explicit Overlay(const tree::DataTree& tree) : tree_(tree) {}
  std::optional<NodeView> Get(const std::string& path) const;
  void Put(const std::string& path, std::optional<NodeView> view) { changed_[path] = view; }

 private:
  const tree::DataTree& tree_;
  std::map<std::string, std::optional<NodeView>> changed_;
};

struct Change {
  proto::Op op = proto::Op::kError;  // kCreate, kDelete, kSetData, kSetACL, kCheck
  proto::Op result_type = proto::Op::kError;  // what a multi reports: kCreate or kCreate2 ...
  std::string path;
  proto::Buffer data;
  proto::AclList acl;
  int64_t ephemeral_owner = 0;
  int32_t parent_cversion = 0;
  int32_t version = 0;  // new data version or new aversion
};

struct PrepContext {
  int64_t session_id = 0;
  bool session_alive = false;
  const Identities* identities = nullptr;
  const Options* options = nullptr;
};

// `op` is the create opcode (1, 15, 19, 21); for 1/15/19 req.ttl must be -1.
proto::Err PrepCreate(const PrepContext& ctx, Overlay& view, proto::Op op,
                      const proto::CreateTTLRequest& req, Change* out);
proto::Err PrepDelete(const PrepContext& ctx, Overlay& view, const proto::DeleteRequest& req,
                      Change* out);
proto::Err PrepSetData(const PrepContext& ctx, Overlay& view, const proto::SetDataRequest& req,
                       Change* out);
proto::Err PrepSetAcl(const PrepContext& ctx, Overlay& view, const proto::SetACLRequest& req,
                      Change* out);
proto::Err PrepCheck(const PrepContext& ctx, Overlay& view,
                     const proto::CheckVersionRequest& req, Change* out);

// Decodes a single write's body and prepares it; kMarshallingError if it does not decode.
proto::Err PrepWrite(const PrepContext& ctx, Overlay& view, proto::Op op, std::string_view body,
                     Change* out);
// Prepares one op of a decoded multi.
proto::Err PrepMultiOp(const PrepContext& ctx, Overlay& view, const proto::MultiOp& op,
                       Change* out);

// Java's String.format("%010d", v).
std::string SequenceSuffix(int32_t v);

}  // namespace paddock::statemachine::internal
