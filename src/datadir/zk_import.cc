#include "datadir/zk_import.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "proto/codes.h"
#include "tree/data_tree.h"
#include "tree/path.h"

namespace paddock::datadir {
namespace {

namespace fs = std::filesystem;

constexpr int32_t kSnapMagic = 0x5A4B534E;  // "ZKSN"
constexpr int32_t kLogMagic = 0x5A4B4C47;   // "ZKLG"
constexpr size_t kFileHeaderBytes = 16;     // magic, version, dbid

// ZooKeeper's txn types (OpCode) as they appear in a log.
enum ZkOp : int32_t {
  kOpError = -1,
  kOpCreateSession = -10,
  kOpCloseSession = -11,
  kOpCreate = 1,
  kOpDelete = 2,
  kOpSetData = 5,
  kOpSetAcl = 7,
  kOpCheck = 13,
  kOpMulti = 14,
  kOpCreate2 = 15,
  kOpReconfig = 16,
  kOpCreateContainer = 19,
  kOpDeleteContainer = 20,
  kOpCreateTtl = 21,
};

std::string Hex(int64_t v) {
  char b[24];
  std::snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// Big-endian reads over bytes in memory, with the offset of the damage on failure.
class Reader {
 public:
  Reader(std::string_view in, size_t base, int32_t length_max)
      : in_(in), base_(base), length_max_(length_max) {}

  bool Int(int32_t* v) {
    uint32_t u = 0;
    if (!Bytes(4, [&](const unsigned char* p) {
          u = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
        })) {
      return false;
    }
    *v = static_cast<int32_t>(u);
    return true;
  }
  bool Long(int64_t* v) {
    uint64_t u = 0;
    if (!Bytes(8, [&](const unsigned char* p) {
          for (int i = 0; i < 8; i++) u = (u << 8) | p[i];
        })) {
      return false;
    }
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Bool(bool* v) {
    return Bytes(1, [&](const unsigned char* p) { *v = p[0] != 0; });
  }
  // A jute buffer or ustring; nullopt for length -1.
  bool Buffer(std::optional<std::string>* v) {
    size_t at = pos_;
    int32_t n = 0;
    if (!Int(&n)) return false;
    if (n == -1) {
      v->reset();
      return true;
    }
    if (n < 0 || n > length_max_) return Fail(at, "unreasonable length " + std::to_string(n));
    if (in_.size() - pos_ < static_cast<size_t>(n)) return Fail(pos_, "truncated");
    v->emplace(in_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  bool String(std::string* v) {
    std::optional<std::string> b;
    if (!Buffer(&b)) return false;
    *v = b.value_or("");
    return true;
  }
  // vector<ACL>; nullopt for a null vector (ZooKeeper: world:anyone, every permission).
  bool Acls(std::optional<proto::AclList>* v) {
    size_t at = pos_;
    int32_t n = 0;
    if (!Int(&n)) return false;
    if (n == -1) {
      v->reset();
      return true;
    }
    if (n < 0 || n > length_max_) return Fail(at, "unreasonable ACL count " + std::to_string(n));
    proto::AclList list;
    for (int32_t i = 0; i < n; i++) {
      proto::Acl a;
      if (!Int(&a.perms) || !String(&a.id.scheme) || !String(&a.id.id)) return false;
      list.push_back(std::move(a));
    }
    *v = std::move(list);
    return true;
  }

  bool Fail(size_t at, std::string what) {
    if (error_.empty()) {
      error_ = "offset " + std::to_string(base_ + at) + ": " + std::move(what);
    }
    return false;
  }
  size_t pos() const { return pos_; }
  size_t offset() const { return base_ + pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  const std::string& error() const { return error_; }

 private:
  template <typename F>
  bool Bytes(size_t n, F&& f) {
    if (in_.size() - pos_ < n) return Fail(pos_, "unexpected end of data");
    f(reinterpret_cast<const unsigned char*>(in_.data() + pos_));
    pos_ += n;
    return true;
  }

  std::string_view in_;
  size_t base_;
  int32_t length_max_;
  size_t pos_ = 0;
  std::string error_;
};

uint32_t Adler32(std::string_view bytes) {
  uLong a = adler32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large inputs in parts.
  while (!bytes.empty()) {
    size_t n = std::min<size_t>(bytes.size(), 1u << 30);
    a = adler32(a, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
    bytes.remove_prefix(n);
  }
  return static_cast<uint32_t>(a);
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path.string() + ": cannot open: " + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Error(path.string() + ": read error");
  return bytes;
}

// A file mapped read-only: a log is preallocated to 64 MiB of mostly zeros (sparse), and only
// the pages up to its end of data are ever touched.
class MappedFile {
 public:
  ~MappedFile() {
    if (base_ != nullptr) munmap(base_, size_);
    if (fd_ >= 0) close(fd_);
  }
  Status Open(const fs::path& path) {
    fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::Error(path.string() + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd_, &st) != 0) return Status::Error(path.string() + ": " + std::strerror(errno));
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return Status::Ok();
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return Status::Error(path.string() + ": mmap: " + std::strerror(errno));
    base_ = p;
    return Status::Ok();
  }
  std::string_view bytes() const {
    return base_ == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(base_), size_);
  }

 private:
  int fd_ = -1;
  void* base_ = nullptr;
  size_t size_ = 0;
};

Result<std::string> Gunzip(const fs::path& path, const std::string& gz) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Error("zlib: inflateInit2 failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[1 << 16];
  int rv = Z_OK;
  while (rv == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rv = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  size_t at = z.total_in;
  inflateEnd(&z);
  if (rv != Z_STREAM_END) {
    return Status::Error(path.string() + ": offset " + std::to_string(at) +
                         ": gzip data damaged or truncated");
  }
  return out;
}

// "<prefix>.<hex>[.ext]" -> the zxid, or -1.
int64_t ZxidFromName(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix + ".", 0) != 0) return -1;
  std::string rest = name.substr(prefix.size() + 1);
  std::string hex = rest.substr(0, rest.find('.'));
  if (hex.empty() || hex.size() > 16 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return -1;
  }
  return static_cast<int64_t>(std::stoull(hex, nullptr, 16));
}

class Replay {
 public:
  Replay(ZkImport* out, int32_t length_max) : out_(out), length_max_(length_max) {}

  Status LoadSnapshot(const fs::path& path, int64_t zxid);
  bool ReadNodes(Reader& r, const std::map<int64_t, proto::AclList>& acls,
                 std::map<std::string, ZkNode>* nodes);
  // Replays one log file from zxid `start` on; false once damage stops the import.
  Status ReplayLog(const fs::path& path, int64_t start);
  void Finish(bool drop_sessions);

 private:
  Status ApplyRecord(const fs::path& path, Reader& r, size_t payload_end);
  bool ApplyTxn(int32_t type, int64_t session, int64_t zxid, int64_t time, Reader& r,
                bool top_level);
  bool ApplyCloseSession(int64_t session, int64_t zxid, Reader& r);
  bool ApplyCreate(int32_t type, int64_t session, int64_t zxid, int64_t time, Reader& r,
                   bool top_level);
  bool ApplyMulti(int64_t session, int64_t zxid, int64_t time, Reader& r);
  bool ReadCreate(int32_t type, Reader& r, std::string* path, std::optional<std::string>* data,
                  proto::AclList* acl, bool* ephemeral, int32_t* parent_cversion,
                  int64_t* ttl);
  // ZooKeeper's DataTree operations, with their replay tolerance (a missing or existing node is
  // ignored: the fuzzy snapshot may hold the change already).
  bool Create(const std::string& path, std::optional<std::string> data, proto::AclList acl,
              int64_t owner, int32_t parent_cversion, int64_t zxid, int64_t time);
  void Delete(const std::string& path, int64_t zxid);
  void KillSession(int64_t session, int64_t zxid);
  static std::string ParentOf(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
  }

  ZkImport* out_;
  int32_t length_max_;
  std::map<int64_t, std::set<std::string>> ephemerals_;
};

// Nodes in preorder up to the path "/", each with its ACL looked up in the snapshot's cache.
bool Replay::ReadNodes(Reader& r, const std::map<int64_t, proto::AclList>& acls,
                       std::map<std::string, ZkNode>* nodes) {
  const proto::AclList open = {{proto::perms::kAll, {"world", "anyone"}}};
  while (true) {
    size_t at = r.pos();
    std::string node_path;
    if (!r.String(&node_path)) return false;
    if (node_path == "/") return true;  // the end of the tree
    ZkNode n;
    int64_t acl_id = 0;
    tree::PersistedStat& s = n.stat;
    if (!r.Buffer(&n.data) || !r.Long(&acl_id) || !r.Long(&s.czxid) || !r.Long(&s.mzxid) ||
        !r.Long(&s.ctime) || !r.Long(&s.mtime) || !r.Int(&s.version) || !r.Int(&s.cversion) ||
        !r.Int(&s.aversion) || !r.Long(&s.ephemeral_owner) || !r.Long(&s.pzxid)) {
      return false;
    }
    if (acl_id == -1) {
      n.acl = open;
    } else if (auto a = acls.find(acl_id); a != acls.end()) {
      n.acl = a->second;
    } else {
      r.Fail(at, "node " + node_path + " uses ACL " + std::to_string(acl_id) +
                     ", which the snapshot's ACL cache lacks");
      return false;
    }
    // The root is "" (a path without '/' is the root, as ZooKeeper reads it).
    std::string p = node_path.find('/') == std::string::npos ? "/" : node_path;
    if (p != "/" && !tree::IsValidPath(p)) {
      r.Fail(at, "invalid path " + p);
      return false;
    }
    if (p != "/" && nodes->count(ParentOf(p)) == 0) {
      r.Fail(at, "node " + p + " before its parent");
      return false;
    }
    (*nodes)[p] = std::move(n);
  }
}

Status Replay::LoadSnapshot(const fs::path& path, int64_t zxid) {
  Result<std::string> file = ReadFile(path);
  if (!file.ok()) return file.status();
  std::string bytes = std::move(*file);
  if (path.extension() == ".gz") {
    Result<std::string> plain = Gunzip(path, bytes);
    if (!plain.ok()) return plain.status();
    bytes = std::move(*plain);
  } else if (path.extension() == ".snappy") {
    return Status::Error(path.string() + ": snappy-compressed snapshots are not supported "
                         "(restart ZooKeeper with zookeeper.snapshot.compression.method unset "
                         "or gz so that it writes a new snapshot, then import again)");
  }
  auto fail = [&](const Reader& r) {
    return Status::Error(path.string() + ": " + r.error());
  };
  Reader r(bytes, 0, length_max_);
  int32_t magic = 0, version = 0, n_sessions = 0, n_acls = 0;
  int64_t dbid = 0;
  if (!r.Int(&magic) || !r.Int(&version) || !r.Long(&dbid)) return fail(r);
  if (magic != kSnapMagic) {
    r.Fail(0, "not a ZooKeeper snapshot (magic " + Hex(static_cast<uint32_t>(magic)) + ")");
    return fail(r);
  }
  if (!r.Int(&n_sessions)) return fail(r);
  std::map<int64_t, int32_t> sessions;
  for (int32_t i = 0; i < n_sessions; i++) {
    int64_t id = 0;
    int32_t timeout = 0;
    if (!r.Long(&id) || !r.Int(&timeout)) return fail(r);
    sessions[id] = timeout;
  }
  std::map<int64_t, proto::AclList> acls;
  if (!r.Int(&n_acls)) return fail(r);
  for (int32_t i = 0; i < n_acls; i++) {
    int64_t id = 0;
    std::optional<proto::AclList> list;
    size_t at = r.pos();
    if (!r.Long(&id) || !r.Acls(&list)) return fail(r);
    if (!list) {
      r.Fail(at, "null ACL list in the ACL cache");
      return fail(r);
    }
    acls[id] = std::move(*list);
  }
  std::map<std::string, ZkNode> nodes;
  if (!ReadNodes(r, acls, &nodes)) return fail(r);
  // The seal: an Adler-32 of every byte so far, then "/".
  size_t sealed = r.pos();
  int64_t sum = 0;
  std::string slash;
  if (!r.Long(&sum) || !r.String(&slash)) return fail(r);
  if (static_cast<uint64_t>(sum) != Adler32(std::string_view(bytes).substr(0, sealed))) {
    r.Fail(sealed, "checksum mismatch (the snapshot is damaged)");
    return fail(r);
  }
  if (nodes.count("/") == 0) {
    r.Fail(kFileHeaderBytes, "no root node");
    return fail(r);
  }
  // What follows (an optional tree digest and its seal) is not needed.
  out_->nodes = std::move(nodes);
  out_->sessions = std::move(sessions);
  out_->snapshot_file = path.string();
  out_->snapshot_zxid = zxid;
  out_->last_zxid = zxid;
  ephemerals_.clear();
  for (const auto& [p, n] : out_->nodes) {
    if (IsSessionOwner(n.stat.ephemeral_owner)) ephemerals_[n.stat.ephemeral_owner].insert(p);
  }
  return Status::Ok();
}

Status Replay::ReplayLog(const fs::path& path, int64_t start) {
  MappedFile file;
  if (Status s = file.Open(path); !s.ok()) return s;
  std::string_view bytes = file.bytes();
  out_->log_files.push_back(path.string());
  if (bytes.size() < kFileHeaderBytes) {
    out_->warnings.push_back(path.string() + ": shorter than a log header, skipped");
    return Status::Ok();
  }
  Reader h(bytes, 0, length_max_);
  int32_t magic = 0;
  h.Int(&magic);
  if (magic != kLogMagic) {
    return Status::Error(path.string() + ": offset 0: not a ZooKeeper transaction log (magic " +
                         Hex(static_cast<uint32_t>(magic)) + ")");
  }
  size_t pos = kFileHeaderBytes;
  while (true) {
    // [crc: long][length: int][payload][0x42]; the end of the data, a zero length or a missing
    // end byte end the file.
    if (bytes.size() - pos < 12) break;
    Reader r(bytes.substr(pos), pos, length_max_);
    int64_t crc = 0;
    int32_t len = 0;
    r.Long(&crc);
    r.Int(&len);
    if (len == 0) break;
    if (len < 0 || len > length_max_) {
      return Status::Error(path.string() + ": offset " + std::to_string(pos + 8) +
                           ": unreasonable record length " + std::to_string(len));
    }
    size_t payload_at = pos + 12;
    if (bytes.size() - payload_at < static_cast<size_t>(len) + 1 ||
        bytes[payload_at + static_cast<size_t>(len)] != 'B') {
      out_->warnings.push_back(path.string() + ": offset " + std::to_string(pos) +
                               ": last record partial, dropped (as ZooKeeper drops it)");
      break;
    }
    std::string_view payload = bytes.substr(payload_at, static_cast<size_t>(len));
    if (static_cast<uint64_t>(crc) != Adler32(payload)) {
      return Status::Error(path.string() + ": offset " + std::to_string(pos) +
                           ": record checksum mismatch (the log is damaged)");
    }
    Reader p(payload, payload_at, length_max_);
    int64_t session = 0, zxid = 0, time = 0;
    int32_t cxid = 0, type = 0;
    if (!p.Long(&session) || !p.Int(&cxid) || !p.Long(&zxid) || !p.Long(&time) || !p.Int(&type)) {
      return Status::Error(path.string() + ": " + p.error());
    }
    if (zxid >= start) {
      if (!ApplyTxn(type, session, zxid, time, p, true)) {
        return Status::Error(path.string() + ": " + p.error() + " (txn zxid " + Hex(zxid) + ")");
      }
      out_->txns_replayed++;
      out_->last_zxid = std::max(out_->last_zxid, zxid);
    }
    pos = payload_at + static_cast<size_t>(len) + 1;
  }
  return Status::Ok();
}

bool Replay::ReadCreate(int32_t type, Reader& r, std::string* path,
                        std::optional<std::string>* data, proto::AclList* acl, bool* ephemeral,
                        int32_t* parent_cversion, int64_t* ttl) {
  std::optional<proto::AclList> list;
  if (!r.String(path) || !r.Buffer(data) || !r.Acls(&list)) return false;
  *acl = list.value_or(proto::AclList{{proto::perms::kAll, {"world", "anyone"}}});
  *ephemeral = false;
  *parent_cversion = -1;
  *ttl = 0;
  if (type == kOpCreate || type == kOpCreate2) {
    if (!r.Bool(ephemeral)) return false;
    // CreateTxnV0 (ZooKeeper before 3.3) had no parent cversion: -1 is "old + 1".
    if (r.remaining() >= 4 && !r.Int(parent_cversion)) return false;
    return true;
  }
  if (!r.Int(parent_cversion)) return false;
  if (type == kOpCreateTtl && !r.Long(ttl)) return false;
  return true;
}

bool Replay::ApplyTxn(int32_t type, int64_t session, int64_t zxid, int64_t time, Reader& r,
                      bool top_level) {
  switch (type) {
    case kOpCreateSession: {
      int32_t timeout = 0;
      if (!r.Int(&timeout)) return false;
      out_->sessions[session] = timeout;
      return true;
    }
    case kOpCloseSession:
      return ApplyCloseSession(session, zxid, r);
    case kOpCreate:
    case kOpCreate2:
    case kOpCreateContainer:
    case kOpCreateTtl:
      return ApplyCreate(type, session, zxid, time, r, top_level);
    case kOpDelete:
    case kOpDeleteContainer: {
      std::string path;
      if (!r.String(&path)) return false;
      Delete(path, zxid);
      return true;
    }
    case kOpSetData:
    case kOpReconfig: {
      std::string path;
      std::optional<std::string> data;
      int32_t version = 0;
      if (!r.String(&path) || !r.Buffer(&data) || !r.Int(&version)) return false;
      auto it = out_->nodes.find(path);
      if (it == out_->nodes.end()) return true;
      it->second.data = std::move(data);
      it->second.stat.version = version;
      it->second.stat.mzxid = zxid;
      it->second.stat.mtime = time;
      return true;
    }
    case kOpSetAcl: {
      std::string path;
      std::optional<proto::AclList> acl;
      int32_t version = 0;
      if (!r.String(&path) || !r.Acls(&acl) || !r.Int(&version)) return false;
      auto it = out_->nodes.find(path);
      if (it == out_->nodes.end()) return true;
      it->second.acl = acl.value_or(proto::AclList{{proto::perms::kAll, {"world", "anyone"}}});
      it->second.stat.aversion = version;
      return true;
    }
    case kOpCheck:
    case kOpError:
      return true;  // nothing changes
    case kOpMulti:
      if (!top_level) return r.Fail(r.pos(), "a multi inside a multi");
      return ApplyMulti(session, zxid, time, r);
    default:
      return r.Fail(r.pos(), "unsupported txn type " + std::to_string(type));
  }
}

bool Replay::ApplyCloseSession(int64_t session, int64_t zxid, Reader& r) {
  // A list of paths to delete, or nothing (before 3.6, or with closeSessionTxn disabled);
  // either may be followed by a 12-byte digest.
  std::vector<std::string> paths;
  size_t left = r.remaining();
  if (left != 0 && left != 12) {
    int32_t n = 0;
    if (!r.Int(&n)) return false;
    for (int32_t i = 0; i < n; i++) {
      std::string p;
      if (!r.String(&p)) return false;
      paths.push_back(std::move(p));
    }
  } else if (left == 12) {
    // Either a digest alone, or a list that happens to be 12 bytes long: a list of one
    // 4-byte path (count 1, length 4).
    Reader probe = r;
    int32_t n = 0, len = 0;
    if (probe.Int(&n) && n == 1 && probe.Int(&len) && len == 4) {
      std::string p;
      r.Int(&n);
      r.String(&p);
      paths.push_back(std::move(p));
    }
  }
  out_->sessions.erase(session);
  for (const std::string& p : paths) Delete(p, zxid);
  KillSession(session, zxid);
  return true;
}

bool Replay::ApplyCreate(int32_t type, int64_t session, int64_t zxid, int64_t time, Reader& r,
                         bool top_level) {
  std::string path;
  std::optional<std::string> data;
  proto::AclList acl;
  bool ephemeral = false;
  int32_t parent_cversion = -1;
  int64_t ttl = 0;
  size_t at = r.pos();
  if (!ReadCreate(type, r, &path, &data, &acl, &ephemeral, &parent_cversion, &ttl)) {
    return false;
  }
  if (!tree::IsValidPath(path) || path == "/") return r.Fail(at, "invalid path " + path);
  int64_t owner = ephemeral ? session : 0;
  if (type == kOpCreateContainer) owner = proto::kContainerOwner;
  if (type == kOpCreateTtl) {
    if (ttl <= 0 || ttl > proto::kTtlMaxMs) {
      return r.Fail(at, "TTL " + std::to_string(ttl) + " out of range");
    }
    owner = tree::TtlOwner(ttl);
  }
  bool created = Create(path, std::move(data), std::move(acl), owner, parent_cversion, zxid,
                        time);
  // A create the fuzzy snapshot already holds: its parent's cversion and pzxid may have been
  // written before it, so they move on all the same (ZooKeeper does this for create only).
  if (!created && top_level && type == kOpCreate && out_->nodes.count(path) != 0) {
    ZkNode& parent = out_->nodes.at(ParentOf(path));
    int32_t v = parent_cversion == -1 ? parent.stat.cversion + 1 : parent_cversion;
    if (v > parent.stat.cversion) {
      parent.stat.cversion = v;
      parent.stat.pzxid = zxid;
    }
  }
  return true;
}

bool Replay::ApplyMulti(int64_t session, int64_t zxid, int64_t time, Reader& r) {
  int32_t n = 0;
  if (!r.Int(&n)) return false;
  if (n < 0 || n > length_max_) return r.Fail(r.pos(), "unreasonable multi size");
  std::vector<std::pair<int32_t, std::string>> subs;
  size_t at = r.pos();
  for (int32_t i = 0; i < n; i++) {
    int32_t sub_type = 0;
    std::optional<std::string> body;
    if (!r.Int(&sub_type) || !r.Buffer(&body)) return false;
    subs.emplace_back(sub_type, body.value_or(""));
  }
  // One failed part: none applies (its record holds error txns in the places of the rest).
  for (const auto& [sub_type, body] : subs) {
    if (sub_type == kOpError) return true;
  }
  for (const auto& [sub_type, body] : subs) {
    static const std::set<int32_t> kAllowed = {kOpCreate,          kOpCreate2,
                                               kOpCreateContainer, kOpCreateTtl,
                                               kOpDelete,          kOpDeleteContainer,
                                               kOpSetData,         kOpCheck};
    if (kAllowed.count(sub_type) == 0) {
      return r.Fail(at, "unsupported txn type " + std::to_string(sub_type) + " in a multi");
    }
    Reader sub(body, r.offset(), length_max_);
    if (!ApplyTxn(sub_type, session, zxid, time, sub, false)) return r.Fail(at, sub.error());
  }
  return true;
}

bool Replay::Create(const std::string& path, std::optional<std::string> data, proto::AclList acl,
                    int64_t owner, int32_t parent_cversion, int64_t zxid, int64_t time) {
  auto parent = out_->nodes.find(ParentOf(path));
  if (parent == out_->nodes.end() || out_->nodes.count(path) != 0) return false;
  tree::PersistedStat& ps = parent->second.stat;
  int32_t v = parent_cversion == -1 ? ps.cversion + 1 : parent_cversion;
  // A create replayed for a node made and deleted within the snapshot's fuzzy range must not
  // take the parent's cversion back.
  if (v > ps.cversion) {
    ps.cversion = v;
    ps.pzxid = zxid;
  }
  ZkNode n;
  n.data = std::move(data);
  n.acl = std::move(acl);
  n.stat.czxid = n.stat.mzxid = n.stat.pzxid = zxid;
  n.stat.ctime = n.stat.mtime = time;
  n.stat.ephemeral_owner = owner;
  out_->nodes.emplace(path, std::move(n));
  if (IsSessionOwner(owner)) ephemerals_[owner].insert(path);
  return true;
}

void Replay::Delete(const std::string& path, int64_t zxid) {
  auto it = out_->nodes.find(path);
  if (it == out_->nodes.end() || path == "/") return;
  auto parent = out_->nodes.find(ParentOf(path));
  if (parent != out_->nodes.end() && zxid > parent->second.stat.pzxid) {
    parent->second.stat.pzxid = zxid;
  }
  // Descendants (a fuzzy snapshot can hold children created after the delete was decided) go
  // with it: ZooKeeper leaves them unreachable, and its next snapshot without them.
  std::string prefix = path + "/";
  auto end = out_->nodes.lower_bound(prefix);
  while (end != out_->nodes.end() && end->first.compare(0, prefix.size(), prefix) == 0) ++end;
  for (auto d = it; d != end; ++d) {
    int64_t owner = d->second.stat.ephemeral_owner;
    if (IsSessionOwner(owner)) {
      auto e = ephemerals_.find(owner);
      if (e != ephemerals_.end()) {
        e->second.erase(d->first);
        if (e->second.empty()) ephemerals_.erase(e);
      }
    }
  }
  out_->nodes.erase(it, end);
}

void Replay::KillSession(int64_t session, int64_t zxid) {
  auto e = ephemerals_.find(session);
  if (e == ephemerals_.end()) return;
  std::vector<std::string> paths(e->second.begin(), e->second.end());
  for (const std::string& p : paths) Delete(p, zxid);
}

void Replay::Finish(bool drop_sessions) {
  if (drop_sessions) out_->sessions.clear();
  std::vector<int64_t> dead;
  for (const auto& [owner, paths] : ephemerals_) {
    if (out_->sessions.count(owner) == 0) dead.push_back(owner);
  }
  for (int64_t owner : dead) {
    out_->ephemerals_of_dead_sessions += static_cast<int64_t>(ephemerals_[owner].size());
    KillSession(owner, out_->last_zxid);
  }
}

}  // namespace

bool IsSessionOwner(int64_t owner) {
  return owner != 0 && owner != proto::kContainerOwner &&
         (static_cast<uint64_t>(owner) & proto::kTtlOwnerMask) != proto::kTtlOwnerMask;
}

Result<ZkImport> ReadZooKeeper(const std::string& dir, const ZkImportOptions& options) {
  fs::path d(dir);
  std::error_code ec;
  if (!fs::is_directory(d, ec)) return Status::Error(dir + ": not a directory");
  if (fs::is_directory(d / "version-2", ec)) d /= "version-2";
  std::vector<std::pair<int64_t, fs::path>> snaps, logs;
  for (const auto& entry : fs::directory_iterator(d, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    if (int64_t z = ZxidFromName(name, "snapshot"); z >= 0 && name.find(".tmp") == std::string::npos) {
      snaps.emplace_back(z, entry.path());
    } else if (int64_t lz = ZxidFromName(name, "log"); lz >= 0) {
      logs.emplace_back(lz, entry.path());
    }
  }
  if (ec) return Status::Error(d.string() + ": " + ec.message());
  if (snaps.empty()) {
    return Status::Error(d.string() + ": no snapshot.* file (not a ZooKeeper data directory, or "
                         "one that never took a snapshot: start and stop ZooKeeper once)");
  }
  std::sort(snaps.rbegin(), snaps.rend());
  std::sort(logs.begin(), logs.end());
  ZkImport out;
  Replay replay(&out, options.length_max);
  // The newest snapshot that reads whole, as ZooKeeper picks it; a damaged newer one is named.
  Status loaded = Status::Error("no snapshot could be read");
  std::vector<std::string> refused;
  for (const auto& [zxid, path] : snaps) {
    loaded = replay.LoadSnapshot(path, zxid);
    if (loaded.ok()) break;
    refused.push_back(loaded.message());
  }
  if (!loaded.ok()) {
    std::string all;
    for (const std::string& r : refused) all += "\n  " + r;
    return Status::Error("no valid snapshot in " + d.string() + ":" + all);
  }
  for (const std::string& r : refused) out.warnings.push_back("snapshot skipped: " + r);
  // The newest log that starts at or before the snapshot, and every later one.
  int64_t first = 0;
  for (const auto& [start, path] : logs) {
    if (start <= out.snapshot_zxid) first = start;
  }
  for (const auto& [start, path] : logs) {
    if (start < first) continue;
    if (Status s = replay.ReplayLog(path, out.snapshot_zxid + 1); !s.ok()) return s;
  }
  replay.Finish(options.drop_sessions);
  return out;
}

}  // namespace paddock::datadir
