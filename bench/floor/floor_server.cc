// paddock-floor: the smallest server that answers ZooKeeper's client protocol, to measure what
// this machine allows for one request ("the floor", issue #18). It keeps no tree: every request
// gets a fixed, well-formed answer, so the client-side cost, the loopback round trip and (in fsync
// mode) one fdatasync are all that is left of a request's latency.
//
//   paddock-floor --port 2191 --mode instant|fsync|handshake [--file floor.log]
//                 [--handshake-sync] [--host 127.0.0.1]
//
// Modes:
//   instant    every reply is written as soon as its request is read.
//   fsync      the frames of writes (create*, delete, setData, multi; the handshake too with
//              --handshake-sync) are appended to a preallocated 64 MiB file, wrapping around,
//              and made durable with one fdatasync per loop turn (group commit over every
//              connection) before their replies go out. Reads answer at once unless an earlier
//              write of the same connection is still waiting: replies stay in request order.
//   handshake  as instant; a separate name so reports can label the handshake-only floor.
//
// One thread, epoll, level-triggered, nonblocking sockets. Each loop turn ends with at most one
// send() per connection carrying every reply produced for it in that turn. A malformed frame
// (length out of [0, 0xfffff], or a record shorter than it claims) closes only its connection.
// SIGTERM and SIGINT end the process with exit code 0; bad flags exit 2.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr int32_t kFrameBytesMax = 0xfffff;  // ZooKeeper's default jute.maxbuffer
constexpr int64_t kFileBytes = int64_t{64} << 20;
constexpr size_t kReadChunkBytes = size_t{256} << 10;
constexpr int kReadsPerTurnMax = 4;
constexpr size_t kOutBacklogMax = size_t{8} << 20;  // stop reading a client that does not read
constexpr int kAcceptsPerTurnMax = 4096;
constexpr int kEventsMax = 256;
constexpr int32_t kDataBytes = 100;  // getData's fixed answer
constexpr uint64_t kListenerId = 0;
constexpr uint64_t kSignalId = 1;

// ZooKeeper opcodes (zookeeper.jute / ZooDefs.OpCode).
enum OpCode : int32_t {
  kCreate = 1,
  kDelete = 2,
  kExists = 3,
  kGetData = 4,
  kSetData = 5,
  kSync = 9,
  kPing = 11,
  kGetChildren2 = 12,
  kMulti = 14,
  kCreate2 = 15,
  kCreateContainer = 19,
  kCreateTtl = 21,
  kSetWatches = 101,
  kCloseSession = -11,
};

enum class Mode { kInstant, kFsync, kHandshake };

struct Flags {
  std::string host = "127.0.0.1";
  int port = 2191;
  Mode mode = Mode::kInstant;
  std::string mode_name = "instant";
  std::string file = "./floor.log";
  bool handshake_sync = false;
};

// ---- flags

void Usage(FILE* to) {
  std::fprintf(to,
               "usage: paddock-floor [--port N] [--host IPV4] [--mode instant|fsync|handshake]\n"
               "                     [--file PATH] [--handshake-sync]\n");
}

int BadFlag(const std::string& flag, const std::string& why) {
  std::fprintf(stderr, "paddock-floor: %s: %s\n", flag.c_str(), why.c_str());
  Usage(stderr);
  return 2;
}

bool ParseMode(const std::string& v, Flags& f) {
  static constexpr std::pair<const char*, Mode> kModes[] = {
      {"instant", Mode::kInstant}, {"fsync", Mode::kFsync}, {"handshake", Mode::kHandshake}};
  for (const auto& [name, mode] : kModes) {
    if (v == name) {
      f.mode = mode;
      f.mode_name = v;
      return true;
    }
  }
  return false;
}

bool ParsePort(const std::string& v, int& port) {
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(v.c_str(), &end, 10);
  if (errno != 0 || end == v.c_str() || *end != '\0' || n < 1 || n > 65535) return false;
  port = static_cast<int>(n);
  return true;
}

// Sets one flag that takes a value; returns what is wrong with the value ("" when it is good).
std::string ApplyFlag(const std::string& flag, const std::string& value, Flags& f) {
  if (flag == "--port") return ParsePort(value, f.port) ? "" : "not a port in 1..65535";
  if (flag == "--mode") return ParseMode(value, f) ? "" : "not instant, fsync or handshake";
  if (flag == "--host") {
    in_addr addr{};
    if (inet_pton(AF_INET, value.c_str(), &addr) != 1) return "not an IPv4 address";
    f.host = value;
    return "";
  }
  if (value.empty()) return "empty path";
  f.file = value;
  return "";
}

