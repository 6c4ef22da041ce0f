// Snapshot encoding of the whole state machine.
//
// Layout (jute): magic, format version, last_zxid, secret, sessions, next ids per server, node
// count, then every node in preorder (parents first): path, data, acl, persisted stat. A SHA-256
// digest of everything before it closes the snapshot; Restore checks it before touching state.
#include <openssl/sha.h>

#include <algorithm>

#include "base/assert.h"
#include "statemachine/state_machine.h"
#include "tree/path.h"

namespace paddock::statemachine {
namespace {

constexpr int32_t kSnapshotMagic = 0x50534e50;  // "PSNP"
// Version 2 added each session's attachment and its count of writes (issue #14); version 1
// snapshots still load, their sessions with attachment 0 ("not known").
constexpr int32_t kSnapshotVersion = 2;
constexpr int32_t kSnapshotVersionSessionsWithoutAttach = 1;
constexpr size_t kDigestBytes = 32;

std::string Digest(std::string_view bytes) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  return std::string(reinterpret_cast<const char*>(d), kDigestBytes);
}

void EncodeNode(proto::JuteWriter& w, const std::string& path, const tree::Node& n) {
  w.String(path);
  if (n.has_data()) {
    w.String(n.data());  // the same bytes as a non-null buffer
  } else {
    w.Int(-1);
  }
  w.RecordVector(n.acl());
  w.Long(n.czxid);
  w.Long(n.mzxid);
  w.Long(n.ctime);
  w.Long(n.mtime);
  w.Int(n.version);
  w.Int(n.cversion);
  w.Int(n.aversion);
  w.Long(n.ephemeral_owner);
  w.Long(n.pzxid);
}

bool DecodeNode(proto::JuteReader& r, std::string* path, std::optional<std::string_view>* data,
                proto::AclList* acl, tree::PersistedStat* n) {
  return r.String(path) && r.BufView(data) && r.RecordVector(acl) && r.Long(&n->czxid) &&
         r.Long(&n->mzxid) && r.Long(&n->ctime) && r.Long(&n->mtime) && r.Int(&n->version) &&
         r.Int(&n->cversion) && r.Int(&n->aversion) && r.Long(&n->ephemeral_owner) &&
         r.Long(&n->pzxid);
}

}  // namespace

// The last snapshot's size with room to grow, or, before the first, the tree's own count of
// path and data bytes plus a fixed part per node: no pass over the tree (walking every node just
// to size the buffer cost tens of milliseconds), and no regrowth of a buffer sized too small
// (each one copies the whole state and faults in fresh pages).
size_t StateMachine::SnapshotSizeEstimate() const {
  constexpr size_t kNodeFixedBytes = 112;  // lengths, a one-entry ACL, the stat
  return std::max(snapshot_bytes_hint_,
                  tree_.NodeCount() * kNodeFixedBytes +
                      static_cast<size_t>(tree_.ApproximateDataSize()));
}

std::string StateMachine::Snapshot() const {
  std::string out;
  // Sized up front: growing a snapshot of tens of megabytes by doubling copied it several times
  // over and faulted in fresh pages on every step, all on the loop thread (profile, issue 5).
  out.reserve(SnapshotSizeEstimate());
  proto::JuteWriter w(&out);
  w.Int(kSnapshotMagic);
  w.Int(kSnapshotVersion);
  w.Long(last_zxid_);
  w.String(secret_);
  w.Int(static_cast<int32_t>(sessions_.size()));
  for (const auto& [id, s] : sessions_.sessions()) {
    w.Long(id);
    w.Int(s.timeout_ms);
    w.Long(s.attach_zxid);
    w.Long(s.writes);
  }
  w.Int(static_cast<int32_t>(sessions_.next_ids().size()));
  for (const auto& [server, next] : sessions_.next_ids()) {
    w.Int(server);
    w.Long(next);
  }
  w.Long(static_cast<int64_t>(tree_.NodeCount()));
  tree_.ForEachPreorder([&w](const std::string& path, const tree::Node& n) {
    EncodeNode(w, path, n);
  });
  std::string digest = Digest(out);
  out.append(digest);
  snapshot_bytes_hint_ = out.size() + out.size() / 8;
  return out;
}

Status StateMachine::Restore(std::string_view snapshot) {
  if (snapshot.size() < kDigestBytes) return Status::Error("snapshot: too short");
  std::string_view body = snapshot.substr(0, snapshot.size() - kDigestBytes);
  if (Digest(body) != snapshot.substr(body.size())) {
    return Status::Error("snapshot: digest mismatch (damaged)");
  }
  proto::JuteReader r(body, INT32_MAX);
  int32_t magic = 0, version = 0, n_sessions = 0, n_next = 0;
  int64_t zxid = 0, n_nodes = 0;
  std::string secret;
  if (!r.Int(&magic) || magic != kSnapshotMagic || !r.Int(&version) ||
      (version != kSnapshotVersion && version != kSnapshotVersionSessionsWithoutAttach)) {
    return Status::Error("snapshot: unknown format");
  }
  session::SessionTable sessions;
  r.Long(&zxid);
  r.String(&secret);
  r.Int(&n_sessions);
  for (int32_t i = 0; i < n_sessions && r.ok(); i++) {
    int64_t id = 0;
    session::SessionTable::Session s;
    if (!r.Long(&id) || !r.Int(&s.timeout_ms)) break;
    if (version >= kSnapshotVersion && (!r.Long(&s.attach_zxid) || !r.Long(&s.writes))) break;
    sessions.Restore(id, s);
  }
  r.Int(&n_next);
  for (int32_t i = 0; i < n_next && r.ok(); i++) {
    int32_t server = 0;
    int64_t next = 0;
    if (r.Int(&server) && r.Long(&next)) sessions.RestoreNextId(server, next);
  }
  r.Long(&n_nodes);
  if (!r.ok() || n_nodes < 1) return Status::Error("snapshot: malformed header");
  tree::DataTree restored;
  // Sized for the nodes announced, within what the bytes left could hold (a damaged count must
  // not reserve gigabytes).
  restored.ClearForRestore(static_cast<size_t>(
      std::min<int64_t>(n_nodes, static_cast<int64_t>(r.Rest().size() / 64))));
  // Reused from node to node: a restore allocates only for what the tree keeps.
  std::string path;
  std::optional<std::string_view> data;
  proto::AclList acl;
  for (int64_t i = 0; i < n_nodes; i++) {
    tree::PersistedStat stat;
    if (!DecodeNode(r, &path, &data, &acl, &stat)) {
      return Status::Error("snapshot: malformed node");
    }
    if ((i == 0) != (path == "/")) return Status::Error("snapshot: root must come first");
    // A damaged snapshot must fail here, not trip an assertion inside the tree: every node the
    // state machine can create has a valid path, appears once and follows its parent.
    if (!tree::IsValidPath(path)) return Status::Error("snapshot: invalid path: " + path);
    switch (restored.InsertForRestore(path, data, acl, stat)) {
      case tree::DataTree::RestoreResult::kOk:
        break;
      case tree::DataTree::RestoreResult::kDuplicate:
        return Status::Error("snapshot: duplicate node: " + path);
      case tree::DataTree::RestoreResult::kNoParent:
        return Status::Error("snapshot: node before its parent: " + path);
    }
  }
  if (!r.AtEnd()) return Status::Error("snapshot: trailing bytes");
  tree_ = std::move(restored);
  sessions_ = std::move(sessions);
  secret_ = std::move(secret);
  last_zxid_ = zxid;
  return Status::Ok();
}

}  // namespace paddock::statemachine
