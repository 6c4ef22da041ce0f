#include "server/report_util.h"

#include <dirent.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace paddock::server {

int64_t DirBytes(const std::string& dir) {
  std::error_code ec;
  int64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += static_cast<int64_t>(e.file_size(ec));
  }
  return total;
}

std::string JavaDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", std::round(v * 10000.0) / 10000.0);
  std::string s = buf;
  while (s.size() > 2 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

std::string HexId(int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(id));
  return buf;
}

int64_t OpenFdCount() {
  int64_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) n++;
    closedir(d);
    n -= 3;  // ".", ".." and the descriptor reading the directory
  }
  return n;
}

}  // namespace paddock::server
