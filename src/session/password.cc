#include "session/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/assert.h"

namespace paddock::session {

std::string SessionPassword(std::string_view secret, int64_t session_id) {
  PADDOCK_ASSERT(!secret.empty());
  unsigned char msg[8];
  auto u = static_cast<uint64_t>(session_id);
  for (int i = 0; i < 8; i++) msg[i] = static_cast<unsigned char>(u >> (56 - 8 * i));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  unsigned char* ok = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), msg,
                           sizeof(msg), mac, &mac_len);
  PADDOCK_ASSERT(ok != nullptr && mac_len >= kPasswordBytes);
  return std::string(reinterpret_cast<const char*>(mac), kPasswordBytes);
}

bool CheckPassword(std::string_view secret, int64_t session_id, std::string_view presented) {
  if (session_id == 0 || presented.size() != kPasswordBytes) return false;
  std::string expected = SessionPassword(secret, session_id);
  return CRYPTO_memcmp(expected.data(), presented.data(), kPasswordBytes) == 0;
}

}  // namespace paddock::session
