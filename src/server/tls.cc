#include "server/tls.h"

#include <openssl/err.h>

#include <algorithm>
#include <map>

namespace paddock::server {
namespace {

Status SetProtocols(SSL_CTX* ctx, const Config& c) {
  static const std::map<std::string, std::pair<int, int>> kVersions = {
      {"TLSv1", {TLS1_VERSION, TLS1_VERSION}},       {"TLSv1.1", {TLS1_1_VERSION, TLS1_1_VERSION}},
      {"TLSv1.2", {TLS1_2_VERSION, TLS1_2_VERSION}}, {"TLSv1.3", {TLS1_3_VERSION, TLS1_3_VERSION}},
      {"TLS", {TLS1_2_VERSION, TLS1_3_VERSION}},
  };
  bool explicit_list = !c.ssl_enabled_protocols.empty();
  const char* key = explicit_list ? "ssl.enabledProtocols" : "ssl.protocol";
  std::vector<std::string> names =
      explicit_list ? c.ssl_enabled_protocols : std::vector<std::string>{c.ssl_protocol};
  int lo = INT32_MAX;
  int hi = 0;
  for (const auto& n : names) {
    auto it = kVersions.find(n);
    if (it == kVersions.end()) return Status::Error(std::string(key) + ": unknown protocol " + n);
    lo = std::min(lo, it->second.first);
    hi = std::max(hi, it->second.second);
  }
  if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
    return Status::Error(std::string(key) + ": protocol range not supported by OpenSSL: " +
                         net::DrainSslErrors());
  }
  return Status::Ok();
}

// ZooKeeper's ssl.ciphersuites holds Java (IANA) names such as
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; OpenSSL calls that one ECDHE-RSA-AES128-GCM-SHA256.
// Each name is looked up among the suites OpenSSL offers, under either name.
Status SetCipherSuites(SSL_CTX* ctx, const std::vector<std::string>& names) {
  if (names.empty()) return Status::Ok();
  std::string tls12;
  std::string tls13;
  STACK_OF(SSL_CIPHER)* all = SSL_CTX_get_ciphers(ctx);
  for (const auto& name : names) {
    const SSL_CIPHER* found = nullptr;
    for (int i = 0; i < sk_SSL_CIPHER_num(all) && found == nullptr; i++) {
      const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(all, i);
      const char* standard = SSL_CIPHER_standard_name(cipher);
      if (name == SSL_CIPHER_get_name(cipher) || (standard != nullptr && name == standard)) {
        found = cipher;
      }
    }
    if (found == nullptr) {
      return Status::Error("ssl.ciphersuites: unknown or unavailable cipher suite " + name);
    }
    bool v13 = std::string(SSL_CIPHER_get_version(found)) == "TLSv1.3";
    std::string& list = v13 ? tls13 : tls12;
    if (!list.empty()) list += ":";
    list += SSL_CIPHER_get_name(found);
  }
  // Only the listed suites are enabled, as in ZooKeeper: none listed for a version disables
  // that version's suites (TLS 1.2 keeps OpenSSL's list, which cannot be empty).
  bool ok = SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) == 1 &&
            (tls12.empty() || SSL_CTX_set_cipher_list(ctx, tls12.c_str()) == 1);
  if (!ok) return Status::Error("ssl.ciphersuites: rejected by OpenSSL: " + net::DrainSslErrors());
  return Status::Ok();
}

Status SetTrust(SSL_CTX* ctx, const Config& c) {
  if (c.ssl_trust_store_location.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Status::Error("cannot load the system's CA certificates: " + net::DrainSslErrors());
    }
  } else {
    Status s = net::LoadPemTrustStore(ctx, c.ssl_trust_store_location);
    if (!s.ok()) return s.Wrap("ssl.trustStore.location");
    // Tell clients which CAs we accept, so that one holding several certificates picks right.
    if (STACK_OF(X509_NAME)* cas = SSL_load_client_CA_file(c.ssl_trust_store_location.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, cas);
    }
    ERR_clear_error();
  }
  int mode = SSL_VERIFY_NONE;
  if (c.ssl_client_auth == Config::ClientAuth::kWant) mode = SSL_VERIFY_PEER;
  if (c.ssl_client_auth == Config::ClientAuth::kNeed) {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return Status::Ok();
}

}  // namespace

Result<net::SslCtxPtr> NewServerTlsContext(const Config& c) {
  Result<net::SslCtxPtr> made = net::NewSslContext(/*server=*/true);
  if (!made.ok()) return made.status();
  net::SslCtxPtr ctx = std::move(*made);
  Status s = net::LoadPemKeyStore(ctx.get(), c.ssl_key_store_location, c.ssl_key_store_password);
  if (!s.ok()) return s.Wrap("ssl.keyStore.location");
  if (s = SetTrust(ctx.get(), c); !s.ok()) return s;
  if (s = SetProtocols(ctx.get(), c); !s.ok()) return s;
  if (s = SetCipherSuites(ctx.get(), c.ssl_cipher_suites); !s.ok()) return s;
  // Session resumption with client certificates needs a context id.
  static const unsigned char kSessionContext[] = "paddock";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof(kSessionContext) - 1);
  return ctx;
}

}  // namespace paddock::server
