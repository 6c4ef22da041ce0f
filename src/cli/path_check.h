// cli/path_check.h: the path rules of ZooKeeper's PathUtils.validatePath, with its messages.
//
// The shell checks paths before sending them, as zkCli (the Java client) does, so that a bad
// path reads the same whichever server is behind it. Bytes >= 0x80 are accepted unchecked
// (UTF-8 sequences); Java checks UTF-16 code units, so a few exotic characters differ.
//
// Pure; thread-compatible.
#pragma once

#include <string_view>

#include "base/status.h"

namespace paddock::cli {

// OK, or the message zkCli prints: "Path must start with / character",
// "Path must not end with / character", "Invalid path string \"//a\" caused by empty node name
// specified @1", ... `sequential` (create -s) allows a trailing '/'.
Status ValidatePath(std::string_view path, bool sequential = false);

}  // namespace paddock::cli
