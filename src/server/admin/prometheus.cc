#include "server/admin/prometheus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/assert.h"

namespace paddock::server::admin {
namespace {

void AppendEscaped(std::string* out, std::string_view v) {
  for (char ch : v) {
    if (ch == '\\') {
      *out += "\\\\";
    } else if (ch == '"') {
      *out += "\\\"";
    } else if (ch == '\n') {
      *out += "\\n";
    } else {
      *out += ch;
    }
  }
}

void AppendLabels(std::string* out, const Labels& labels) {
  if (labels.empty()) return;
  *out += '{';
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) *out += ',';
    *out += labels[i].first;
    *out += "=\"";
    AppendEscaped(out, labels[i].second);
    *out += '"';
  }
  *out += '}';
}

}  // namespace

std::string FormatPrometheusValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

void PrometheusWriter::Family(std::string_view name, std::string_view type,
                              std::string_view help) {
  PADDOCK_ASSERT(std::find(families_.begin(), families_.end(), name) == families_.end());
  families_.emplace_back(name);
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusWriter::Sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  AppendLabels(&out_, labels);
  out_ += ' ';
  out_ += FormatPrometheusValue(value);
  out_ += '\n';
}

void PrometheusWriter::Counter(std::string_view name, std::string_view help, double value) {
  PADDOCK_ASSERT(name.ends_with("_total"));
  Family(name, "counter", help);
  Sample(name, {}, value);
}

void PrometheusWriter::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(name, {}, value);
}

void PrometheusWriter::Histogram(std::string_view name, const Labels& labels,
                                 std::span<const int64_t> bounds, std::span<const int64_t> counts,
                                 double sum, double unit) {
  PADDOCK_ASSERT(counts.size() == bounds.size() + 1);
  std::string bucket = std::string(name) + "_bucket";
  int64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); i++) {
    cumulative += counts[i];
    Labels with_le = labels;
    with_le.emplace_back("le", i < bounds.size()
                                   ? FormatPrometheusValue(static_cast<double>(bounds[i]) * unit)
                                   : "+Inf");
    Sample(bucket, with_le, static_cast<double>(cumulative));
  }
  Sample(std::string(name) + "_sum", labels, sum * unit);
  Sample(std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

void PrometheusWriter::Summary(std::string_view name, std::string_view help,
                               const std::vector<std::pair<double, double>>& quantiles,
                               int64_t count, double sum) {
  Family(name, "summary", help);
  for (const auto& [q, v] : quantiles) Sample(name, {{"quantile", FormatPrometheusValue(q)}}, v);
  Sample(std::string(name) + "_count", {}, static_cast<double>(count));
  Sample(std::string(name) + "_sum", {}, sum);
}

}  // namespace paddock::server::admin
