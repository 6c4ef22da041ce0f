// paddock-admin: offline tools for data directories (the server must not run on them).
//
//   paddock-admin import-zookeeper --from <ZooKeeper dataDir> --to <dataDir>
//                                  [--drop-sessions] [--config zoo.cfg]
//       A Paddock data directory with the tree and sessions of a stopped ZooKeeper 3.x
//       (its newest valid snapshot and the logs after it). --config: the ensemble's zoo.cfg,
//       whose server.N lines become the members (every member starts on a copy); without it,
//       a standalone server's.
//   paddock-admin export-zookeeper --from <dataDir> --to <ZooKeeper dataDir> [--drop-sessions]
//                                  [--config zoo.cfg]
//       The way back: a ZooKeeper 3.x snapshot (version-2/snapshot.<hex zxid>) of the state a
//       stopped Paddock server's data directory holds, which ZooKeeper 3.8 loads as its own.
//   paddock-admin restore --from <snapshot file> --to <dataDir> [--config zoo.cfg]
//       A new data directory from a snapshot the admin endpoint's `snapshot` command streamed
//       (admin.snapshot.enabled=true): for a new standalone server, or, with --config, for every
//       member of a new ensemble (each starts on a copy).
//   paddock-admin inspect <dataDir> [--tree [PATH]] [--sessions] [--json] [--config zoo.cfg]
//       What the directory holds (snapshot, log range, voters, zxid, counts), every checksum
//       verified as a server's start verifies it; --tree: the tree (or one subtree) as JSON;
//       --sessions: the sessions with their timeouts.
//   export-zookeeper and inspect replay the log after the snapshot as the server applied it:
//   give them the server's zoo.cfg with --config when it sets extendedTypesEnabled or
//   znode.container.maxNeverUsedIntervalMs. They leave the directory as it was.
//   paddock-admin --version
//
// Exit status: 0 on success, 1 when the input is refused (the message names the file and the
// offset of the damage), 2 for a bad command line.
#include <openssl/evp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include "base/version.h"
#include "datadir/data_dir.h"
#include "datadir/zk_export.h"
#include "datadir/zk_import.h"
#include "server/config.h"
#include "session/password.h"
#include "tree/path.h"

