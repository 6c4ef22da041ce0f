#include "server/disk_guard.h"

#include <sys/statvfs.h>

#include <utility>

#include "base/assert.h"
#include "base/log.h"

namespace paddock::server {

DiskGuard::DiskGuard(std::string dir, int64_t reserve_bytes, int64_t refresh_ms,
                     FreeBytesSource source)
    : dir_(std::move(dir)),
      reserve_bytes_(reserve_bytes),
      refresh_ms_(refresh_ms),
      source_(std::move(source)) {
  PADDOCK_ASSERT(reserve_bytes_ >= 0 && refresh_ms_ >= 0);
  PADDOCK_ASSERT(source_ != nullptr);
}

bool DiskGuard::WritesAllowed(int64_t now_ms) {
  if (reserve_bytes_ == 0) return true;
  if (!read_once_ || now_ms - read_ms_ >= refresh_ms_) Refresh(now_ms);
  return !low_;
}

void DiskGuard::Refresh(int64_t now_ms) {
  read_once_ = true;
  read_ms_ = now_ms;
  free_bytes_ = source_();
  bool low = free_bytes_ >= 0 && free_bytes_ < reserve_bytes_;
  if (low == low_) return;
  low_ = low;
  if (low_) {
    PADDOCK_LOG_WARN("disk space low, refusing writes dir={} free_bytes={} reserve_bytes={} "
                     "reply=SYSTEMERROR", dir_, free_bytes_, reserve_bytes_);
  } else {
    PADDOCK_LOG_INFO("disk space recovered, accepting writes dir={} free_bytes={} "
                     "reserve_bytes={}", dir_, free_bytes_, reserve_bytes_);
  }
}

int64_t DiskGuard::StatvfsFreeBytes(const std::string& dir) {
  struct statvfs st {};
  if (statvfs(dir.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

}  // namespace paddock::server
