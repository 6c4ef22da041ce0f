// TLS over an existing byte stream, with OpenSSL memory BIOs: the caller owns the socket (a
// libuv stream in the server and in the client) and moves bytes; this module only transforms
// them. Ciphertext from the peer goes in and plaintext comes out; plaintext to send goes in and
// ciphertext comes out. Handshake messages, alerts and close_notify are ciphertext like any
// other and leave through the same `wire` output.
//
//        socket ──ciphertext──► Receive() ──plaintext──► frames
//        socket ◄──ciphertext── Send()    ◄──plaintext── replies
//
// The context helpers load PEM files the way ZooKeeper's PEM key store does: one file holding
// the private key (optionally encrypted with a password) and the certificate chain.
//
// Threading: a TlsChannel is used by one thread at a time (the loop thread that owns its
// socket). An SSL_CTX may be shared by channels on one thread; OpenSSL's error queue is
// per thread, and every call here clears it first.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace paddock::net {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// A new context for one role, with nothing loaded yet.
Result<SslCtxPtr> NewSslContext(bool server);
// Loads a PEM file holding a private key and its certificate chain (leaf first). `password`
// decrypts an encrypted key ("" for none). Errors name the file.
Status LoadPemKeyStore(SSL_CTX* ctx, const std::string& path, const std::string& password);
// Loads a separate certificate chain file and key file (the client's certfile/keyfile).
Status LoadPemCertAndKey(SSL_CTX* ctx, const std::string& cert_path, const std::string& key_path);
// Loads the PEM CA certificates used to verify the peer. Errors name the file.
Status LoadPemTrustStore(SSL_CTX* ctx, const std::string& path);
// The OpenSSL errors queued on this thread, joined with "; ", and clears them.
std::string DrainSslErrors();

class TlsChannel {
 public:
  enum class Role { kClient, kServer };

  // REQUIRES: ctx outlives the channel. `host` (client role only, may be empty) is sent as SNI
  // and, when `verify_host` is set, must match the server certificate's names.
  TlsChannel(SSL_CTX* ctx, Role role, const std::string& host = "", bool verify_host = false);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  // Client role: starts the handshake; appends the ClientHello to *wire.
  Status Start(std::string* wire);
  // Feeds ciphertext received from the peer. Appends decrypted application bytes to *plaintext
  // and bytes to send back (handshake, alerts) to *wire. On failure (a bad handshake, a
  // certificate rejected, corrupt records, the peer's close_notify) returns the reason; *wire may
  // still hold an alert worth sending before closing.
  Status Receive(std::string_view ciphertext, std::string* plaintext, std::string* wire);
  // Encrypts application bytes and appends the records to *wire. Bytes given before the
  // handshake completes are held and encrypted when it does.
  Status Send(std::string_view plaintext, std::string* wire);
  // Appends a close_notify alert to *wire (once).
  void Shutdown(std::string* wire);

  bool handshake_done() const { return handshake_done_; }
  // Receive failed because the peer ended the session with close_notify (a normal close).
  bool peer_closed() const { return peer_closed_; }
  // After the handshake: did the peer present a certificate that verified?
  bool peer_verified() const;
  // The verified peer certificate's subject in RFC 2253 form ("CN=client,O=Example"), as Java's
  // X500Principal.getName() writes it; "" without one.
  std::string PeerSubject() const;
  // "TLSv1.3 TLS_AES_256_GCM_SHA384", for log lines.
  std::string Describe() const;

 private:
  Status Advance(std::string* plaintext);
  Status FailWith(int ret, const char* what);
  void DrainWire(std::string* wire);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // ciphertext from the peer (owned by ssl_)
  BIO* out_ = nullptr;  // ciphertext to the peer (owned by ssl_)
  bool handshake_done_ = false;
  bool shutdown_sent_ = false;
  bool peer_closed_ = false;
  bool failed_ = false;  // a fatal error: OpenSSL must not be asked for a close_notify
  std::string pending_;  // plaintext given before the handshake completed
};

}  // namespace paddock::net
