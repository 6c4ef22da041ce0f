// The plain printer: zkCli 3.8's output formats (see cli/printer.h).
#include <algorithm>
#include <ostream>

#include "cli/acl_text.h"
#include "cli/format.h"
#include "cli/printer.h"

namespace paddock::cli {
namespace {

class PlainPrinter final : public Printer {
 public:
  PlainPrinter(std::ostream& out, std::ostream& err) : Printer(out, err) {}

  void Created(const std::string& path, const Stat&) override { Out("Created " + path + "\n"); }

  void Data(const std::string&, const DataResult& r, bool with_stat) override {
    std::string text = r.data.has_value() ? *r.data : "null";
    text += "\n";
    if (with_stat) text += StatText(r.stat);
    Out(text);
  }

  void Written(const std::string&, const Stat& stat, bool with_stat) override {
    if (with_stat) Out(StatText(stat));
  }

  void StatOf(const std::string&, const Stat& stat) override { Out(StatText(stat)); }

  void Children(const std::string&, const ChildrenResult& r, bool with_stat) override {
    std::vector<std::string> children = r.children;
    std::sort(children.begin(), children.end());
    std::string text = BracketList(children) + "\n";
    if (with_stat) text += StatText(r.stat);
    Out(text);
  }

  void Tree(const std::string&, const std::vector<std::string>& paths) override {
    std::string text;
    for (const std::string& p : paths) text += p + "\n";
    Out(text);
  }

  void AclOf(const std::string&, const AclResult& r, bool with_stat) override {
    std::string text;
    for (const Acl& a : r.acl) {
      text.append("'").append(a.scheme).append(",'").append(a.id);
      text.append("\n: ").append(PermString(a.perms)).append("\n");
    }
    if (with_stat) text += StatText(r.stat);
    Out(text);
  }

  void Ephemerals(const std::string&, std::vector<std::string> paths) override {
    std::sort(paths.begin(), paths.end());
    Out(BracketList(paths) + "\n");
  }

  void Identities(std::vector<ClientInfo> ids) override {
    std::sort(ids.begin(), ids.end(), [](const ClientInfo& a, const ClientInfo& b) {
      return a.scheme != b.scheme ? a.scheme < b.scheme : a.user < b.user;
    });
    std::string text = "Auth scheme: User\n";
    for (const ClientInfo& id : ids) text += id.scheme + ": " + id.user + "\n";
    Out(text);
  }

  void Count(const std::string&, int32_t count) override { Out(std::to_string(count) + "\n"); }
  void Synced(const std::string&) override { Out("Sync is OK\n"); }

  void Session(const SessionSummary& s) override {
    Out("id = " + Hex(s.session_id) + "\ntimeout = " + std::to_string(s.timeout_ms) +
        " ms\nstate = " + KeeperStateText(s.state) +
        "\nserver = " + (s.server.empty() ? "(none)" : s.server) + "\n");
  }

  void Done() override {}
  void Failure(const CliError& e) override { Err(e.message + "\n"); }
  void Warning(const std::string& text) override { Err(text + "\n"); }

  void Help(const std::vector<const CommandSpec*>& specs) override {
    std::string text = "paddock-cli [-server host:port] [--json] cmd args\n";
    for (const CommandSpec* s : specs) text.append("\t").append(s->usage).append("\n");
    Out(text);
  }

  void Event(const WatchEvent& e) override {
    Out("\nWATCHER::\n\nWatchedEvent state:SyncConnected type:" + EventTypeText(e.type) +
        " path:" + e.path + "\n");
  }

  void SessionChange(const SessionEvent& e) override {
    if (e.kind == SessionEvent::Kind::kSilentPastTimeout) {
      Out("\nWATCHER::\n\nNo server heard for " + std::to_string(e.silent_ms) +
          " ms, longer than the session timeout: the session may be gone\n");
      return;
    }
    Out("\nWATCHER::\n\nWatchedEvent state:" + KeeperStateText(e.state) + " type:None path:null\n");
  }
};

}  // namespace

std::unique_ptr<Printer> MakePlainPrinter(std::ostream& out, std::ostream& err) {
  return std::make_unique<PlainPrinter>(out, err);
}

}  // namespace paddock::cli
