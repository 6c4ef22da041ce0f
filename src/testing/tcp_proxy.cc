#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "testing/test_server.h"

namespace paddock::testing {
namespace {

int ConnectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Copies what is readable from `from` to `to`; false when `from` is closed or failed.
bool Pump(int from, int to) {
  char buf[65536];
  ssize_t n = read(from, buf, sizeof(buf));
  if (n <= 0) return false;
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = write(to, buf + off, static_cast<size_t>(n - off));
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(listen_fd_, 64) != 0) {
    std::fprintf(stderr, "tcp_proxy: cannot listen\n");
    std::abort();
  }
  socklen_t len = sizeof(a);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  if (pipe(wake_) != 0) std::abort();
  thread_ = std::thread([this]() { Run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  if (write(wake_[1], "x", 1) != 1) std::abort();
  thread_.join();
  CloseAll();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
}

void TcpProxy::CloseAll() {
  for (auto& p : pairs_) {
    if (p.client >= 0) close(p.client);
    if (p.server >= 0) close(p.server);
  }
  pairs_.clear();
}

void TcpProxy::Cut() {
  std::lock_guard<std::mutex> lock(mu_);
  cut_ = true;
  if (write(wake_[1], "x", 1) != 1) std::abort();
}

void TcpProxy::Blackhole() {
  std::lock_guard<std::mutex> lock(mu_);
  blackhole_ = true;
  if (write(wake_[1], "x", 1) != 1) std::abort();
}

void TcpProxy::Restore() {
  std::lock_guard<std::mutex> lock(mu_);
  blackhole_ = false;
  cut_ = true;  // connections held in the blackhole are stale: close them
  if (write(wake_[1], "x", 1) != 1) std::abort();
}

// One thread polls the listener and every connection pair. In blackhole mode the pairs are not
// read at all, so bytes stay in the kernel buffers and nothing reaches the other side.
void TcpProxy::Run() {
  while (!stop_) {
    bool blackhole = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cut_) {
        CloseAll();
        cut_ = false;
      }
      blackhole = blackhole_;
    }
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    if (!blackhole) {
      for (auto& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
    }
    if (poll(fds.data(), fds.size(), 200) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      char b[64];
      if (read(wake_[0], b, sizeof(b)) < 0) continue;
    }
    if (fds[1].revents & POLLIN) {
      int c = accept(listen_fd_, nullptr, nullptr);
      if (c >= 0) {
        int s = ConnectTo(target_port_);
        if (s < 0) {
          close(c);
        } else {
          pairs_.push_back({c, s});
        }
      }
    }
    if (blackhole) continue;
    for (size_t i = 2; i + 1 < fds.size(); i += 2) {
      Pair& p = pairs_[(i - 2) / 2];
      bool ok = true;
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) ok = Pump(p.client, p.server);
      if (ok && (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) ok = Pump(p.server, p.client);
      if (!ok) {
        close(p.client);
        close(p.server);
        p.client = p.server = -1;
      }
    }
    std::erase_if(pairs_, [](const Pair& p) { return p.client < 0; });
  }
}

}  // namespace paddock::testing
