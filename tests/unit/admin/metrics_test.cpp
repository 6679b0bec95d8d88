#include "renkei/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

namespace renkei {
namespace {

TEST(Metrics, RendersExactExpositionText) {
  MetricsRegistry reg;
  // Registered out of order: output must be sorted by family, then by label values.
  reg.gauge("renkei_b_gauge", "A gauge.").set(-2.5);
  reg.counter("renkei_a_total", "Help with \\ and\nnewline.", {{"interface", "002"}}).inc(3);
  reg.counter("renkei_a_total", "Help with \\ and\nnewline.", {{"interface", "001"}}).inc();
  auto& h = reg.histogram("renkei_c_seconds", "Latency.", {{"system", "jumin"}}, {0.5, 1, 2.5});
  h.observe(0.25);
  h.observe(0.5);  // on the bound: le is inclusive
  h.observe(1);
  h.observe(3);
  reg.counter("renkei_d_total", "Escaping.", {{"reason", "a\"b\\c\nd"}}).inc(0);

  EXPECT_EQ(reg.render(),
            "# HELP renkei_a_total Help with \\\\ and\\nnewline.\n"
            "# TYPE renkei_a_total counter\n"
            "renkei_a_total{interface=\"001\"} 1\n"
            "renkei_a_total{interface=\"002\"} 3\n"
            "# HELP renkei_b_gauge A gauge.\n"
            "# TYPE renkei_b_gauge gauge\n"
            "renkei_b_gauge -2.5\n"
            "# HELP renkei_c_seconds Latency.\n"
            "# TYPE renkei_c_seconds histogram\n"
            "renkei_c_seconds_bucket{system=\"jumin\",le=\"0.5\"} 2\n"
            "renkei_c_seconds_bucket{system=\"jumin\",le=\"1\"} 3\n"
            "renkei_c_seconds_bucket{system=\"jumin\",le=\"2.5\"} 3\n"
            "renkei_c_seconds_bucket{system=\"jumin\",le=\"+Inf\"} 4\n"
            "renkei_c_seconds_sum{system=\"jumin\"} 4.75\n"
            "renkei_c_seconds_count{system=\"jumin\"} 4\n"
            "# HELP renkei_d_total Escaping.\n"
            "# TYPE renkei_d_total counter\n"
            "renkei_d_total{reason=\"a\\\"b\\\\c\\nd\"} 0\n");
}

TEST(Metrics, LabelOrderIsNormalised) {
  MetricsRegistry reg;
  Counter& a = reg.counter("x_total", "h", {{"system", "s"}, {"interface", "001"}});
  Counter& b = reg.counter("x_total", "h", {{"interface", "001"}, {"system", "s"}});
  EXPECT_EQ(&a, &b);
  a.inc(2);
  EXPECT_EQ(reg.render(),
            "# HELP x_total h\n# TYPE x_total counter\n"
            "x_total{interface=\"001\",system=\"s\"} 2\n");
}

TEST(Metrics, ReferencesStayValidAsChildrenAreAdded) {
  MetricsRegistry reg;
  Counter& first = reg.counter("x_total", "h", {{"interface", "001"}});
  for (int i = 2; i < 200; ++i) reg.counter("x_total", "h", {{"interface", std::to_string(i)}});
  first.inc(7);
  EXPECT_EQ(reg.counter("x_total", "h", {{"interface", "001"}}).value(), 7);
}

TEST(Metrics, FormatsNumbersPerSpec) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(3), "3");
  EXPECT_EQ(format_metric_value(-2), "-2");
  EXPECT_EQ(format_metric_value(1700000000), "1700000000");
  EXPECT_EQ(format_metric_value(123456789012345.0), "123456789012345");
  EXPECT_EQ(format_metric_value(1.5), "1.5");
  EXPECT_EQ(format_metric_value(0.005), "0.005");
  EXPECT_EQ(format_metric_value(1e20), "1e+20");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(Metrics, GaugeSetIncDec) {
  MetricsRegistry reg;
  Gauge& g = reg.gauge("renkei_adapter_up", "Up.", {{"system", "jumin"}});
  g.set(5);
  g.inc();
  g.dec(2.5);
  EXPECT_DOUBLE_EQ(g.value(), 3.5);
}

TEST(Metrics, HistogramPutsNaNOnlyInInfBucket) {
  Histogram h({1, 2});
  h.observe(std::nan(""));
  EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{0, 0, 1}));
  EXPECT_EQ(h.count(), 1u);
  EXPECT_TRUE(std::isnan(h.sum()));
}

