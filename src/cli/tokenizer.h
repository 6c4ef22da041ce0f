// cli/tokenizer.h: splits one line typed into the shell into words.
//
// The rules are a small subset of a POSIX shell's: blanks separate words; '...' keeps everything
// literally; "..." keeps everything but lets \" and \\ stand for " and \; outside quotes a
// backslash makes the next character literal. Pieces next to each other join into one word
// (a"b c" is the word `ab c`), and "" is an empty word. zkCli accepts quotes only around whole
// words; every line it accepts splits the same way here.
//
// Pure; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace paddock::cli {

// Returns the words of `line` (none for a blank line), or an error naming an unterminated quote
// or a trailing backslash.
Result<std::vector<std::string>> SplitWords(std::string_view line);

}  // namespace paddock::cli
