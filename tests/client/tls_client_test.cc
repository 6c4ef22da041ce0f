// libpaddock over TLS (ClientOptions::tls), against paddock-server and Apache ZooKeeper 3.8 with
// the same zoo.cfg TLS keys (secureClientPort, ssl.keyStore.*, ssl.trustStore.*, ZooKeeper's
// Netty connection factory and its x509 auth provider).
//
// What it proves: with a CA file and a client certificate the client connects to the TLS port
// and runs writes, reads, watches and ephemerals; whoami shows the certificate's subject as the
// x509 identity; the server's certificate is checked against the CA and, when asked, against
// the host name; a client without a certificate is refused by ssl.clientAuth=need (the
// default); a TLS file that cannot be loaded makes NewClient return nullptr. The CA and
// certificates are made at run time with the openssl command line in a temporary directory.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "paddock/client.h"
#include "testing/test_server.h"

namespace paddock {
namespace {

using std::chrono::milliseconds;
using testing::ServerKind;
using testing::TestServer;

constexpr milliseconds kConnectWait{15000};
const char* const kClientDn = "CN=libpaddock-client,O=Paddock Test";

void Sh(const std::string& dir, const std::string& cmd) {
  std::string full = "cd '" + dir + "' && (" + cmd + ") >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) {
    std::fprintf(stderr, "command failed: %s\n", full.c_str());
    std::abort();
  }
}

// A CA, a server certificate for localhost and 127.0.0.1, a client certificate, and a second
// CA that signed nothing we use.
std::string MakePki() {
  char tmpl[] = "/tmp/paddock-tls-client-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) std::abort();
  std::string d = tmpl;
  std::ofstream(d + "/server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  for (const char* ca : {"ca", "other-ca"}) {
    Sh(d, "openssl req -x509 " + ec + " -keyout " + ca + ".key -out " + ca +
              ".pem -days 2 -subj '/O=Paddock Test/CN=" + ca + "'");
  }
  Sh(d, "openssl req " + ec + " -keyout server.key -out server.csr -subj '/CN=localhost'");
  Sh(d, "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.crt -days 2 -extfile server.ext");
  Sh(d, "cat server.key server.crt > keystore.pem");
  Sh(d, "openssl req " + ec +
            " -keyout client.key -out client.csr -subj '/O=Paddock Test/CN=libpaddock-client'");
  Sh(d, "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out client.crt -days 2");
  return d;
}

class TlsClientTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  static void SetUpTestSuite() { pki_ = new std::string(MakePki()); }
  static void TearDownTestSuite() {
    servers_[0].reset();
    servers_[1].reset();
    std::filesystem::remove_all(*pki_);
    delete pki_;
  }

  // One server per kind for the whole suite, with both a plain and a TLS port.
  TestServer& Server() {
    auto& s = servers_[GetParam() == ServerKind::kPaddock ? 0 : 1];
    if (!s) {
      secure_port_[GetParam() == ServerKind::kPaddock ? 0 : 1] = testing::FreePort();
      s = TestServer::Start(GetParam(), {
          {"secureClientPort", std::to_string(SecurePort())},
          {"serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory"},
          {"ssl.keyStore.location", *pki_ + "/keystore.pem"},
          {"ssl.keyStore.type", "PEM"},
          {"ssl.trustStore.location", *pki_ + "/ca.pem"},
          {"ssl.trustStore.type", "PEM"},
          {"authProvider.x509", "org.apache.zookeeper.server.auth.X509AuthenticationProvider"},
      });
    }
    return *s;
  }
  int SecurePort() const { return secure_port_[GetParam() == ServerKind::kPaddock ? 0 : 1]; }

  ClientOptions Options(const std::string& host, bool with_cert) {
    Server();
    ClientOptions o;
    o.connect_string = host + ":" + std::to_string(SecurePort());
    o.session_timeout = milliseconds(10000);
    o.tls.enabled = true;
    o.tls.ca_file = *pki_ + "/ca.pem";
    if (with_cert) {
      o.tls.cert_file = *pki_ + "/client.crt";
      o.tls.key_file = *pki_ + "/client.key";
    }
    return o;
  }

