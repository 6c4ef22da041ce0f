#include "net/tls_channel.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <fstream>

#include "base/assert.h"

namespace paddock::net {
namespace {

// Without a callback OpenSSL would prompt on the terminal for an encrypted key's password.
int PasswordFromUserdata(char* buf, int size, int, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (password == nullptr || password->empty() || size <= 0) return 0;
  int n = std::min(size, static_cast<int>(password->size()));
  std::memcpy(buf, password->data(), static_cast<size_t>(n));
  return n;
}

Status CheckReadable(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Status LoadKey(SSL_CTX* ctx, const std::string& path, const std::string& password) {
  SSL_CTX_set_default_passwd_cb(ctx, PasswordFromUserdata);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&password));
  int ok = SSL_CTX_use_PrivateKey_file(ctx, path.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (ok != 1) {
    return Status::Error("no usable private key in " + path + " (wrong or missing password?): " +
                         DrainSslErrors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status::Error("the private key in " + path + " does not match its certificate: " +
                         DrainSslErrors());
  }
  return Status::Ok();
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string DrainSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Result<SslCtxPtr> NewSslContext(bool server) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) return Status::Error("cannot create a TLS context: " + DrainSslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Renegotiation is a known source of attacks; ZooKeeper disables client-initiated renegotiation.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  return ctx;
}

Status LoadPemKeyStore(SSL_CTX* ctx, const std::string& path, const std::string& password) {
  if (Status s = CheckReadable(path); !s.ok()) return s;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, path.c_str()) != 1) {
    return Status::Error("no PEM certificate in " + path + ": " + DrainSslErrors());
  }
  return LoadKey(ctx, path, password);
}

Status LoadPemCertAndKey(SSL_CTX* ctx, const std::string& cert_path,
                         const std::string& key_path) {
  if (Status s = CheckReadable(cert_path); !s.ok()) return s;
  if (Status s = CheckReadable(key_path); !s.ok()) return s;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1) {
    return Status::Error("no PEM certificate in " + cert_path + ": " + DrainSslErrors());
  }
  return LoadKey(ctx, key_path, std::string());
}

Status LoadPemTrustStore(SSL_CTX* ctx, const std::string& path) {
  if (Status s = CheckReadable(path); !s.ok()) return s;
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx, path.c_str(), nullptr) != 1) {
    return Status::Error("no PEM CA certificate in " + path + ": " + DrainSslErrors());
  }
  return Status::Ok();
}

TlsChannel::TlsChannel(SSL_CTX* ctx, Role role, const std::string& host, bool verify_host) {
  ssl_ = SSL_new(ctx);
  PADDOCK_ASSERT(ssl_ != nullptr);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  PADDOCK_ASSERT(in_ != nullptr && out_ != nullptr);
  // An empty input BIO means "wait for more", not end of stream.
  BIO_ctrl(in_, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nullptr);
  SSL_set_bio(ssl_, in_, out_);
  if (role == Role::kServer) {
    SSL_set_accept_state(ssl_);
    return;
  }
  SSL_set_connect_state(ssl_);
  if (host.empty()) return;
  bool ip = IsIpLiteral(host);
  if (!ip) {  // SNI (the macro SSL_set_tlsext_host_name, spelled out: it casts old-style)
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  if (verify_host) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                : SSL_set1_host(ssl_, host.c_str());
    PADDOCK_ASSERT(ok == 1);
  }
}

TlsChannel::~TlsChannel() { SSL_free(ssl_); }

Status TlsChannel::Start(std::string* wire) {
  ERR_clear_error();
  std::string none;
  Status s = Advance(&none);
  DrainWire(wire);
  return s;
}

Status TlsChannel::Receive(std::string_view ciphertext, std::string* plaintext,
                           std::string* wire) {
  ERR_clear_error();
  while (!ciphertext.empty()) {
    int len = static_cast<int>(std::min<size_t>(ciphertext.size(), INT_MAX));
    int n = BIO_write(in_, ciphertext.data(), len);
    PADDOCK_ASSERT(n == len);
    ciphertext.remove_prefix(static_cast<size_t>(n));
  }
  Status s = Advance(plaintext);
  if (s.ok() && handshake_done_ && !pending_.empty()) {
    std::string held;
    held.swap(pending_);
    s = Send(held, wire);
  }
  DrainWire(wire);
  return s;
}

// Runs the handshake as far as the input allows, then decrypts every complete record.
Status TlsChannel::Advance(std::string* plaintext) {
  if (!handshake_done_) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::Ok();
      return FailWith(r, "handshake");
    }
    handshake_done_ = true;
  }
  char buf[16384];
  for (;;) {
    int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n > 0) {
      plaintext->append(buf, static_cast<size_t>(n));
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::Ok();
    if (e == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      return Status::Error("peer closed the TLS session");
    }
    return FailWith(n, "read");
  }
}

Status TlsChannel::Send(std::string_view plaintext, std::string* wire) {
  if (!handshake_done_) {
    pending_.append(plaintext);
    return Status::Ok();
  }
  ERR_clear_error();
  while (!plaintext.empty()) {
    int len = static_cast<int>(std::min<size_t>(plaintext.size(), INT_MAX));
    int n = SSL_write(ssl_, plaintext.data(), len);
    if (n <= 0) {
      Status s = FailWith(n, "write");
      DrainWire(wire);
      return s;
    }
    plaintext.remove_prefix(static_cast<size_t>(n));
  }
  DrainWire(wire);
  return Status::Ok();
}

void TlsChannel::Shutdown(std::string* wire) {
  if (shutdown_sent_ || !handshake_done_ || failed_ || peer_closed_) return;
  shutdown_sent_ = true;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);
  ERR_clear_error();
  DrainWire(wire);
}

Status TlsChannel::FailWith(int ret, const char* what) {
  failed_ = true;
  int e = SSL_get_error(ssl_, ret);
  std::string detail = DrainSslErrors();
  if (detail.empty()) {
    detail = e == SSL_ERROR_SYSCALL ? "unexpected end of stream" : "error " + std::to_string(e);
  }
  long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    detail += std::string("; certificate: ") + X509_verify_cert_error_string(verify);
  }
  return Status::Error(std::string("TLS ") + what + " failed: " + detail);
}

void TlsChannel::DrainWire(std::string* wire) {
  char* data = nullptr;
  long n = BIO_ctrl(out_, BIO_CTRL_INFO, 0, &data);
  if (n <= 0) return;
  wire->append(data, static_cast<size_t>(n));
  (void)BIO_ctrl(out_, BIO_CTRL_RESET, 0, nullptr);
}

bool TlsChannel::peer_verified() const {
  return handshake_done_ && SSL_get0_peer_certificate(ssl_) != nullptr &&
         SSL_get_verify_result(ssl_) == X509_V_OK;
}

std::string TlsChannel::PeerSubject() const {
  if (!peer_verified()) return "";
  X509_NAME* name = X509_get_subject_name(SSL_get0_peer_certificate(ssl_));
  BIO* bio = BIO_new(BIO_s_mem());
  PADDOCK_ASSERT(bio != nullptr);
  // RFC 2253, most significant RDN last, UTF-8 kept as is (Java does not escape it).
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long n = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  std::string out = n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
  BIO_free(bio);
  return out;
}

std::string TlsChannel::Describe() const {
  const char* cipher = SSL_get_cipher_name(ssl_);
  return std::string(SSL_get_version(ssl_)) + " " + (cipher != nullptr ? cipher : "none");
}

}  // namespace paddock::net
