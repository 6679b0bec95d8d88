#pragma once
// A small Prometheus metrics registry (Debian 12 has no prometheus-cpp package).
//
// Instruments are created once, kept by reference and updated lock-free; the registry
// only takes a lock to create an instrument or to render. Misuse of the registry
// (bad names, one name with two meanings) is a programmer error and throws: such a
// bug must show up in the first test run, not as a silently broken dashboard.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace renkei {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  // Throws std::invalid_argument for v < 0: a counter that goes down breaks rate().
  void inc(double v = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void dec(double v = 1) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: strictly increasing finite upper bounds; +Inf is implicit (a trailing
  // +Inf is accepted and dropped). Throws std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> bounds);

  void observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts, one per bound plus the final +Inf bucket (== count()).
  std::vector<std::uint64_t> cumulative_counts() const;
  std::uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  // Per-bucket (non-cumulative) counts; cumulated at render so observe() touches one.
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Prometheus' default buckets, in seconds; a sane start for latency histograms.
const std::vector<double>& default_latency_buckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The same name + labels (in any order) returns the same object; references stay
  // valid for the registry's lifetime. Throws std::invalid_argument for an invalid
  // metric or label name (or a duplicate label, or `le` on a histogram), and
  // std::logic_error when a name is reused with another type, help text, set of
  // label names or histogram buckets.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels,
                       std::vector<double> buckets);

  // Runs at the start of every render(), for values only known at scrape time
  // (consumer lag, due jobs). Collectors may create and update instruments. One that
  // throws is logged and skipped so a single bad collector cannot blank the scrape.
  void add_collector(std::function<void()> fn);

  // Reads a family back (the status page shows what /metrics exposes): each child's
  // labels (sorted by name) and value, without creating anything or running collectors.
  // A histogram's value is its observation count. Empty for a name never registered.
  std::vector<std::pair<Labels, double>> values(const std::string& name);

  // Prometheus text exposition format 0.0.4; families sorted by name, children by
  // label values, so the output is stable and diffable.
  std::string render();

 private:
  enum class Kind;
  struct Family;
  // Finds or creates the family and checks that this registration agrees with it.
  Family& family(const std::string& name, const std::string& help, Kind kind, const Labels& labels,
                 const std::vector<double>* buckets);

  std::mutex mu_;  // guards families_ and collectors_
  std::map<std::string, std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
  std::mutex render_mu_;  // one render at a time, so collectors never race each other
};

// Exposed for tests and for callers that build names from config.
bool is_valid_metric_name(const std::string& name);
bool is_valid_label_name(const std::string& name);
// Prometheus number syntax: integers without exponent, +Inf, -Inf, NaN.
std::string format_metric_value(double v);

}  // namespace renkei
