#include "datadir/zk_export.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "datadir/zk_import.h"

namespace paddock::datadir {
namespace {

namespace fs = std::filesystem;

class Out {
 public:
  explicit Out(std::string* s) : s_(s) {}
  void Int(int32_t v) {
    for (int i = 3; i >= 0; i--) s_->push_back(static_cast<char>(static_cast<uint32_t>(v) >> (8 * i)));
  }
  void Long(int64_t v) {
    for (int i = 7; i >= 0; i--) s_->push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * i)));
  }
  void Bytes(std::string_view v) {
    Int(static_cast<int32_t>(v.size()));
    s_->append(v);
  }
  void Null() { Int(-1); }

 private:
  std::string* s_;
};

bool IsOpen(const proto::AclList& acl) {
  return acl.size() == 1 && acl[0].perms == proto::perms::kAll && acl[0].id.scheme == "world" &&
         acl[0].id.id == "anyone";
}

struct AclLess {
  bool operator()(const proto::AclList& a, const proto::AclList& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(), [](const proto::Acl& x, const proto::Acl& y) {
          return std::tie(x.perms, x.id.scheme, x.id.id) < std::tie(y.perms, y.id.scheme, y.id.id);
        });
  }
};
using AclIds = std::map<proto::AclList, int64_t, AclLess>;

// The ACL cache: ids from 1 for each distinct list but world:anyone-all, which is -1.
AclIds CollectAcls(const tree::DataTree& tree) {
  AclIds ids;
  tree.ForEachPreorder([&](const std::string&, const tree::Node& n) {
    if (!IsOpen(n.acl()) && ids.count(n.acl()) == 0) {
      ids.emplace(n.acl(), static_cast<int64_t>(ids.size()) + 1);
    }
  });
  return ids;
}

void WriteAcls(Out& w, const AclIds& ids) {
  w.Int(static_cast<int32_t>(ids.size()));
  for (const auto& [acl, id] : ids) {
    w.Long(id);
    w.Int(static_cast<int32_t>(acl.size()));
    for (const proto::Acl& a : acl) {
      w.Int(a.perms);
      w.Bytes(a.id.scheme);
      w.Bytes(a.id.id);
    }
  }
}

}  // namespace

std::string ZooKeeperSnapshot(const statemachine::StateMachine& sm, bool drop_sessions,
                              ZkExportReport* report) {
  const tree::DataTree& tree = sm.tree();
  AclIds ids = CollectAcls(tree);
  std::string s;
  s.reserve(static_cast<size_t>(tree.ApproximateDataSize()) + tree.NodeCount() * 96 + 4096);
  Out w(&s);
  w.Int(0x5A4B534E);  // "ZKSN"
  w.Int(2);
  w.Long(-1);
  const auto& sessions = sm.sessions().sessions();
  w.Int(drop_sessions ? 0 : static_cast<int32_t>(sessions.size()));
  if (!drop_sessions) {
    for (const auto& [id, session] : sessions) {
      w.Long(id);
      w.Int(session.timeout_ms);
    }
  }
  WriteAcls(w, ids);
  size_t nodes = 0, dropped = 0;
  tree.ForEachPreorder([&](const std::string& path, const tree::Node& n) {
    if (drop_sessions && IsSessionOwner(n.ephemeral_owner)) {
      dropped++;
      return;
    }
    nodes++;
    w.Bytes(path == "/" ? std::string_view() : std::string_view(path));
    if (n.has_data()) {
      w.Bytes(n.data());
    } else {
      w.Null();
    }
    w.Long(IsOpen(n.acl()) ? -1 : ids.at(n.acl()));
    w.Long(n.czxid);
    w.Long(n.mzxid);
    w.Long(n.ctime);
    w.Long(n.mtime);
    w.Int(n.version);
    w.Int(n.cversion);
    w.Int(n.aversion);
    w.Long(n.ephemeral_owner);
    w.Long(n.pzxid);
  });
  w.Bytes("/");  // the end of the tree
  uLong sum = adler32(0L, Z_NULL, 0);
  sum = adler32(sum, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()));
  w.Long(static_cast<int64_t>(sum));
  w.Bytes("/");
  if (report != nullptr) {
    report->zxid = sm.last_zxid();
    report->nodes = nodes;
    report->sessions = drop_sessions ? 0 : sessions.size();
    report->acls = ids.size();
    report->ephemerals_dropped = dropped;
  }
  return s;
}

Status WriteZooKeeperDataDir(const std::string& zk_data_dir, const statemachine::StateMachine& sm,
                             bool drop_sessions, ZkExportReport* report) {
  fs::path dir = fs::path(zk_data_dir) / "version-2";
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Status::Error(dir.string() + ": not empty (ZooKeeper would load what is there; choose "
                         "an empty dataDir)");
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::Error(dir.string() + ": " + ec.message());
  ZkExportReport r;
  std::string bytes = ZooKeeperSnapshot(sm, drop_sessions, &r);
  char name[40];
  std::snprintf(name, sizeof(name), "snapshot.%llx", static_cast<unsigned long long>(r.zxid));
  fs::path file = dir / name;
  fs::path tmp = dir / (std::string(name) + ".part");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return Status::Error(tmp.string() + ": write failed");
  }
  fs::rename(tmp, file, ec);
  if (ec) return Status::Error(file.string() + ": " + ec.message());
  r.file = file.string();
  if (report != nullptr) *report = r;
  return Status::Ok();
}

}  // namespace paddock::datadir
