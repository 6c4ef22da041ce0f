// Four-letter words (reference §10): plain-text commands on a connection that has not completed
// a handshake, answered in ZooKeeper's formats and then closed. Commands outside
// 4lw.commands.whitelist answer "<cmd> is not executed because it is not in the whitelist.".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace paddock::server {

class Server;

// Whether the first four bytes of a connection spell a known four-letter word.
bool IsFourLetterWord(int32_t word);
// How many bytes the command takes, the word included: 12 for a whitelisted stmk (the word and
// the 8-byte trace mask after it), else 4.
size_t FourLetterWordBytes(const Server& server, int32_t word);
// The text answer; `argument` holds the bytes after the word (FourLetterWordBytes - 4 of them).
// Side effects: crst and srst reset statistics, stmk sets the trace mask.
std::string RunFourLetterWord(Server& server, int32_t word, std::string_view argument);
// "Zookeeper version: ..." value reported by srvr, stat, mntr and envi.
const char* VersionString();

}  // namespace paddock::server