namespace {

using paddock::Status;
using paddock::datadir::Voters;
namespace fs = std::filesystem;

std::string Hex(int64_t v) {
  char b[24];
  std::snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

int Refused(const std::string& what) {
  std::fprintf(stderr, "paddock-admin: %s\n", what.c_str());
  return 1;
}

// The server's state-machine options from its zoo.cfg (a server's defaults without one): the
// log must be replayed as the server applied it (extendedTypesEnabled decides how a createTTL
// applied, znode.container.maxNeverUsedIntervalMs which containers were deleted).
paddock::Result<paddock::statemachine::Options> OptionsFrom(const std::string& config_path) {
  paddock::server::Config config;
  if (!config_path.empty()) {
    std::vector<std::string> unknown;
    paddock::Result<paddock::server::Config> loaded =
        paddock::server::LoadConfig(config_path, &unknown);
    if (!loaded.ok()) return Status::Error(config_path + ": " + loaded.status().message());
    config = std::move(*loaded);
  }
  return paddock::statemachine::Options{config.extended_types_enabled,
                                        config.container_never_used_ms};
}

// The members of the ensemble a zoo.cfg describes, or a standalone server's.
paddock::Result<Voters> VotersFrom(const std::string& config_path) {
  if (config_path.empty()) return paddock::datadir::StandaloneVoters();
  std::vector<std::string> unknown;
  paddock::Result<paddock::server::Config> config =
      paddock::server::LoadConfig(config_path, &unknown);
  if (!config.ok()) return Status::Error(config_path + ": " + config.status().message());
  if (!config->IsEnsemble()) return paddock::datadir::StandaloneVoters();
  Voters voters;
  for (const auto& [id, entry] : config->servers) {
    voters.emplace_back(static_cast<uint64_t>(id), entry.RaftAddress());
  }
  return voters;
}

std::string RaftDir(const std::string& data_dir) { return data_dir + "/raft"; }

int ImportZooKeeper(const std::string& from, const std::string& to, bool drop_sessions,
                    const std::string& config_path) {
  auto start = std::chrono::steady_clock::now();
  paddock::Result<Voters> voters = VotersFrom(config_path);
  if (!voters.ok()) return Refused(voters.status().message());
  paddock::datadir::ZkImportOptions options;
  options.drop_sessions = drop_sessions;
  paddock::Result<paddock::datadir::ZkImport> zk = paddock::datadir::ReadZooKeeper(from, options);
  if (!zk.ok()) return Refused(zk.status().message());
  for (const std::string& w : zk->warnings) std::fprintf(stderr, "paddock-admin: note: %s\n", w.c_str());
  auto read_done = std::chrono::steady_clock::now();
  // The tree, node by node in path order (a parent before its children).
  paddock::tree::DataTree tree;
  tree.ClearForRestore(zk->nodes.size());
  for (const auto& [path, node] : zk->nodes) {
    std::optional<std::string_view> data;
    if (node.data) data = *node.data;
    if (tree.InsertForRestore(path, data, node.acl, node.stat) !=
        paddock::tree::DataTree::RestoreResult::kOk) {
      return Refused("node " + path + " could not be placed in the tree");
    }
  }
  paddock::session::SessionTable sessions;
  for (const auto& [id, timeout] : zk->sessions) sessions.Restore(id, {timeout, 0, 0});
  // A fresh ensemble secret: Paddock's session passwords are its own (clients of the old
  // sessions present ZooKeeper's and are answered expired; the sessions expire unused).
  std::string secret(paddock::session::kSecretBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 1) {
    return Refused("no random bytes for the ensemble secret");
  }
  paddock::statemachine::StateMachine sm;
  sm.ReplaceState(std::move(tree), std::move(sessions), zk->last_zxid, std::move(secret));
  std::string state = sm.Snapshot();
  if (Status s = paddock::datadir::WriteDataDir(RaftDir(to), *voters, state); !s.ok()) {
    return Refused(s.message());
  }
  auto done = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
  };
  std::printf("imported nodes=%zu sessions=%zu zxid=%s from %s + %lld log records (%zu log "
              "files); ephemerals of dead sessions dropped=%lld; read %lld ms, written %lld ms, "
              "total %lld ms; voters=%zu into %s\n",
              sm.tree().NodeCount(), sm.sessions().size(), Hex(sm.last_zxid()).c_str(),
              fs::path(zk->snapshot_file).filename().c_str(),
              static_cast<long long>(zk->txns_replayed), zk->log_files.size(),
              static_cast<long long>(zk->ephemerals_of_dead_sessions),
              static_cast<long long>(ms(start, read_done)),
              static_cast<long long>(ms(read_done, done)), static_cast<long long>(ms(start, done)),
              voters->size(), RaftDir(to).c_str());
  return 0;
}

int ExportZooKeeper(const std::string& from, const std::string& to, bool drop_sessions,
                    const std::string& config_path) {
  auto start = std::chrono::steady_clock::now();
  paddock::Result<paddock::statemachine::Options> options = OptionsFrom(config_path);
  if (!options.ok()) return Refused(options.status().message());
  paddock::statemachine::StateMachine sm(*options);
  paddock::datadir::DataDirContents c;
  if (Status s = paddock::datadir::ReadDataDir(RaftDir(from), &sm, &c); !s.ok()) {
    return Refused(s.message());
  }
  paddock::datadir::ZkExportReport r;
  if (Status s = paddock::datadir::WriteZooKeeperDataDir(to, sm, drop_sessions, &r); !s.ok()) {
    return Refused(s.message());
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  std::printf("exported nodes=%zu sessions=%zu acls=%zu zxid=%s ephemerals dropped=%zu into %s "
              "in %lld ms\n",
              r.nodes, r.sessions, r.acls, Hex(r.zxid).c_str(), r.ephemerals_dropped,
              r.file.c_str(), static_cast<long long>(ms));
  return 0;
}

int Restore(const std::string& from, const std::string& to, const std::string& config_path) {
  paddock::Result<Voters> voters = VotersFrom(config_path);
  if (!voters.ok()) return Refused(voters.status().message());
  std::ifstream in(from, std::ios::binary);
  if (!in) return Refused(from + ": cannot open");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Checked whole (its digest) before anything is written.
  paddock::statemachine::StateMachine sm;
  if (Status s = sm.Restore(bytes); !s.ok()) return Refused(from + ": " + s.message());
  if (Status s = paddock::datadir::WriteDataDir(RaftDir(to), *voters, bytes); !s.ok()) {
    return Refused(s.message());
  }
  std::printf("restored nodes=%zu sessions=%zu zxid=%s voters=%zu into %s\n",
              sm.tree().NodeCount(), sm.sessions().size(), Hex(sm.last_zxid()).c_str(),
              voters->size(), RaftDir(to).c_str());
  return 0;
}

// Well-formed UTF-8 (shown as a JSON string; anything else as base64).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t follow = 0;
    if (c >= 0x80) {
      if ((c >> 5) == 0x6) {
        follow = 1;
      } else if ((c >> 4) == 0xE) {
        follow = 2;
      } else if ((c >> 3) == 0x1E) {
        follow = 3;
      } else {
        return false;
      }
    }
    if (s.size() - i <= follow) return false;
    for (size_t k = 1; k <= follow; k++) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += follow + 1;
  }
  return true;
}