TEST(Metrics, HistogramBucketsAreValidated) {
  EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
  EXPECT_THROW(Histogram({2, 1}), std::invalid_argument);
  EXPECT_THROW(Histogram({std::nan("")}), std::invalid_argument);
  // A trailing +Inf is accepted and is the same layout as without it.
  MetricsRegistry reg;
  Histogram& a = reg.histogram("h_seconds", "h", {}, {1, std::numeric_limits<double>::infinity()});
  Histogram& b = reg.histogram("h_seconds", "h", {}, {1});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.bounds(), std::vector<double>{1});
}

TEST(Metrics, InvalidNamesThrow) {
  MetricsRegistry reg;
  for (const char* bad : {"", "1abc", "a-b", "a b", "日本"})
    EXPECT_THROW(reg.counter(bad, "h"), std::invalid_argument) << bad;
  EXPECT_NO_THROW(reg.counter("job:renkei_x_total", "h"));
  EXPECT_NO_THROW(reg.counter("_x", "h"));
  for (const char* bad : {"", "__reserved", "a:b", "9x", "a-b"})
    EXPECT_THROW(reg.counter("y_total", "h", {{bad, "v"}}), std::invalid_argument) << bad;
  EXPECT_THROW(reg.counter("y_total", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("z_seconds", "h", {{"le", "1"}}, {1}), std::invalid_argument);
  EXPECT_THROW(reg.counter("y_total", "h").inc(-1), std::invalid_argument);
}

TEST(Metrics, ReusingANameDifferentlyThrows) {
  MetricsRegistry reg;
  reg.counter("renkei_x_total", "Help.", {{"interface", "001"}});
  EXPECT_THROW(reg.gauge("renkei_x_total", "Help."), std::logic_error);
  EXPECT_THROW(reg.histogram("renkei_x_total", "Help.", {}, {1}), std::logic_error);
  EXPECT_THROW(reg.counter("renkei_x_total", "Other help.", {{"interface", "001"}}), std::logic_error);
  EXPECT_THROW(reg.counter("renkei_x_total", "Help.", {{"system", "a"}}), std::logic_error);
  EXPECT_THROW(reg.counter("renkei_x_total", "Help."), std::logic_error);
  reg.histogram("renkei_h_seconds", "H.", {}, {1, 2});
  EXPECT_THROW(reg.histogram("renkei_h_seconds", "H.", {}, {1, 3}), std::logic_error);
}

TEST(Metrics, ConcurrentIncrementsAreExact) {
  MetricsRegistry reg;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      // Looked up in each thread: concurrent registration must yield one child.
      Counter& c = reg.counter("renkei_records_received_total", "h", {{"interface", "001"}});
      Histogram& h = reg.histogram("renkei_delivery_latency_seconds", "h", {}, default_latency_buckets());
      for (int i = 0; i < kPerThread; ++i) {
        c.inc();
        h.observe(0.5);
      }
    });
  // Scrapes while writers run must not crash or deadlock.
  for (int i = 0; i < 20; ++i) (void)reg.render();
  for (auto& t : threads) t.join();
  EXPECT_EQ(reg.counter("renkei_records_received_total", "h", {{"interface", "001"}}).value(),
            double(kThreads) * kPerThread);
  auto& h = reg.histogram("renkei_delivery_latency_seconds", "h", {}, default_latency_buckets());
  EXPECT_EQ(h.count(), std::uint64_t(kThreads) * kPerThread);
  EXPECT_DOUBLE_EQ(h.sum(), 0.5 * kThreads * kPerThread);
}

TEST(Metrics, CollectorsRunAtScrapeTime) {
  MetricsRegistry reg;
  int lag = 0;
  reg.add_collector([&] { reg.gauge("renkei_consumer_lag_records", "Lag.", {{"interface", "001"}}).set(++lag * 10); });
  reg.add_collector([] { throw std::runtime_error("broken collector"); });
  EXPECT_NE(reg.render().find("renkei_consumer_lag_records{interface=\"001\"} 10\n"), std::string::npos);
  EXPECT_NE(reg.render().find("renkei_consumer_lag_records{interface=\"001\"} 20\n"), std::string::npos);
}

}  // namespace
}  // namespace renkei
