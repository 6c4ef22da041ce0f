// Proves the memory-BIO TLS channel without sockets: a client and a server channel pass their
// `wire` bytes to each other in a loop. Certificates are made at run time with OpenSSL (a CA, a
// server certificate for localhost/127.0.0.1, a client certificate, and a second, untrusted CA)
// and written as PEM files, so the file loaders are exercised too. Checked: the handshake and
// data both ways (including data sent before the handshake ended), the client's subject DN in
// RFC 2253 form, a missing or untrusted client certificate refused under verify-peer, an
// untrusted server refused by the client, hostname checks, plain text on a TLS channel, and
// loader errors that name the file.
#include "net/tls_channel.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace paddock::net {
namespace {

struct Pki {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn`, signed by `issuer` (self-signed when null).
Pki MakeCert(const std::string& cn, const Pki* issuer, const char* san) {
  static long serial = 1;
  Pki p;
  p.key = EVP_EC_gen("P-256");
  p.cert = X509_new();
  X509_set_version(p.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(p.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(p.cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(p.cert), 3600);
  X509_set_pubkey(p.cert, p.key);
  X509_NAME* name = X509_get_subject_name(p.cert);
  auto add = [name](const char* field, const std::string& v) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  add("O", "Paddock Test");
  add("CN", cn);
  X509* issuer_cert = issuer != nullptr ? issuer->cert : p.cert;
  X509_set_issuer_name(p.cert, X509_get_subject_name(issuer_cert));
  if (issuer == nullptr) {
    AddExt(p.cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(p.cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  if (san != nullptr) AddExt(p.cert, issuer_cert, NID_subject_alt_name, san);
  X509_sign(p.cert, issuer != nullptr ? issuer->key : p.key, EVP_sha256());
  return p;
}

class TlsChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/paddock-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ca_ = MakeCert("Test CA", nullptr, nullptr);
    other_ca_ = MakeCert("Other CA", nullptr, nullptr);
    server_ = MakeCert("server", &ca_, "DNS:localhost,IP:127.0.0.1");
    client_ = MakeCert("client", &ca_, nullptr);
    rogue_ = MakeCert("rogue", &other_ca_, nullptr);
    WriteCert(ca_.cert, "ca.pem");
    WriteCert(other_ca_.cert, "other-ca.pem");
    WriteKeyStore(server_, "server.pem", nullptr);
    WriteKeyStore(server_, "server-enc.pem", "secret");
    WriteKeyStore(client_, "client.pem", nullptr);
    WriteKeyStore(rogue_, "rogue.pem", nullptr);
  }
  void TearDown() override {
    for (Pki* p : {&ca_, &other_ca_, &server_, &client_, &rogue_}) {
      EVP_PKEY_free(p->key);
      X509_free(p->cert);
    }
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const char* name) const { return dir_ + "/" + name; }
  void WriteCert(X509* cert, const char* name) {
    FILE* f = std::fopen(Path(name).c_str(), "w");
    ASSERT_NE(f, nullptr);
    PEM_write_X509(f, cert);
    std::fclose(f);
  }
  // ZooKeeper's PEM key store: the key, then the certificate.
  void WriteKeyStore(const Pki& p, const char* name, const char* password) {
    FILE* f = std::fopen(Path(name).c_str(), "w");
    ASSERT_NE(f, nullptr);
    const EVP_CIPHER* cipher = password != nullptr ? EVP_aes_256_cbc() : nullptr;
    PEM_write_PrivateKey(f, p.key, cipher, nullptr, 0, nullptr, const_cast<char*>(password));
    PEM_write_X509(f, p.cert);
    std::fclose(f);
  }

  SslCtxPtr ServerCtx(int verify_mode) {
    Result<SslCtxPtr> ctx = NewSslContext(true);
    EXPECT_TRUE(ctx.ok());
    EXPECT_TRUE(LoadPemKeyStore(ctx->get(), Path("server.pem"), "").ok());
    EXPECT_TRUE(LoadPemTrustStore(ctx->get(), Path("ca.pem")).ok());
    SSL_CTX_set_verify(ctx->get(), verify_mode, nullptr);
    return std::move(*ctx);
  }
  SslCtxPtr ClientCtx(const char* ca, const char* keystore) {
    Result<SslCtxPtr> ctx = NewSslContext(false);
    EXPECT_TRUE(ctx.ok());
    EXPECT_TRUE(LoadPemTrustStore(ctx->get(), Path(ca)).ok());
    SSL_CTX_set_verify(ctx->get(), SSL_VERIFY_PEER, nullptr);
    if (keystore != nullptr) {
      EXPECT_TRUE(LoadPemCertAndKey(ctx->get(), Path(keystore), Path(keystore)).ok());
    }
    return std::move(*ctx);
  }

  std::string dir_;
  Pki ca_, other_ca_, server_, client_, rogue_;
};

struct Outcome {
  Status client = Status::Ok();
  Status server = Status::Ok();
  std::string at_server;  // plaintext the server received
  std::string at_client;
};

// Shuttles bytes until neither side has anything to say; stops at the first failure.
Outcome Pump(TlsChannel& client, TlsChannel& server, const std::string& to_server) {
  Outcome o;
  std::string c2s;
  std::string s2c;
  o.client = client.Start(&c2s);
  if (o.client.ok()) o.client = client.Send(to_server, &c2s);
  for (int round = 0; round < 20 && (!c2s.empty() || !s2c.empty()); round++) {
    std::string in;
    in.swap(c2s);
    if (!in.empty() && o.server.ok()) o.server = server.Receive(in, &o.at_server, &s2c);
    in.swap(s2c);
    s2c.clear();
    if (!in.empty() && o.client.ok()) o.client = client.Receive(in, &o.at_client, &c2s);
    if (!o.server.ok() && !o.client.ok()) break;
  }
  return o;
}

TEST_F(TlsChannelTest, HandshakeCarriesDataBothWaysAndNamesTheClient) {
  SslCtxPtr sctx = ServerCtx(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  SslCtxPtr cctx = ClientCtx("ca.pem", "client.pem");
  TlsChannel server(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client(cctx.get(), TlsChannel::Role::kClient, "localhost", true);
  Outcome o = Pump(client, server, "sent before the handshake ended");
  ASSERT_TRUE(o.client.ok()) << o.client.message();
  ASSERT_TRUE(o.server.ok()) << o.server.message();
  EXPECT_EQ(o.at_server, "sent before the handshake ended");
  EXPECT_TRUE(server.handshake_done());
  EXPECT_TRUE(server.peer_verified());
  EXPECT_EQ(server.PeerSubject(), "CN=client,O=Paddock Test");
  EXPECT_EQ(client.PeerSubject(), "CN=server,O=Paddock Test");

  std::string wire;
  std::string big(200000, 'z');  // several records
  ASSERT_TRUE(server.Send(big, &wire).ok());
  std::string got;
  std::string back;
  ASSERT_TRUE(client.Receive(wire, &got, &back).ok());
  EXPECT_EQ(got, big);

  wire.clear();
  client.Shutdown(&wire);
  std::string none;
  Status s = server.Receive(wire, &none, &back);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(server.peer_closed());
}

TEST_F(TlsChannelTest, VerifyPeerRefusesAClientWithoutACertificate) {
  SslCtxPtr sctx = ServerCtx(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  SslCtxPtr cctx = ClientCtx("ca.pem", nullptr);
  TlsChannel server(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client(cctx.get(), TlsChannel::Role::kClient, "127.0.0.1", true);
  Outcome o = Pump(client, server, "hello");
  EXPECT_FALSE(o.server.ok());
  EXPECT_TRUE(o.at_server.empty());
  EXPECT_FALSE(server.peer_verified());
}

TEST_F(TlsChannelTest, OptionalClientCertificateAdmitsAnonymousClients) {
  SslCtxPtr sctx = ServerCtx(SSL_VERIFY_PEER);
  SslCtxPtr cctx = ClientCtx("ca.pem", nullptr);
  TlsChannel server(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client(cctx.get(), TlsChannel::Role::kClient, "127.0.0.1", true);
  Outcome o = Pump(client, server, "hello");
  ASSERT_TRUE(o.server.ok()) << o.server.message();
  EXPECT_EQ(o.at_server, "hello");
  EXPECT_FALSE(server.peer_verified());
  EXPECT_EQ(server.PeerSubject(), "");
}

TEST_F(TlsChannelTest, UntrustedClientCertificateIsRefusedEvenWhenOptional) {
  SslCtxPtr sctx = ServerCtx(SSL_VERIFY_PEER);
  SslCtxPtr cctx = ClientCtx("ca.pem", "rogue.pem");
  TlsChannel server(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client(cctx.get(), TlsChannel::Role::kClient);
  Outcome o = Pump(client, server, "hello");
  ASSERT_FALSE(o.server.ok());
  EXPECT_NE(o.server.message().find("certificate"), std::string::npos) << o.server.message();
  EXPECT_TRUE(o.at_server.empty());
}

TEST_F(TlsChannelTest, ClientRefusesAnUntrustedServerOrAWrongName) {
  SslCtxPtr sctx = ServerCtx(SSL_VERIFY_NONE);
  SslCtxPtr other = ClientCtx("other-ca.pem", nullptr);
  TlsChannel server1(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client1(other.get(), TlsChannel::Role::kClient);
  EXPECT_FALSE(Pump(client1, server1, "x").client.ok());

  SslCtxPtr good = ClientCtx("ca.pem", nullptr);
  TlsChannel server2(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client2(good.get(), TlsChannel::Role::kClient, "example.com", true);
  Outcome o = Pump(client2, server2, "x");
  EXPECT_FALSE(o.client.ok());
  EXPECT_TRUE(o.at_server.empty());

  TlsChannel server3(sctx.get(), TlsChannel::Role::kServer);
  TlsChannel client3(good.get(), TlsChannel::Role::kClient, "example.com", false);
  EXPECT_TRUE(Pump(client3, server3, "x").client.ok()) << "hostname check off";
}

TEST_F(TlsChannelTest, PlainTextOnATlsChannelFails) {
  SslCtxPtr sctx = ServerCtx(SSL_VERIFY_NONE);
  TlsChannel server(sctx.get(), TlsChannel::Role::kServer);
  std::string plain;
  std::string wire;
  // A ZooKeeper ConnectRequest frame, as a plain-text client would send it.
  std::string frame("\x00\x00\x00\x2c\x00\x00\x00\x00", 8);
  frame.append(44, '\0');
  EXPECT_FALSE(server.Receive(frame, &plain, &wire).ok());
  EXPECT_TRUE(plain.empty());
}

TEST_F(TlsChannelTest, LoadersNameTheFileAndUseThePassword) {
  Result<SslCtxPtr> ctx = NewSslContext(true);
  ASSERT_TRUE(ctx.ok());
  Status s = LoadPemKeyStore(ctx->get(), Path("missing.pem"), "");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(Path("missing.pem")), std::string::npos) << s.message();
  s = LoadPemTrustStore(ctx->get(), Path("missing-ca.pem"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing-ca.pem"), std::string::npos) << s.message();
  EXPECT_FALSE(LoadPemKeyStore(ctx->get(), Path("server-enc.pem"), "").ok());
  EXPECT_FALSE(LoadPemKeyStore(ctx->get(), Path("server-enc.pem"), "wrong").ok());
  EXPECT_TRUE(LoadPemKeyStore(ctx->get(), Path("server-enc.pem"), "secret").ok());
  s = LoadPemTrustStore(ctx->get(), Path("../") + "nothing");
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace paddock::net