// Returns -1 when the flags are good, otherwise the exit code (0 for --help, 2 for bad flags).
int ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      Usage(stdout);
      return 0;
    }
    if (flag == "--handshake-sync") {
      if (has_value) return BadFlag(flag, "takes no value");
      f.handshake_sync = true;
      continue;
    }
    if (flag != "--port" && flag != "--host" && flag != "--mode" && flag != "--file") {
      return BadFlag(flag, "unknown flag");
    }
    if (!has_value) {
      if (i + 1 >= argc) return BadFlag(flag, "needs a value");
      value = argv[++i];
    }
    if (std::string why = ApplyFlag(flag, value, f); !why.empty()) return BadFlag(flag, why);
  }
  return -1;
}

// ---- jute encoding (big-endian)

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

  void Int(int32_t v) { Raw(static_cast<uint64_t>(static_cast<uint32_t>(v)), 4); }
  void Long(int64_t v) { Raw(static_cast<uint64_t>(v), 8); }
  void Bool(bool v) { out_.push_back(v ? 1 : 0); }
  void Buffer(const uint8_t* p, size_t n) {
    Int(static_cast<int32_t>(n));
    out_.insert(out_.end(), p, p + n);
  }
  // Stat: czxid mzxid ctime mtime version cversion aversion ephemeralOwner dataLength
  // numChildren pzxid (68 bytes).
  void Stat(int64_t zxid, int32_t data_length) {
    Long(zxid);
    Long(zxid);
    Long(0);
    Long(0);
    Int(0);
    Int(0);
    Int(0);
    Long(0);
    Int(data_length);
    Int(0);
    Long(zxid);
  }
  size_t BeginFrame() {
    size_t at = out_.size();
    Int(0);
    return at;
  }
  void EndFrame(size_t at) {
    auto n = static_cast<uint32_t>(out_.size() - at - 4);
    for (size_t i = 0; i < 4; ++i) out_[at + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  }

 private:
  void Raw(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t>& out_;
};

// Reads jute primitives; any read past the end clears ok() and returns zeros.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return n_ - pos_; }
  int32_t Int() { return static_cast<int32_t>(Raw(4)); }
  int64_t Long() { return static_cast<int64_t>(Raw(8)); }
  // A buffer or ustring: int length (-1 = null) then the bytes. Returns a view of the bytes.
  std::string_view Buffer() {
    int32_t len = Int();
    if (!ok_ || len == -1) return {};
    if (len < 0 || static_cast<size_t>(len) > remaining()) {
      ok_ = false;
      return {};
    }
    std::string_view v(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return v;
  }

 private:
  uint64_t Raw(size_t bytes) {
    if (!ok_ || remaining() < bytes) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v = (v << 8) | p_[pos_ + i];
    pos_ += bytes;
    return v;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  bool ok_ = true;
};

uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

bool IsWrite(int32_t type) {
  switch (type) {
    case kCreate:
    case kCreate2:
    case kCreateContainer:
    case kCreateTtl:
    case kDelete:
    case kSetData:
    case kMulti:
      return true;
    default:
      return false;
  }
}

// ---- the write-ahead file of fsync mode

// A preallocated file written at a rolling offset; records never straddle the end (a record
// that does not fit starts again at offset 0). Any I/O error ends the process: a floor that
// cannot make its writes durable must not answer as if it had.
class LogFile {
 public:
  bool Open(const std::string& path) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Fail("open", path);
    if (fallocate(fd_, 0, 0, kFileBytes) != 0) return Fail("fallocate", path);
    std::vector<uint8_t> zeros(size_t{1} << 20, 0);
    for (int64_t off = 0; off < kFileBytes; off += static_cast<int64_t>(zeros.size())) {
      if (!WriteAll(zeros.data(), zeros.size(), off)) return Fail("write", path);
    }
    if (fdatasync(fd_) != 0) return Fail("fdatasync", path);
    return true;
  }

  // Writes every record (offset and length into `staged`) and makes them durable.
  void Append(const std::vector<uint8_t>& staged,
              const std::vector<std::pair<size_t, size_t>>& recs) {
    std::vector<iovec> iov;
    int64_t run_at = offset_;
    for (const auto& [at, len] : recs) {
      bool wraps = offset_ + static_cast<int64_t>(len) > kFileBytes;
      if (wraps || iov.size() == static_cast<size_t>(IOV_MAX)) {
        WriteRun(iov, run_at);
        if (wraps) offset_ = 0;
        run_at = offset_;
      }
      iov.push_back({const_cast<uint8_t*>(staged.data() + at), len});
      offset_ += static_cast<int64_t>(len);
    }
    WriteRun(iov, run_at);
    if (fdatasync(fd_) != 0) Die("fdatasync");
  }

 private:
  bool Fail(const char* what, const std::string& path) {
    std::fprintf(stderr, "paddock-floor: %s %s: %s\n", what, path.c_str(), std::strerror(errno));
    return false;
  }
  [[noreturn]] static void Die(const char* what) {
    std::fprintf(stderr, "paddock-floor: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
  }
  bool WriteAll(const uint8_t* p, size_t n, int64_t off) {
    while (n > 0) {
      ssize_t w = pwrite(fd_, p, n, off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
      off += w;
    }
    return true;
  }
  // One pwritev for a run of records at consecutive offsets; a short write finishes piecewise.
  void WriteRun(std::vector<iovec>& iov, int64_t at) {
    if (iov.empty()) return;
    ssize_t w = pwritev(fd_, iov.data(), static_cast<int>(iov.size()), at);
    if (w < 0 && errno != EINTR) Die("pwritev");
    size_t done = w < 0 ? 0 : static_cast<size_t>(w);
    for (const iovec& v : iov) {
      size_t skip = done < v.iov_len ? done : v.iov_len;
      done -= skip;
      if (skip < v.iov_len && !WriteAll(static_cast<const uint8_t*>(v.iov_base) + skip,
                                        v.iov_len - skip, at + static_cast<int64_t>(skip))) {
        Die("pwrite");
      }
      at += static_cast<int64_t>(v.iov_len);
    }
    iov.clear();
  }

  int fd_ = -1;
  int64_t offset_ = 0;
};

// ---- connections and the loop

struct Conn {
  uint64_t id = 0;
  int fd = -1;
  std::vector<uint8_t> in;    // bytes read, not yet parsed
  std::vector<uint8_t> out;   // replies ready to send
  size_t out_sent = 0;        // prefix of `out` already sent
  std::vector<uint8_t> held;  // replies waiting for this turn's fdatasync
  bool handshaken = false;
  bool closing = false;   // closeSession answered: close once `out` is sent
  bool touched = false;   // in Server::touched_
  bool in_group = false;  // in Server::group_conns_
  uint32_t interest = EPOLLIN;
};

class Server {
 public:
  explicit Server(const Flags& f) : flags_(f) {}
  int Run();

 private:
  bool Listen();
  bool WatchSignals();
  void AcceptAll();
  void OnEvent(Conn& c, uint32_t events);
  bool ReadInput(Conn& c);
  bool ParseFrames(Conn& c);
  bool HandleConnect(Conn& c, const uint8_t* frame, size_t n);
  bool HandleRequest(Conn& c, const uint8_t* frame, size_t n);
  bool AppendBody(Writer& w, int32_t type, Reader& r);
  std::vector<uint8_t>& ReplyTarget(Conn& c, bool durable, const uint8_t* frame, size_t n);
  void CommitGroup();
  void FlushTouched();
  void Flush(Conn& c);
  void SetInterest(Conn& c);
  void Touch(Conn& c);
  void Close(Conn& c);
  Conn* Find(uint64_t id);

  Flags flags_;
  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  int signal_fd_ = -1;
  bool stop_ = false;
  uint64_t next_id_ = 2;  // 0 and 1 are the listener and the signal descriptor
  int64_t next_session_id_ = 1;
  int64_t zxid_ = 0;
  LogFile log_;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<uint64_t> touched_;      // connections with replies produced this turn
  std::vector<uint64_t> flushing_;     // touched_ while it is flushed (kept for its capacity)
  std::vector<uint64_t> group_conns_;  // connections with replies held for the fdatasync
  std::vector<uint8_t> staged_;        // request frames to write this turn
  std::vector<std::pair<size_t, size_t>> staged_recs_;
  std::vector<uint8_t> scratch_ = std::vector<uint8_t>(kReadChunkBytes);
};

bool Server::Listen() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return false;
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(flags_.port));
  inet_pton(AF_INET, flags_.host.c_str(), &addr.sin_addr);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  if (listen(listen_fd_, 1024) != 0) return false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerId;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) == 0;
}