  static std::string* pki_;
  static std::unique_ptr<TestServer> servers_[2];
  static int secure_port_[2];
};

std::string* TlsClientTest::pki_ = nullptr;
std::unique_ptr<TestServer> TlsClientTest::servers_[2];
int TlsClientTest::secure_port_[2] = {0, 0};

TEST_P(TlsClientTest, OperationsWatchesAndEphemeralsOverTls) {
  std::unique_ptr<Client> c = NewClient(Options("127.0.0.1", true));
  ASSERT_NE(c, nullptr);
  c->Start();
  ASSERT_TRUE(c->WaitConnected(kConnectWait));
  std::string base = std::string("/tls-") + testing::ServerKindName(GetParam());
  ASSERT_EQ(c->Create(base, "v1").error, Error::kOk);
  std::promise<WatchEvent> fired;
  auto got = c->GetData(base, [&fired](const WatchEvent& e) { fired.set_value(e); });
  ASSERT_EQ(got.error, Error::kOk);
  EXPECT_EQ(got.value.data, "v1");
  std::string big(300000, 'b');  // several TLS records each way
  ASSERT_EQ(c->SetData(base, big).error, Error::kOk);
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(kConnectWait), std::future_status::ready);
  EXPECT_EQ(f.get().type, EventType::kNodeDataChanged);
  EXPECT_EQ(c->GetData(base).value.data, big);
  ASSERT_EQ(c->Create(base + "/eph", "", CreateMode::kEphemeral).error, Error::kOk);

  auto who = c->WhoAmI();
  ASSERT_EQ(who.error, Error::kOk);
  bool x509 = false;
  for (const auto& id : who.value) x509 = x509 || (id.scheme == "x509" && id.user == kClientDn);
  EXPECT_TRUE(x509) << "no x509 identity " << kClientDn;
  c->Close();

  // The plain port sees the same data, and the ephemeral is gone with the session.
  ClientOptions plain;
  plain.connect_string = Server().connect_string();
  std::unique_ptr<Client> p = NewClient(plain);
  p->Start();
  ASSERT_TRUE(p->WaitConnected(kConnectWait));
  EXPECT_EQ(p->GetData(base).value.data, big);
  EXPECT_EQ(p->Exists(base + "/eph").error, Error::kNoNode);
  p->Close();
}

TEST_P(TlsClientTest, HostNameIsCheckedAgainstTheServerCertificate) {
  ClientOptions o = Options("localhost", true);
  std::unique_ptr<Client> c = NewClient(o);
  c->Start();
  EXPECT_TRUE(c->WaitConnected(kConnectWait)) << "localhost is in the certificate";
  c->Close();
}

TEST_P(TlsClientTest, ServerWithAnUntrustedCertificateIsNeverConnected) {
  ClientOptions o = Options("127.0.0.1", true);
  o.tls.ca_file = *pki_ + "/other-ca.pem";
  std::unique_ptr<Client> c = NewClient(o);
  ASSERT_NE(c, nullptr);
  c->Start();
  EXPECT_FALSE(c->WaitConnected(milliseconds(2000)));
  EXPECT_EQ(c->state(), SessionState::kConnecting);
  c->Close();
}

TEST_P(TlsClientTest, ClientWithoutCertificateIsRefusedByDefault) {
  std::unique_ptr<Client> c = NewClient(Options("127.0.0.1", false));
  ASSERT_NE(c, nullptr);
  c->Start();
  EXPECT_FALSE(c->WaitConnected(milliseconds(2000))) << "ssl.clientAuth defaults to need";
  c->Close();
}

TEST_P(TlsClientTest, UnreadableTlsFilesMakeNewClientFail) {
  ClientOptions o = Options("127.0.0.1", true);
  o.tls.ca_file = *pki_ + "/missing.pem";
  EXPECT_EQ(NewClient(o), nullptr);
  o = Options("127.0.0.1", true);
  o.tls.key_file = *pki_ + "/ca.pem";  // not the certificate's key
  EXPECT_EQ(NewClient(o), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Servers, TlsClientTest,
                         ::testing::Values(ServerKind::kPaddock, ServerKind::kZooKeeper),
                         [](const auto& p) { return testing::ServerKindName(p.param); });

}  // namespace
}  // namespace paddock
