// cli/command_spec.h: what a shell command accepts, and one parsed use of it.
//
// A CommandSpec is data: the command's name, its zkCli-style usage line, its flags and how many
// positional arguments it takes. The parser (cli/parser.h) turns words into an Invocation by
// checking them against a spec; the command's code (cli/commands/) then runs the Invocation.
// Neither side knows about the other's details. Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace paddock::cli {

struct FlagSpec {
  char name = 0;                // the letter after '-'
  std::string_view value_name;  // empty for a switch; otherwise the flag takes a value
};

struct CommandSpec {
  std::string_view name;     // "ls"
  std::string_view usage;    // as zkCli prints it: "ls [-s] [-w] [-R] path"
  std::string_view summary;  // one line for `help`
  std::vector<FlagSpec> flags;
  size_t args_min = 0;
  size_t args_max = 0;
};

struct Invocation {
  std::string name;
  std::map<char, std::string> flags;  // the flags given; "" as the value of a switch
  std::vector<std::string> args;      // positional arguments, in order

  bool Has(char flag) const { return flags.count(flag) != 0; }
  // The flag's value, or "" when the flag is absent.
  std::string Value(char flag) const {
    auto it = flags.find(flag);
    return it == flags.end() ? std::string() : it->second;
  }
};

}  // namespace paddock::cli
