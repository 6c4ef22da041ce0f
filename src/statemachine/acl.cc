#include "statemachine/acl.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

namespace paddock::statemachine {
namespace {

// Java's Integer.parseInt on ASCII text: an optional sign, then one or more decimal digits.
bool ParseJavaInt(std::string_view text, int* v) {
  bool plus = !text.empty() && text[0] == '+';
  if (plus) text.remove_prefix(1);
  if (text.empty() || (plus && text[0] == '-')) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *v);
  return ec == std::errc() && p == text.data() + text.size();
}

// Parses "a.b.c.d" or "a.b.c.d/bits" into an address and a prefix length, with the rules of
// ZooKeeper's IPAuthenticationProvider: exactly four dot-separated parts, each parsed like Java's
// Integer.parseInt (so "010" is 10) and within 0-255; bits within 0-32. IPv4 only.
bool ParseIpv4(std::string_view text, uint32_t* addr, int* bits) {
  *bits = 32;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    if (!ParseJavaInt(text.substr(slash + 1), bits) || *bits < 0 || *bits > 32) return false;
    text = text.substr(0, slash);
  }
  *addr = 0;
  for (int part = 0; part < 4; part++) {
    size_t dot = text.find('.');
    if ((dot == std::string_view::npos) != (part == 3)) return false;
    int v = 0;
    if (!ParseJavaInt(text.substr(0, dot), &v) || v < 0 || v > 255) return false;
    *addr = (*addr << 8) | static_cast<uint32_t>(v);
    text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  }
  return true;
}

bool IpMatches(std::string_view acl_id, std::string_view client) {
  uint32_t net = 0;
  uint32_t host = 0;
  int bits = 0;
  int host_bits = 0;
  if (!ParseIpv4(acl_id, &net, &bits) || !ParseIpv4(client, &host, &host_bits)) return false;
  uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
  return (net & mask) == (host & mask);
}

// x509 is ZooKeeper's X509AuthenticationProvider: the subject DN of a verified TLS client
// certificate. Paddock always offers it (ZooKeeper needs authProvider.x509 configured, without
// which its TLS port refuses every client that presents a certificate).
bool IsAuthenticatedScheme(std::string_view scheme) {
  return scheme == "digest" || scheme == "x509";
}

}  // namespace

bool IsValidId(std::string_view scheme, std::string_view id) {
  if (scheme == "x509") return !id.empty();
  if (scheme == "ip") {
    uint32_t a = 0;
    int bits = 0;
    return ParseIpv4(id, &a, &bits);
  }
  if (scheme == "digest") {
    // Java's id.split(":").length == 2: split on every ':' and drop trailing empty parts, so
    // "user:" is invalid (one part) and "user:hash:" is valid (two parts).
    size_t end = id.find_last_not_of(':');
    if (end == std::string_view::npos) return false;
    return std::count(id.begin(), id.begin() + static_cast<std::ptrdiff_t>(end) + 1, ':') == 1;
  }
  return false;
}

bool CheckAcl(const proto::AclList& acl, int32_t perm, const Identities& identities) {
  if (acl.empty()) return true;
  for (const auto& id : identities) {
    if (id.scheme == "super") return true;
  }
  for (const auto& a : acl) {
    if ((a.perms & perm) == 0) continue;
    if (a.id.scheme == "world" && a.id.id == "anyone") return true;
    for (const auto& id : identities) {
      if (id.scheme != a.id.scheme) continue;
      if (a.id.scheme == "ip" ? IpMatches(a.id.id, id.id) : a.id.id == id.id) {
        if (a.id.scheme == "ip" || IsAuthenticatedScheme(a.id.scheme)) return true;
      }
    }
  }
  return false;
}

proto::Err FixupAcl(const proto::AclList& in, const Identities& identities,
                    proto::AclList* out) {
  proto::AclList uniq;
  for (const auto& a : in) {
    if (std::find(uniq.begin(), uniq.end(), a) == uniq.end()) uniq.push_back(a);
  }
  if (uniq.empty()) return proto::Err::kInvalidAcl;
  out->clear();
  for (const auto& a : uniq) {
    if (a.id.scheme == "world" && a.id.id == "anyone") {
      out->push_back(a);
    } else if (a.id.scheme == "auth") {
      bool added = false;
      for (const auto& id : identities) {
        if (!IsAuthenticatedScheme(id.scheme)) continue;
        out->push_back({a.perms, id});
        added = true;
      }
      if (!added) return proto::Err::kInvalidAcl;
    } else if (IsValidId(a.id.scheme, a.id.id)) {
      out->push_back(a);
    } else {
      return proto::Err::kInvalidAcl;
    }
  }
  return proto::Err::kOk;
}

std::string DigestId(std::string_view user_password) {
  unsigned char sha[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(user_password.data()), user_password.size(), sha);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, sha, SHA_DIGEST_LENGTH);
  size_t colon = user_password.find(':');
  std::string user(user_password.substr(0, colon));
  return user + ":" + std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(n));
}

}  // namespace paddock::statemachine
