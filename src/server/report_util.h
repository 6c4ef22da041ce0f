// Small helpers shared by the server's reports (four-letter words and the admin endpoint).
#pragma once

#include <cstdint>
#include <string>

namespace paddock::server {

// Total size of the regular files directly in `dir` (0 if it cannot be read).
int64_t DirBytes(const std::string& dir);
// A session or zxid in ZooKeeper's hex form: "0x1000001a2b3c0000".
std::string HexId(int64_t id);

}  // namespace paddock::server
