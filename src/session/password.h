// Session passwords: HMAC-SHA256(ensemble secret, big-endian session id), cut to 16 bytes.
//
// Any server holding the replicated secret can check a password; unlike ZooKeeper's
// java.util.Random-based password, it cannot be computed from the session id alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace paddock::session {

inline constexpr size_t kPasswordBytes = 16;
inline constexpr size_t kSecretBytes = 32;

std::string SessionPassword(std::string_view secret, int64_t session_id);
// Constant-time comparison of a presented password with the expected one.
bool CheckPassword(std::string_view secret, int64_t session_id, std::string_view presented);

}  // namespace paddock::session
