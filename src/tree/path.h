// ZooKeeper's path rules (PathUtils.validatePath; reference §12.2) and path helpers.
#pragma once

#include <string>
#include <string_view>

namespace paddock::tree {

// True if `path` is a valid znode path: starts with '/', no empty component, no trailing '/'
// (except "/" itself), no "." or ".." component, no NUL, no control or reserved characters
// (U+0001-U+001F, U+007F-U+009F, U+D800-U+F8FF, U+FFF0-U+FFFF, and anything outside the BMP or
// malformed UTF-8, which Java sees as surrogates or U+FFFD).
bool IsValidPath(std::string_view path);

// "/a/b" -> "/a"; "/a" -> "/"; REQUIRES: path contains '/'.
std::string_view ParentOf(std::string_view path);
// "/a/b" -> "b".
std::string_view BaseName(std::string_view path);
// Joins a parent and a child name: ("/", "a") -> "/a", ("/a", "b") -> "/a/b".
std::string JoinPath(std::string_view parent, std::string_view child);

}  // namespace paddock::tree
