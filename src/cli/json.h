// cli/json.h: the little JSON the JSON printer writes (RFC 8259): quoted strings, and objects
// built field by field in insertion order.
//
// Strings must be UTF-8 to be quoted as they are; IsUtf8 says whether they are (znode data may
// be any bytes; the printer then sends it as base64). Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::cli {

// True when `s` is well-formed UTF-8.
bool IsUtf8(std::string_view s);

// `s` if it is valid UTF-8.
// Multi-byte sequences are kept only when the whole string is valid; otherwise every non-ASCII
// byte becomes U+FFFD. Paths and messages are UTF-8 in practice; data goes out as base64.
std::string SanitizeUtf8(std::string_view s);

// `s` as a JSON string literal, with ", \ and control characters escaped.
// REQUIRES: IsUtf8(s) (checked with PADDOCK_DASSERT).
std::string JsonQuote(std::string_view s);

std::string Base64(std::string_view bytes);

// ["a","b"] (items sanitized as by SanitizeUtf8)
std::string JsonStringArray(const std::vector<std::string>& items);

// Builds {"k":v,...}; each call adds a field.
class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value);
  JsonObject& Int(std::string_view key, int64_t value);
  JsonObject& Bool(std::string_view key, bool value);
  JsonObject& Null(std::string_view key);
  // `json` must already be a JSON value.
  JsonObject& Raw(std::string_view key, std::string_view json);
  std::string Build() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

}  // namespace paddock::cli
