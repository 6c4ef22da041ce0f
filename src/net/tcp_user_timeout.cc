#include "net/tcp_user_timeout.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace paddock::net {

std::string SetTcpUserTimeout(uv_tcp_t* tcp, uint64_t ms) {
  uv_os_fd_t fd = -1;
  if (int rv = uv_fileno(reinterpret_cast<uv_handle_t*>(tcp), &fd); rv != 0) {
    return uv_strerror(rv);
  }
  auto value = static_cast<unsigned int>(std::min<uint64_t>(ms, UINT32_MAX));
  if (setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &value, sizeof(value)) != 0) {
    return std::strerror(errno);
  }
  return "";
}

int64_t TcpUserTimeout(uv_tcp_t* tcp) {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(tcp), &fd) != 0) return -1;
  unsigned int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &value, &len) != 0) return -1;
  return value;
}

}  // namespace paddock::net
