#include "common.h"

#include <unistd.h>

#include <cmath>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace paddock::bench {

Json Latencies::Summary(bool with_cdf) {
  Json j = Json::object();
  j["count"] = us_.size();
  if (us_.empty()) return j;
  std::sort(us_.begin(), us_.end());
  auto at = [this](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(us_.size() - 1) + 0.5);
    return static_cast<double>(us_[std::min(i, us_.size() - 1)]) / 1000.0;
  };
  double sum = 0;
  for (uint32_t v : us_) sum += v;
  j["min_ms"] = at(0);
  j["p50_ms"] = at(0.5);
  j["p99_ms"] = at(0.99);
  j["p999_ms"] = at(0.999);
  j["max_ms"] = at(1);
  j["mean_ms"] = sum / static_cast<double>(us_.size()) / 1000.0;
  if (with_cdf) {
    // Denser near the tail: fractions 1 - 10^(-k/30) for k = 0..120 (up to 0.9999), then 1.
    Json cdf = Json::array();
    for (int k = 0; k <= 120; k++) {
      double q = 1.0 - std::pow(10.0, -static_cast<double>(k) / 30.0);
      cdf.push_back({at(q), q});
    }
    cdf.push_back({at(1), 1.0});
    j["cdf"] = cdf;
  }
  return j;
}

Report::Report(const Options& o) {
  json_["scenario"] = o.scenario;
  json_["connect"] = o.connect;
  json_["started_unix_s"] = static_cast<int64_t>(std::time(nullptr));
  json_["results"] = Json::object();
  json_["notes"] = Json::array();
}

namespace {
std::string Format(const Json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    char buf[64];
    if (std::fabs(d) >= 100 || d == 0) {
      std::snprintf(buf, sizeof buf, "%.0f", d);
    } else if (std::fabs(d) >= 1) {
      std::snprintf(buf, sizeof buf, "%.2f", d);
    } else {
      std::snprintf(buf, sizeof buf, "%.3f", d);
    }
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}
}  // namespace

void Report::Put(const std::string& key, const Json& value, const std::string& unit) {
  Json* node = &json_["results"];
  std::stringstream ss(key);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i + 1 < parts.size(); i++) node = &(*node)[parts[i]];
  (*node)[parts.back()] = value;
  if (!value.is_array() && !value.is_object()) {
    rows_.emplace_back(key, Format(value) + (unit.empty() ? "" : " " + unit));
  }
}

void Report::PutLatency(const std::string& key, Latencies& lat) {
  Json s = lat.Summary(true);
  Put(key, s);
  if (lat.size() == 0) return;
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %.3f  p99 %.3f  p999 %.3f  max %.3f ms (n=%zu)",
                s["p50_ms"].get<double>(), s["p99_ms"].get<double>(),
                s["p999_ms"].get<double>(), s["max_ms"].get<double>(), lat.size());
  rows_.emplace_back(key, buf);
}

void Report::Note(const std::string& text) { json_["notes"].push_back(text); }

void Report::PrintTable() const {
  size_t width = 6;
  for (const auto& r : rows_) width = std::max(width, r.first.size());
  std::printf("%s against %s\n", json_["scenario"].get<std::string>().c_str(),
              json_["connect"].get<std::string>().c_str());
  std::printf("  %-*s  %s\n", static_cast<int>(width), "figure", "value");
  for (const auto& r : rows_) {
    std::printf("  %-*s  %s\n", static_cast<int>(width), r.first.c_str(), r.second.c_str());
  }
  for (const auto& n : json_["notes"]) std::printf("  note: %s\n", n.get<std::string>().c_str());
  std::fflush(stdout);
}

bool Report::WriteJson(const std::string& path) const {
  std::ofstream out(path);
  if (!out) return false;
  out << json_.dump(2) << "\n";
  return static_cast<bool>(out);
}

Progress::Progress(std::string name, bool enabled)
    : name_(std::move(name)), enabled_(enabled), tty_(isatty(2) != 0), start_ns_(NowNs()) {}

void Progress::Tick(const std::string& text) {
  if (!enabled_) return;
  int64_t now = NowNs();
  if (now - last_ns_ < 1'000'000'000) return;
  last_ns_ = now;
  std::fprintf(stderr, "%s[%s %5.1f s] %s%s", tty_ ? "\r\033[K" : "", name_.c_str(),
               SecondsSince(start_ns_), text.c_str(), tty_ ? "" : "\n");
  std::fflush(stderr);
  printed_ = true;
}

void Progress::Done() {
  if (enabled_ && tty_ && printed_) std::fprintf(stderr, "\n");
  printed_ = false;
}

ProcFigures ReadProc(int pid) {
  ProcFigures f;
  if (pid <= 0) return f;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) f.rss_bytes = std::stoll(line.substr(6)) * 1024;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = all.rfind(')');
  if (close == std::string::npos || f.rss_bytes == 0) return f;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  // Fields after the command: state(3) ... utime(14) stime(15).
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; i++) {
    if (i >= 14) ticks += std::stod(field);
  }
  f.cpu_s = ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  f.ok = true;
  return f;
}

std::vector<Endpoint> ParseEndpoints(const std::string& connect) {
  std::vector<Endpoint> out;
  std::string hosts = connect.substr(0, connect.find('/'));
  std::stringstream ss(hosts);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t colon = item.rfind(':');
    if (colon == std::string::npos) return {};
    Endpoint e{item.substr(0, colon), std::atoi(item.substr(colon + 1).c_str())};
    if (e.host == "localhost") e.host = "127.0.0.1";
    if (e.port <= 0 || e.port > 65535) return {};
    out.push_back(e);
  }
  return out;
}

std::string Payload(int64_t bytes) { return std::string(static_cast<size_t>(bytes), 'x'); }

}  // namespace paddock::bench
