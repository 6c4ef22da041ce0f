// The JSON printer: one JSON document per line (see cli/printer.h).
//
// Field names follow ZooKeeper's own JSON (the admin server's Stat: czxid, ephemeralOwner,
// dataLength, ...). Znode data is "data" when it is UTF-8 text, "data_base64" otherwise, and
// "data": null for a znode with null data.
#include <algorithm>
#include <ostream>

#include "cli/acl_text.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/printer.h"

namespace paddock::cli {
namespace {

std::string StatJson(const Stat& s) {
  return JsonObject()
      .Int("czxid", s.czxid)
      .Int("mzxid", s.mzxid)
      .Int("ctime", s.ctime)
      .Int("mtime", s.mtime)
      .Int("version", s.version)
      .Int("cversion", s.cversion)
      .Int("aversion", s.aversion)
      .Int("ephemeralOwner", s.ephemeral_owner)
      .Int("dataLength", s.data_length)
      .Int("numChildren", s.num_children)
      .Int("pzxid", s.pzxid)
      .Build();
}

std::string AclJson(const AclList& acl) {
  std::string out = "[";
  for (size_t i = 0; i < acl.size(); ++i) {
    if (i > 0) out += ",";
    out += JsonObject()
               .Str("scheme", acl[i].scheme)
               .Str("id", acl[i].id)
               .Str("perms", PermString(acl[i].perms))
               .Build();
  }
  return out + "]";
}

void AddData(JsonObject& o, const std::optional<std::string>& data) {
  if (!data.has_value()) {
    o.Null("data");
  } else if (IsUtf8(*data)) {
    o.Str("data", *data);
  } else {
    o.Str("data_base64", Base64(*data));
  }
}

class JsonPrinter final : public Printer {
 public:
  JsonPrinter(std::ostream& out, std::ostream& err) : Printer(out, err) {}

  void Created(const std::string& path, const Stat& stat) override {
    Line(JsonObject().Str("path", path).Raw("stat", StatJson(stat)));
  }

  void Data(const std::string& path, const DataResult& r, bool) override {
    JsonObject o;
    o.Str("path", path);
    AddData(o, r.data);
    Line(o.Raw("stat", StatJson(r.stat)));
  }

  void Written(const std::string& path, const Stat& stat, bool) override {
    Line(JsonObject().Str("path", path).Raw("stat", StatJson(stat)));
  }

  void StatOf(const std::string& path, const Stat& stat) override {
    Line(JsonObject().Str("path", path).Raw("stat", StatJson(stat)));
  }

  void Children(const std::string& path, const ChildrenResult& r, bool) override {
    std::vector<std::string> children = r.children;
    std::sort(children.begin(), children.end());
    Line(JsonObject()
             .Str("path", path)
             .Raw("children", JsonStringArray(children))
             .Raw("stat", StatJson(r.stat)));
  }

  void Tree(const std::string& path, const std::vector<std::string>& paths) override {
    Line(JsonObject().Str("path", path).Raw("paths", JsonStringArray(paths)));
  }

  void AclOf(const std::string& path, const AclResult& r, bool) override {
    Line(JsonObject().Str("path", path).Raw("acl", AclJson(r.acl)).Raw("stat", StatJson(r.stat)));
  }

  void Ephemerals(const std::string& prefix, std::vector<std::string> paths) override {
    std::sort(paths.begin(), paths.end());
    Line(JsonObject().Str("path", prefix).Raw("ephemerals", JsonStringArray(paths)));
  }

  void Identities(std::vector<ClientInfo> ids) override {
    std::sort(ids.begin(), ids.end(), [](const ClientInfo& a, const ClientInfo& b) {
      return a.scheme != b.scheme ? a.scheme < b.scheme : a.user < b.user;
    });
    std::string list = "[";
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) list += ",";
      list += JsonObject().Str("scheme", ids[i].scheme).Str("user", ids[i].user).Build();
    }
    Line(JsonObject().Raw("identities", list + "]"));
  }

  void Count(const std::string& path, int32_t count) override {
    Line(JsonObject().Str("path", path).Int("count", count));
  }

  void Synced(const std::string& path) override {
    Line(JsonObject().Str("path", path).Bool("synced", true));
  }

  void Session(const SessionSummary& s) override {
    Line(JsonObject()
             .Str("session_id", Hex(s.session_id))
             .Int("timeout_ms", s.timeout_ms)
             .Str("state", KeeperStateText(s.state))
             .Str("server", s.server));
  }

  void Done() override { Line(JsonObject().Bool("ok", true)); }

  void Failure(const CliError& e) override {
    JsonObject o;
    o.Str("error", e.code).Int("code", e.zk_code).Str("message", e.message);
    if (!e.path.empty()) o.Str("path", e.path);
    Line(o);
  }

  void Warning(const std::string& text) override { Err(text + "\n"); }

  void Help(const std::vector<const CommandSpec*>& specs) override {
    std::string list = "[";
    for (size_t i = 0; i < specs.size(); ++i) {
      if (i > 0) list += ",";
      list += JsonObject()
                  .Str("name", specs[i]->name)
                  .Str("usage", specs[i]->usage)
                  .Str("summary", specs[i]->summary)
                  .Build();
    }
    Line(JsonObject().Raw("commands", list + "]"));
  }

  void Event(const WatchEvent& e) override {
    Line(JsonObject().Str("event", EventTypeText(e.type)).Str("path", e.path));
  }

  void SessionChange(const SessionEvent& e) override {
    JsonObject o;
    o.Str("event", "None");
    if (e.kind == SessionEvent::Kind::kSilentPastTimeout) {
      o.Str("state", "SilentPastTimeout").Int("silent_ms", e.silent_ms);
    } else {
      o.Str("state", KeeperStateText(e.state));
    }
    Line(o);
  }

 private:
  void Line(const JsonObject& o) { Out(o.Build() + "\n"); }
};

}  // namespace

std::unique_ptr<Printer> MakeJsonPrinter(std::ostream& out, std::ostream& err) {
  return std::make_unique<JsonPrinter>(out, err);
}

}  // namespace paddock::cli
