// The server's TLS context, built from zoo.cfg's secureClientPort and ssl.* keys with ZooKeeper's
// meaning (ClientX509Util, PEM key and trust stores):
//
// * ssl.keyStore.location: one PEM file with the private key (ssl.keyStore.password decrypts
//   it) and the certificate chain, leaf first.
// * ssl.trustStore.location: PEM CA certificates that client certificates must chain to; when
//   absent, the system's CAs (Java's default trust store plays that part in ZooKeeper).
// * ssl.clientAuth: need (the default) refuses a client without a trusted certificate during
//   the handshake; want asks for one and admits a client that sends none; none never asks. A
//   certificate that is sent but not trusted fails the handshake in every mode but none.
// * ssl.protocol / ssl.enabledProtocols: the TLS versions offered (default TLSv1.2 alone, as
//   ZooKeeper 3.8); ssl.ciphersuites: IANA (Java) or OpenSSL names, comma separated.
//
// A client whose certificate verified gets the identity x509:<subject DN in RFC 2253 form>, as
// ZooKeeper's X509AuthenticationProvider gives it (see Connection).
//
// Every failure names the key it comes from, so that start-up stops with a useful message.
// Threading: built once before the loop runs; then used on the loop thread only.
#pragma once

#include "base/status.h"
#include "net/tls_channel.h"
#include "server/config.h"

namespace paddock::server {

// REQUIRES: config.secure_client_port >= 0 (ValidateConfig has checked the key store is named).
Result<net::SslCtxPtr> NewServerTlsContext(const Config& config);

}  // namespace paddock::server
