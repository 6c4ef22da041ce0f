// Four-letter words (reference §10): plain-text commands on a connection that has not completed
// a handshake, answered in ZooKeeper's formats and then closed. Commands outside
// 4lw.commands.whitelist answer "<cmd> is not executed because it is not in the whitelist.".
#pragma once

#include <cstdint>
#include <string>

namespace paddock::server {

class Server;

// Whether the first four bytes of a connection spell a known four-letter word.
bool IsFourLetterWord(int32_t word);
// The text answer (side effects: crst and srst reset statistics).
std::string RunFourLetterWord(Server& server, int32_t word);
// "Zookeeper version: ..." value reported by srvr, stat, mntr and envi.
const char* VersionString();

}  // namespace paddock::server
