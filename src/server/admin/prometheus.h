// PrometheusWriter: builds a scrape in the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Each family is declared once with `# HELP` and `# TYPE` before its samples. Label values are
// escaped (backslash, double quote, newline). Counters are named with a `_total` suffix by the
// caller; histograms are written as cumulative `_bucket{le="..."}` samples ending in `+Inf`,
// followed by `_sum` and `_count`. Durations are exposed in seconds, as Prometheus recommends.
// Plain value type; not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paddock::server::admin {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusWriter {
 public:
  // `type` is counter, gauge or histogram. REQUIRES: a name is declared once.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  // A family with one unlabelled sample.
  void Counter(std::string_view name, std::string_view help, double value);
  void Gauge(std::string_view name, std::string_view help, double value);
  // One labelled series of a histogram family: `counts[i]` counts values <= bounds[i]
  // (non-cumulative), counts[bounds.size()] the rest. Bounds and sum are scaled by `unit` (for
  // example 1e-3 for milliseconds to seconds). REQUIRES: counts.size() == bounds.size() + 1.
  void Histogram(std::string_view name, const Labels& labels, std::span<const int64_t> bounds,
                 std::span<const int64_t> counts, double sum, double unit);
  // A summary family with one unlabelled series: name{quantile="q"} per quantile, then
  // name_count and name_sum (ZooKeeper's provider exposes its summaries so).
  void Summary(std::string_view name, std::string_view help,
               const std::vector<std::pair<double, double>>& quantiles, int64_t count,
               double sum);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
  std::vector<std::string> families_;
};

// Formats a sample value: integers without a fraction, +Inf/-Inf/NaN as Prometheus spells them.
std::string FormatPrometheusValue(double v);

}  // namespace paddock::server::admin
