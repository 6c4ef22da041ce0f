#include <cctype>

#include "cli/commands/commands.h"

namespace paddock::cli {
namespace {

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<const Command*>& AllCommands() {
  static const std::vector<const Command*> kAll = {
      &AddWatchCommand(),      &AddAuthCommand(), &CreateCommand(), &DeleteCommand(),
      &DeleteAllCommand(),     &GetCommand(),     &GetAclCommand(), &GetAllChildrenNumberCommand(),
      &GetEphemeralsCommand(), &HelpCommand(),    &LsCommand(),     &QuitCommand(),
      &RemoveWatchesCommand(), &SessionCommand(), &SetCommand(),    &SetAclCommand(),
      &StatCommand(),          &SyncCommand(),    &WhoAmICommand(),
  };
  return kAll;
}

const Command* FindCommand(std::string_view name) {
  if (SameIgnoringCase(name, "exit")) return &QuitCommand();
  for (const Command* c : AllCommands()) {
    if (c->spec.name == name) return c;
  }
  for (const Command* c : AllCommands()) {
    if (SameIgnoringCase(c->spec.name, name)) return c;
  }
  return nullptr;
}

}  // namespace paddock::cli
