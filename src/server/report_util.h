// Small helpers shared by the server's reports (four-letter words and the admin endpoint).
#pragma once

#include <cstdint>
#include <string>

namespace paddock::server {

// Total size of the regular files directly in `dir` (0 if it cannot be read).
int64_t DirBytes(const std::string& dir);
// Descriptors this process has open (mntr's and the admin endpoint's
// open_file_descriptor_count); 0 if /proc cannot be read.
int64_t OpenFdCount();
// Java's Double.toString of a value rounded to 4 decimals, as ZooKeeper prints latencies: "0.0",
// "1.5", "2.1235".
std::string JavaDouble(double v);
// A session or zxid in ZooKeeper's hex form: "0x1000001a2b3c0000".
std::string HexId(int64_t id);

}  // namespace paddock::server