bool Server::WatchSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return false;
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kSignalId;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev) == 0;
}

int Server::Run() {
  signal(SIGPIPE, SIG_IGN);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0 || !WatchSignals()) {
    std::fprintf(stderr, "paddock-floor: epoll/signalfd: %s\n", std::strerror(errno));
    return 1;
  }
  if (flags_.mode == Mode::kFsync && !log_.Open(flags_.file)) return 1;
  if (!Listen()) {
    std::fprintf(stderr, "paddock-floor: listen on %s:%d: %s\n", flags_.host.c_str(), flags_.port,
                 std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "floor: listening on %s:%d mode %s\n", flags_.host.c_str(), flags_.port,
               flags_.mode_name.c_str());
  epoll_event events[kEventsMax];
  while (!stop_) {
    int n = epoll_wait(epoll_fd_, events, kEventsMax, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "paddock-floor: epoll_wait: %s\n", std::strerror(errno));
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        AcceptAll();
      } else if (id == kSignalId) {
        stop_ = true;
      } else if (Conn* c = Find(id)) {
        OnEvent(*c, events[i].events);
      }
    }
    if (!staged_recs_.empty() || !group_conns_.empty()) CommitGroup();
    FlushTouched();
  }
  return 0;
}

void Server::AcceptAll() {
  for (int i = 0; i < kAcceptsPerTurnMax; ++i) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        std::fprintf(stderr, "paddock-floor: accept4: %s\n", std::strerror(errno));
      }
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Conn>();
    c->id = next_id_++;
    c->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    conns_.emplace(c->id, std::move(c));
  }
}