std::string Base64(std::string_view s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

nlohmann::json NodeJson(const std::string& path, const paddock::tree::Node& n) {
  nlohmann::json j;
  j["path"] = path;
  if (!n.has_data()) {
    j["data"] = nullptr;
  } else if (IsUtf8(n.data())) {
    j["data"] = std::string(n.data());
  } else {
    j["data_base64"] = Base64(n.data());
  }
  paddock::proto::Stat s = n.ClientStat();
  j["stat"] = {{"czxid", s.czxid},         {"mzxid", s.mzxid},
               {"ctime", s.ctime},         {"mtime", s.mtime},
               {"version", s.version},     {"cversion", s.cversion},
               {"aversion", s.aversion},   {"ephemeralOwner", s.ephemeral_owner},
               {"dataLength", s.data_length}, {"numChildren", s.num_children},
               {"pzxid", s.pzxid}};
  if (n.IsContainer()) j["kind"] = "container";
  if (n.IsTtl()) {
    j["kind"] = "ttl";
    j["ttl_ms"] = n.TtlMs();
  }
  if (n.IsSessionEphemeral()) j["kind"] = "ephemeral";
  nlohmann::json acl = nlohmann::json::array();
  for (const auto& a : n.acl()) {
    acl.push_back({{"perms", a.perms}, {"scheme", a.id.scheme}, {"id", a.id.id}});
  }
  j["acl"] = acl;
  return j;
}

void PrintSummary(const std::string& data_dir, const paddock::datadir::DataDirContents& c,
                  const paddock::statemachine::StateMachine& sm) {
  std::printf("raft log %s: term %llu", RaftDir(data_dir).c_str(),
              static_cast<unsigned long long>(c.term));
  if (c.snapshot_index != 0) {
    std::printf(", snapshot at index %llu (term %llu, %llu bytes, zxid %s)",
                static_cast<unsigned long long>(c.snapshot_index),
                static_cast<unsigned long long>(c.snapshot_term),
                static_cast<unsigned long long>(c.snapshot_bytes), Hex(c.snapshot_zxid).c_str());
  }
  if (c.entries == 0) {
    std::printf(", no entries after it\n");
  } else {
    std::printf(", entries %llu..%llu (%llu commands, %llu txns)\n",
                static_cast<unsigned long long>(c.first_index),
                static_cast<unsigned long long>(c.first_index + c.entries - 1),
                static_cast<unsigned long long>(c.commands),
                static_cast<unsigned long long>(c.txns));
  }
  std::printf("voters:");
  for (const auto& [id, address] : c.voters) std::printf(" %llu=%s", static_cast<unsigned long long>(id), address.c_str());
  std::printf("\nstate: zxid %s, %zu nodes (%zu ephemeral, %zu containers, %zu TTL), %zu "
              "sessions; every checksum verified\n",
              Hex(sm.last_zxid()).c_str(), sm.tree().NodeCount(), sm.tree().EphemeralCount(),
              sm.tree().containers().size(), sm.tree().ttls().size(), sm.sessions().size());
}

int Inspect(const std::string& data_dir, bool want_tree, const std::string& tree_path,
            bool want_sessions, bool json, const std::string& config_path) {
  paddock::Result<paddock::statemachine::Options> options = OptionsFrom(config_path);
  if (!options.ok()) return Refused(options.status().message());
  paddock::statemachine::StateMachine sm(*options);
  paddock::datadir::DataDirContents c;
  if (Status s = paddock::datadir::ReadDataDir(RaftDir(data_dir), &sm, &c); !s.ok()) {
    return Refused(s.message());
  }
  if (want_tree) {
    std::string root = tree_path.empty() ? "/" : tree_path;
    if (sm.tree().Find(root) == nullptr) return Refused("no node " + root);
    std::string prefix = root == "/" ? "/" : root + "/";
    nlohmann::json nodes = nlohmann::json::array();
    sm.tree().ForEachPreorder([&](const std::string& path, const paddock::tree::Node& n) {
      if (path == root || path.compare(0, prefix.size(), prefix) == 0) {
        nodes.push_back(NodeJson(path, n));
      }
    });
    std::printf("%s\n", nodes.dump(1).c_str());
    return 0;
  }
  if (want_sessions) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, s] : sm.sessions().sessions()) {
      list.push_back({{"id", Hex(id)},
                      {"timeout_ms", s.timeout_ms},
                      {"ephemerals", sm.tree().EphemeralsOf(id).size()}});
    }
    std::printf("%s\n", list.dump(1).c_str());
    return 0;
  }
  nlohmann::json voters = nlohmann::json::array();
  for (const auto& [id, address] : c.voters) voters.push_back({{"id", id}, {"address", address}});
  nlohmann::json j = {
      {"raft_dir", RaftDir(data_dir)},
      {"term", c.term},
      {"voted_for", c.voted_for},
      {"snapshot", c.snapshot_index == 0
                       ? nlohmann::json(nullptr)
                       : nlohmann::json{{"index", c.snapshot_index},
                                        {"term", c.snapshot_term},
                                        {"bytes", c.snapshot_bytes},
                                        {"zxid", Hex(c.snapshot_zxid)}}},
      {"voters", voters},
      {"entries", {{"first", c.first_index},
                   {"last", c.entries == 0 ? 0 : c.first_index + c.entries - 1},
                   {"count", c.entries},
                   {"commands", c.commands},
                   {"txns", c.txns}}},
      {"zxid", Hex(sm.last_zxid())},
      {"nodes", sm.tree().NodeCount()},
      {"ephemerals", sm.tree().EphemeralCount()},
      {"containers", sm.tree().containers().size()},
      {"ttl_nodes", sm.tree().ttls().size()},
      {"sessions", sm.sessions().size()},
      {"approximate_data_size", sm.tree().ApproximateDataSize()},
      {"checksums", "verified"}};
  if (json) {
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  PrintSummary(data_dir, c, sm);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"paddock-admin: offline tools for Paddock data directories"};
  app.set_version_flag("--version", paddock::VersionLine("paddock-admin"));
  app.require_subcommand(1);

  std::string from, to, config_path;
  bool drop_sessions = false;
  CLI::App* imp = app.add_subcommand(
      "import-zookeeper", "a new data directory from a stopped ZooKeeper's data directory");
  imp->add_option("--from", from, "ZooKeeper's dataDir (or its version-2 directory)")->required();
  imp->add_option("--to", to, "the new Paddock dataDir (must not hold a data directory)")
      ->required();
  imp->add_flag("--drop-sessions", drop_sessions,
                "carry no session (and so no ephemeral node) over");
  imp->add_option("--config", config_path,
                  "the Paddock ensemble's zoo.cfg: its server.N lines become the members")
      ->check(CLI::ExistingFile);

  std::string export_from, export_to;
  bool export_drop = false;
  CLI::App* exp = app.add_subcommand(
      "export-zookeeper", "a ZooKeeper snapshot of a stopped server's data directory");
  exp->add_option("--from", export_from, "the Paddock dataDir (holding raft/)")->required();
  exp->add_option("--to", export_to, "ZooKeeper's new dataDir (version-2/ must be empty)")
      ->required();
  exp->add_flag("--drop-sessions", export_drop, "carry no session (and no ephemeral node) over");
  std::string export_config;
  exp->add_option("--config", export_config,
                  "the server's zoo.cfg (its extendedTypesEnabled and container settings decide "
                  "how its log replays)")
      ->check(CLI::ExistingFile);

  std::string restore_from, restore_to, restore_config;
  CLI::App* res = app.add_subcommand(
      "restore", "a new data directory from a snapshot the admin `snapshot` command streamed");
  res->add_option("--from", restore_from, "the snapshot file")->required()->check(CLI::ExistingFile);
  res->add_option("--to", restore_to, "the new dataDir (must not hold a data directory)")
      ->required();
  res->add_option("--config", restore_config,
                  "the new ensemble's zoo.cfg: its server.N lines become the members")
      ->check(CLI::ExistingFile);

  std::string inspect_dir, tree_path;
  bool want_sessions = false, json = false;
  CLI::App* ins = app.add_subcommand("inspect", "what a data directory holds, checksums verified");
  ins->add_option("dataDir", inspect_dir, "the data directory (holding raft/)")->required();
  CLI::Option* tree_opt = ins->add_option("--tree", tree_path, "print the tree (or PATH's subtree) as JSON")
                              ->expected(0, 1);
  ins->add_flag("--sessions", want_sessions, "print the sessions as JSON");
  ins->add_flag("--json", json, "the summary as JSON");
  std::string inspect_config;
  ins->add_option("--config", inspect_config,
                  "the server's zoo.cfg (its extendedTypesEnabled and container settings decide "
                  "how its log replays)")
      ->check(CLI::ExistingFile);

  CLI11_PARSE(app, argc, argv);
  if (imp->parsed()) return ImportZooKeeper(from, to, drop_sessions, config_path);
  if (res->parsed()) return Restore(restore_from, restore_to, restore_config);
  if (exp->parsed()) return ExportZooKeeper(export_from, export_to, export_drop, export_config);
  if (ins->parsed()) {
    if (!tree_path.empty() && !paddock::tree::IsValidPath(tree_path)) {
      std::fprintf(stderr, "paddock-admin: invalid path %s\n", tree_path.c_str());
      return 2;
    }
    return Inspect(inspect_dir, tree_opt->count() > 0, tree_path, want_sessions, json,
                   inspect_config);
  }
  return 2;
}
