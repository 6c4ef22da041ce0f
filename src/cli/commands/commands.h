// cli/commands/commands.h: the registry of shell commands, one file per command.
//
// Names match zkCli's (ls, get, set, create, delete, deleteall, stat, getAcl, setAcl, addauth,
// sync, getEphemerals, getAllChildrenNumber, whoami, addWatch, removewatches, quit) plus
// `session` and `help`. Lookup ignores case, so `getacl` finds getAcl. Thread-compatible; the
// commands are immutable after first use.
#pragma once

#include <string_view>
#include <vector>

#include "cli/command.h"

namespace paddock::cli {

// Every command, in the order help lists them.
const std::vector<const Command*>& AllCommands();

// The command called `name` (case-insensitive; "exit" is quit), or nullptr.
const Command* FindCommand(std::string_view name);

const Command& AddAuthCommand();
const Command& AddWatchCommand();
const Command& CreateCommand();
const Command& DeleteAllCommand();
const Command& DeleteCommand();
const Command& GetAclCommand();
const Command& GetAllChildrenNumberCommand();
const Command& GetCommand();
const Command& GetEphemeralsCommand();
const Command& HelpCommand();
const Command& LsCommand();
const Command& QuitCommand();
const Command& RemoveWatchesCommand();
const Command& SessionCommand();
const Command& SetAclCommand();
const Command& SetCommand();
const Command& StatCommand();
const Command& SyncCommand();
const Command& WhoAmICommand();

}  // namespace paddock::cli
