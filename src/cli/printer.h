// cli/printer.h: how command results reach the user. Commands say *what* happened (a znode was
// created, here is its data and Stat, a request failed with NONODE); a Printer decides how it
// looks. Two printers exist:
//
// * plain (MakePlainPrinter): zkCli 3.8's output, line for line, so that people and scripts
//   used to zkCli feel at home. Failures and warnings go to the error stream.
// * JSON (MakeJsonPrinter): exactly one JSON document, on one line, per command; failures too
//   ({"error":"NONODE","code":-101,...}) go to the output stream. Warnings go to the error
//   stream as plain text, so that they never break the one-document rule. Asynchronous events
//   are one document each.
//
// Thread-safety: every method may be called from any thread (watch events and session events
// arrive on the client's event thread while the shell prints results); each call writes its
// whole text under one lock and flushes, so outputs never interleave mid-line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cli/command_spec.h"
#include "paddock/types.h"

namespace paddock::cli {

// A failure to report: a request's error code, or a problem found by the shell itself.
struct CliError {
  std::string code;     // "NONODE", ... or "USAGE", "UNKNOWN_COMMAND", "CLIENT"
  int32_t zk_code = 0;  // ZooKeeper's numeric code; 0 for errors found by the shell
  std::string message;  // what zkCli prints, e.g. "Node does not exist: /x"
  std::string path;     // the znode concerned, or ""
};

struct SessionSummary {
  int64_t session_id = 0;
  int32_t timeout_ms = 0;  // negotiated
  SessionState state = SessionState::kNotConnected;
  std::string server;  // "host:port", "" when not connected
};

class Printer {
 public:
  virtual ~Printer() = default;

  // `with_stat` is the -s flag: the plain printer adds the Stat lines only then; the JSON
  // printer always includes the Stat it has.
  virtual void Created(const std::string& path, const Stat& stat) = 0;
  virtual void Data(const std::string& path, const DataResult& r, bool with_stat) = 0;
  virtual void Written(const std::string& path, const Stat& stat, bool with_stat) = 0;
  virtual void StatOf(const std::string& path, const Stat& stat) = 0;
  virtual void Children(const std::string& path, const ChildrenResult& r, bool with_stat) = 0;
  virtual void Tree(const std::string& path, const std::vector<std::string>& paths) = 0;
  virtual void AclOf(const std::string& path, const AclResult& r, bool with_stat) = 0;
  virtual void Ephemerals(const std::string& prefix, std::vector<std::string> paths) = 0;
  virtual void Identities(std::vector<ClientInfo> ids) = 0;
  virtual void Count(const std::string& path, int32_t count) = 0;
  virtual void Synced(const std::string& path) = 0;
  virtual void Session(const SessionSummary& s) = 0;
  // A command that succeeded with nothing to show (delete, addauth, addWatch, ...).
  virtual void Done() = 0;
  virtual void Failure(const CliError& e) = 0;
  // Something worth saying that is not the command's result (always plain text, error stream).
  virtual void Warning(const std::string& text) = 0;
  virtual void Help(const std::vector<const CommandSpec*>& specs) = 0;

  // Asynchronous: a watch fired, or the session changed state.
  virtual void Event(const WatchEvent& e) = 0;
  virtual void SessionChange(const SessionEvent& e) = 0;

 protected:
  Printer(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}
  // Write `text` as is, under the lock, and flush.
  void Out(const std::string& text);
  void Err(const std::string& text);

 private:
  std::mutex mu_;
  std::ostream& out_;
  std::ostream& err_;
};

// The streams must outlive the printer.
std::unique_ptr<Printer> MakePlainPrinter(std::ostream& out, std::ostream& err);
std::unique_ptr<Printer> MakeJsonPrinter(std::ostream& out, std::ostream& err);

}  // namespace paddock::cli
