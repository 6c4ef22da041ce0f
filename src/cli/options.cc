#include "cli/options.h"

#include "cli/parser.h"

namespace paddock::cli {
namespace {

// Splits "--name=value" into its two parts; a word without '=' has no inline value.
struct OptionWord {
  std::string name;
  std::string value;
  bool has_value = false;
};

OptionWord SplitOptionWord(const std::string& word) {
  OptionWord w;
  size_t eq = word.find('=');
  if (word.rfind("--", 0) == 0 && eq != std::string::npos) {
    w.name = word.substr(0, eq);
    w.value = word.substr(eq + 1);
    w.has_value = true;
  } else {
    w.name = word;
  }
  return w;
}

// Takes the option's value: inline, or the next word (advancing *i).
Result<std::string> TakeValue(const OptionWord& w, const std::vector<std::string>& args,
                              size_t* i) {
  if (w.has_value) return w.value;
  if (*i + 1 >= args.size()) return Status::Error("option " + w.name + " needs a value");
  return args[++*i];
}

// Applies the option at args[*i] to *o.
Status ApplyOption(const std::vector<std::string>& args, size_t* i, Options* o) {
  OptionWord w = SplitOptionWord(args[*i]);
  if (w.name == "-server" || w.name == "--server") {
    Result<std::string> v = TakeValue(w, args, i);
    if (!v.ok()) return v.status();
    o->server = *v;
  } else if (w.name == "-timeout" || w.name == "--timeout") {
    Result<std::string> v = TakeValue(w, args, i);
    if (!v.ok()) return v.status();
    Result<long long> ms = ParseInteger(*v, "timeout", 1, 86400000);
    if (!ms.ok()) return ms.status();
    o->timeout_ms = *ms;
  } else if (w.name == "-r" || w.name == "--read-only") {
    o->read_only = true;
  } else if (w.name == "--json" || w.name == "-json") {
    o->json = true;
  } else if (w.name == "-h" || w.name == "--help" || w.name == "-help") {
    o->help = true;
  } else if (w.name == "--version" || w.name == "-version") {
    o->version = true;
  } else {
    return Status::Error("unknown option " + w.name);
  }
  return Status::Ok();
}

}  // namespace

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    if (args[i] == "--") {
      ++i;
      break;
    }
    if (args[i].size() < 2 || args[i][0] != '-') break;
    Status s = ApplyOption(args, &i, &o);
    if (!s.ok()) return s;
  }
  o.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return o;
}

std::string OptionsUsage() {
  return "usage: paddock-cli [-server HOSTS] [-timeout MS] [-r] [--json] [CMD ARGS...]\n"
         "  -server, --server HOSTS  host:port[,host:port...][/chroot] (default "
         "localhost:2181)\n"
         "  -timeout, --timeout MS   session timeout in ms (default 30000)\n"
         "  -r, --read-only          allow a read-only server\n"
         "  --json                   print one JSON document per command\n"
         "  --version                print the version and git revision, then exit\n"
         "With CMD: run it once and exit (0 on success, 1 on error, 127 for an unknown "
         "command).\nWithout: an interactive shell; type help for the commands.\n";
}

}  // namespace paddock::cli
