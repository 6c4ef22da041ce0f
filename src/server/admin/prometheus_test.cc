// Proves that the Prometheus writer produces the text exposition format: HELP and TYPE before
// the samples of a family, escaped label values, cumulative histogram buckets ending in +Inf
// with _sum and _count, and value formatting (integers without a fraction, +Inf). Also that the
// fixed-bucket histograms used for latencies file a value under the first bound >= it.
#include "server/admin/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>

#include "consensus/replicated_log.h"
#include "server/admin/histogram.h"

namespace paddock::server::admin {
namespace {

TEST(Prometheus, FamilyHasHelpAndTypeBeforeItsSamples) {
  PrometheusWriter w;
  w.Counter("x_total", "Things counted.", 3);
  w.Gauge("g", "A gauge.", 0.5);
  EXPECT_EQ(w.text(),
            "# HELP x_total Things counted.\n# TYPE x_total counter\nx_total 3\n"
            "# HELP g A gauge.\n# TYPE g gauge\ng 0.5\n");
}

TEST(Prometheus, LabelValuesAreEscaped) {
  PrometheusWriter w;
  w.Family("m", "gauge", "h");
  w.Sample("m", {{"a", "x\"y\\z\nw"}, {"b", "c"}}, 1);
  EXPECT_EQ(w.text(), "# HELP m h\n# TYPE m gauge\nm{a=\"x\\\"y\\\\z\\nw\",b=\"c\"} 1\n");
}

TEST(Prometheus, HistogramBucketsAreCumulativeAndEndInInf) {
  PrometheusWriter w;
  const int64_t bounds[] = {1, 5};
  const int64_t counts[] = {2, 1, 4};
  w.Family("d_seconds", "histogram", "h");
  w.Histogram("d_seconds", {{"op", "get"}}, bounds, counts, 42, 1e-3);
  EXPECT_EQ(w.text(),
            "# HELP d_seconds h\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{op=\"get\",le=\"0.001\"} 2\n"
            "d_seconds_bucket{op=\"get\",le=\"0.005\"} 3\n"
            "d_seconds_bucket{op=\"get\",le=\"+Inf\"} 7\n"
            "d_seconds_sum{op=\"get\"} 0.042\n"
            "d_seconds_count{op=\"get\"} 7\n");
}

TEST(Prometheus, SummaryHasItsQuantilesThenCountAndSum) {
  PrometheusWriter w;
  w.Summary("readlatency", "readlatency", {{0.5, 1.5}, {0.99, std::nan("")}}, 7, 12);
  EXPECT_EQ(w.text(),
            "# HELP readlatency readlatency\n# TYPE readlatency summary\n"
            "readlatency{quantile=\"0.5\"} 1.5\nreadlatency{quantile=\"0.99\"} NaN\n"
            "readlatency_count 7\nreadlatency_sum 12\n");
}

TEST(Prometheus, ValuesAreFormattedAsPrometheusReadsThem) {
  EXPECT_EQ(FormatPrometheusValue(12), "12");
  EXPECT_EQ(FormatPrometheusValue(-3), "-3");
  EXPECT_EQ(FormatPrometheusValue(0.25), "0.25");
  EXPECT_EQ(FormatPrometheusValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatPrometheusValue(NAN), "NaN");
}

TEST(LatencyHistogram, ValueGoesToTheFirstBucketWhoseBoundIsAtLeastIt) {
  LatencyHistogramMs h;
  h.Record(0);
  h.Record(1);
  h.Record(2);
  h.Record(1'000'000);
  EXPECT_EQ(h.counts[0], 2);
  EXPECT_EQ(h.counts[1], 1);
  EXPECT_EQ(h.counts.back(), 1);
  EXPECT_EQ(h.count, 4);
  EXPECT_EQ(h.sum_ms, 1'000'003);
}

TEST(DurationHistogram, RecordsCountSumAndMax) {
  consensus::DurationHistogram h;
  h.Record(100);
  h.Record(101);
  h.Record(5'000'000);
  EXPECT_EQ(h.counts[0], 1);
  EXPECT_EQ(h.counts[1], 1);
  EXPECT_EQ(h.counts.back(), 1);
  EXPECT_EQ(h.max_us, 5'000'000);
  EXPECT_EQ(h.sum_us, 5'000'201);
}

}  // namespace
}  // namespace paddock::server::admin