Conn* Server::Find(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.get();
}

void Server::OnEvent(Conn& c, uint32_t events) {
  if ((events & EPOLLOUT) != 0) Touch(c);
  if (c.closing && (events & (EPOLLHUP | EPOLLERR)) != 0) {
    Close(c);
    return;
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0 || c.closing) return;
  if (!ReadInput(c) || !ParseFrames(c)) Close(c);
}

// Reads what the socket has (bounded per turn; level-triggered epoll calls again). False on EOF
// or a socket error.
bool Server::ReadInput(Conn& c) {
  for (int i = 0; i < kReadsPerTurnMax; ++i) {
    ssize_t n = read(c.fd, scratch_.data(), scratch_.size());
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.in.insert(c.in.end(), scratch_.begin(), scratch_.begin() + n);
    if (static_cast<size_t>(n) < scratch_.size()) return true;
  }
  return true;
}

// Handles every complete frame in `c.in`. False when a frame is malformed.
bool Server::ParseFrames(Conn& c) {
  size_t at = 0;
  bool ok = true;
  while (ok && !c.closing && c.in.size() - at >= 4) {
    auto len = static_cast<int32_t>(LoadBigEndian32(c.in.data() + at));
    if (len < 0 || len > kFrameBytesMax) {
      ok = false;
      break;
    }
    size_t n = static_cast<size_t>(len);
    if (c.in.size() - at - 4 < n) break;
    const uint8_t* frame = c.in.data() + at;
    ok = c.handshaken ? HandleRequest(c, frame, n + 4) : HandleConnect(c, frame, n + 4);
    at += n + 4;
  }
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(at));
  return ok;
}

// Where a reply goes: held for the fdatasync if it is durable (its frame is staged for the file)
// or if an earlier reply of this connection is held (order); otherwise out at once.
std::vector<uint8_t>& Server::ReplyTarget(Conn& c, bool durable, const uint8_t* frame, size_t n) {
  Touch(c);
  if (durable) {
    staged_recs_.emplace_back(staged_.size(), n);
    staged_.insert(staged_.end(), frame, frame + n);
  }
  if (!durable && c.held.empty()) return c.out;
  if (!c.in_group) {
    c.in_group = true;
    group_conns_.push_back(c.id);
  }
  return c.held;
}

// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd [, readOnly].
bool Server::HandleConnect(Conn& c, const uint8_t* frame, size_t n) {
  Reader r(frame + 4, n - 4);
  r.Int();
  r.Long();
  int32_t timeout_ms = r.Int();
  int64_t session_id = r.Long();
  r.Buffer();
  if (!r.ok()) return false;
  bool trailer = r.remaining() > 0;
  if (session_id == 0) session_id = next_session_id_++;
  bool durable = flags_.mode == Mode::kFsync && flags_.handshake_sync;
  Writer w(ReplyTarget(c, durable, frame, n));
  size_t at = w.BeginFrame();
  w.Int(0);
  w.Int(timeout_ms);
  w.Long(session_id);
  uint8_t passwd[16];
  for (int i = 0; i < 16; ++i) passwd[i] = static_cast<uint8_t>(session_id >> (8 * (i % 8)));
  w.Buffer(passwd, sizeof passwd);
  if (trailer) w.Bool(false);
  w.EndFrame(at);
  c.handshaken = true;
  return true;
}

bool Server::HandleRequest(Conn& c, const uint8_t* frame, size_t n) {
  Reader r(frame + 4, n - 4);
  int32_t xid = r.Int();
  int32_t type = r.Int();
  if (!r.ok()) return false;
  bool write = IsWrite(type);
  if (write) ++zxid_;
  Writer w(ReplyTarget(c, write && flags_.mode == Mode::kFsync, frame, n));
  size_t at = w.BeginFrame();
  w.Int(xid);
  w.Long(zxid_);
  w.Int(0);
  if (!AppendBody(w, type, r)) return false;
  w.EndFrame(at);
  if (type == kCloseSession) c.closing = true;
  return true;
}

// The success body of each answered type; false if the request is too short to hold its path.
bool Server::AppendBody(Writer& w, int32_t type, Reader& r) {
  static const std::vector<uint8_t> kData(kDataBytes, 'f');
  switch (type) {
    case kCreate:
    case kCreate2:
    case kCreateContainer:
    case kCreateTtl:
    case kSync: {
      std::string_view path = r.Buffer();
      if (!r.ok()) return false;
      w.Buffer(reinterpret_cast<const uint8_t*>(path.data()), path.size());
      // create2, createContainer and createTTL answer with Create2Response (path + Stat).
      if (type != kCreate && type != kSync) w.Stat(zxid_, 0);
      return true;
    }
    case kGetData:
      w.Buffer(kData.data(), kData.size());
      w.Stat(zxid_, kDataBytes);
      return true;
    case kExists:
    case kSetData:
      w.Stat(zxid_, kDataBytes);
      return true;
    case kGetChildren2:
      w.Int(0);
      w.Stat(zxid_, 0);
      return true;
    default:  // ping, closeSession, delete, setWatches and anything else: header only
      return true;
  }
}

void Server::CommitGroup() {
  if (!staged_recs_.empty()) log_.Append(staged_, staged_recs_);
  staged_.clear();
  staged_recs_.clear();
  for (uint64_t id : group_conns_) {
    Conn* c = Find(id);
    if (c == nullptr) continue;
    c->out.insert(c->out.end(), c->held.begin(), c->held.end());
    c->held.clear();
    c->in_group = false;
    Touch(*c);
  }
  group_conns_.clear();
}

void Server::Touch(Conn& c) {
  if (c.touched) return;
  c.touched = true;
  touched_.push_back(c.id);
}

void Server::FlushTouched() {
  flushing_.swap(touched_);  // Flush never adds to touched_
  for (uint64_t id : flushing_) {
    if (Conn* c = Find(id)) {
      c->touched = false;
      Flush(*c);
    }
  }
  flushing_.clear();
}

// One send() of everything ready for this connection; the rest waits for EPOLLOUT.
void Server::Flush(Conn& c) {
  size_t pending = c.out.size() - c.out_sent;
  if (pending > 0) {
    ssize_t n = send(c.fd, c.out.data() + c.out_sent, pending, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      Close(c);
      return;
    }
    c.out_sent += n > 0 ? static_cast<size_t>(n) : 0;
    if (c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
    }
  }
  if (c.closing && c.out.empty() && c.held.empty()) {
    Close(c);
    return;
  }
  SetInterest(c);
}

void Server::SetInterest(Conn& c) {
  size_t backlog = c.out.size() - c.out_sent;
  uint32_t want = 0;
  if (!c.closing && backlog < kOutBacklogMax) want |= EPOLLIN;
  if (backlog > 0) want |= EPOLLOUT;
  if (want == c.interest) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) == 0) c.interest = want;
}

void Server::Close(Conn& c) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  conns_.erase(c.id);  // destroys c
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (int rc = ParseFlags(argc, argv, flags); rc >= 0) return rc;
  Server server(flags);
  return server.Run();
}
