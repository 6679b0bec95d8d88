#include "renkei/metrics.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <variant>

namespace renkei {
namespace {

bool is_name_char(char c, bool first, bool allow_colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return allow_colon;
  return !first && c >= '0' && c <= '9';
}

bool matches_name(const std::string& s, bool allow_colon) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_name_char(s[i], i == 0, allow_colon)) return false;
  return true;
}

std::vector<double> normalise_bounds(std::vector<double> bounds) {
  if (!bounds.empty() && bounds.back() == std::numeric_limits<double>::infinity()) bounds.pop_back();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]))
      throw std::invalid_argument("histogram bucket bounds must be finite (+Inf is implicit)");
    if (i > 0 && !(bounds[i - 1] < bounds[i]))
      throw std::invalid_argument("histogram bucket bounds must be strictly increasing");
  }
  return bounds;
}

// Sorted by label name, so {a,b} and {b,a} address the same child.
Labels normalise_labels(const std::string& metric, Labels labels, bool histogram) {
  for (const auto& [k, v] : labels) {
    if (!is_valid_label_name(k))
      throw std::invalid_argument("metric " + metric + ": invalid label name '" + k + "'");
    // `le` is how the exposition format encodes bucket bounds; a user label would clash.
    if (histogram && k == "le")
      throw std::invalid_argument("metric " + metric + ": label 'le' is reserved for histograms");
  }
  std::sort(labels.begin(), labels.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < labels.size(); ++i)
    if (labels[i - 1].first == labels[i].first)
      throw std::invalid_argument("metric " + metric + ": duplicate label '" + labels[i].first + "'");
  return labels;
}

std::vector<std::string> label_names(const Labels& labels) {
  std::vector<std::string> names;
  names.reserve(labels.size());
  for (const auto& kv : labels) names.push_back(kv.first);
  return names;
}

std::string escape_help(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_label_value(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// `extra` is the histogram's `le`, which goes last as other clients put it.
std::string render_labels(const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && !extra) return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (extra) add(extra->first, extra->second);
  out += '}';
  return out;
}

void sample(std::string& out, const std::string& name, const std::string& labels, double v) {
  out += name;
  out += labels;
  out += ' ';
  out += format_metric_value(v);
  out += '\n';
}

}  // namespace

bool is_valid_metric_name(const std::string& name) { return matches_name(name, true); }

// The exposition format allows no colon in label names (colons are for recording rules),
// and names starting with `__` are reserved for Prometheus itself.
bool is_valid_label_name(const std::string& name) {
  return matches_name(name, false) && name.rfind("__", 0) != 0;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Exact integers print as such (counts, timestamps); beyond 2^53 doubles are not exact
  // integers any more and the shortest round-trip form is the honest one.
  constexpr double kExactIntLimit = 9007199254740992.0;
  if (v == std::floor(v) && std::fabs(v) < kExactIntLimit)
    return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

void Counter::inc(double v) {
  if (!(v >= 0)) throw std::invalid_argument("counter increment must be >= 0");
  value_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(normalise_bounds(std::move(bounds))),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) {
  // NaN compares false with every bound; like client_golang it lands in +Inf only.
  std::size_t i = std::isnan(v)
                      ? bounds_.size()
                      : static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                                 bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

// Derived from the buckets rather than kept apart, so _count always equals the +Inf
// bucket even while observe() runs concurrently with a scrape.
std::uint64_t Histogram::count() const { return cumulative_counts().back(); }

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

enum class MetricsRegistry::Kind { counter, gauge, histogram };

struct MetricsRegistry::Family {
  Kind kind;
  std::string help;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // histograms only
  // Node-based map of unique_ptrs: handed-out references survive later insertions.
  using Child = std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>>;
  std::map<Labels, Child> children;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

namespace {
const char* kind_name(int k) {
  static const char* names[] = {"counter", "gauge", "histogram"};
  return names[k];
}
}  // namespace

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& help, Kind kind,
                                                 const Labels& labels, const std::vector<double>* bounds) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto f = std::make_unique<Family>();
    f->kind = kind;
    f->help = help;
    f->label_names = label_names(labels);
    if (bounds) f->bounds = *bounds;
    return *families_.emplace(name, std::move(f)).first->second;
  }
  Family& f = *it->second;
  auto clash = [&](const std::string& what) {
    return std::logic_error("metric " + name + " registered again with a different " + what);
  };
  if (f.kind != kind)
    throw std::logic_error("metric " + name + " registered as " + kind_name(static_cast<int>(f.kind)) +
                           " and as " + kind_name(static_cast<int>(kind)));
  if (f.help != help) throw clash("help text");
  // Children of one family with different label names would make every sum() wrong.
  if (f.label_names != label_names(labels)) throw clash("set of label names");
  if (bounds && f.bounds != *bounds) throw clash("bucket layout");
  return f;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  if (!is_valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
  Labels norm = normalise_labels(name, labels, false);
  std::lock_guard lock(mu_);
  Family& f = family(name, help, Kind::counter, norm, nullptr);
  auto [it, inserted] = f.children.try_emplace(std::move(norm), std::unique_ptr<Counter>());
  if (inserted) it->second = std::make_unique<Counter>();
  return *std::get<std::unique_ptr<Counter>>(it->second);
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  if (!is_valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
  Labels norm = normalise_labels(name, labels, false);
  std::lock_guard lock(mu_);
  Family& f = family(name, help, Kind::gauge, norm, nullptr);
  auto [it, inserted] = f.children.try_emplace(std::move(norm), std::unique_ptr<Gauge>());
  if (inserted) it->second = std::make_unique<Gauge>();
  return *std::get<std::unique_ptr<Gauge>>(it->second);
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, const Labels& labels,
                                      std::vector<double> buckets) {
  if (!is_valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
  Labels norm = normalise_labels(name, labels, true);
  std::vector<double> bounds = normalise_bounds(std::move(buckets));
  std::lock_guard lock(mu_);
  Family& f = family(name, help, Kind::histogram, norm, &bounds);
  auto [it, inserted] = f.children.try_emplace(std::move(norm), std::unique_ptr<Histogram>());
  if (inserted) it->second = std::make_unique<Histogram>(bounds);
  return *std::get<std::unique_ptr<Histogram>>(it->second);
}

void MetricsRegistry::add_collector(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(fn));
}

std::vector<std::pair<Labels, double>> MetricsRegistry::values(const std::string& name) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<Labels, double>> out;
  auto it = families_.find(name);
  if (it == families_.end()) return out;
  out.reserve(it->second->children.size());
  for (const auto& [labels, child] : it->second->children) {
    double v = 0;
    if (auto* c = std::get_if<std::unique_ptr<Counter>>(&child)) v = (*c)->value();
    else if (auto* g = std::get_if<std::unique_ptr<Gauge>>(&child)) v = (*g)->value();
    else v = static_cast<double>(std::get<std::unique_ptr<Histogram>>(child)->count());
    out.emplace_back(labels, v);
  }
  return out;
}

std::string MetricsRegistry::render() {
  std::lock_guard render_lock(render_mu_);
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  // Outside mu_: collectors update gauges through this registry.
  for (auto& c : collectors) {
    try {
      c();
    } catch (const std::exception& e) {
      spdlog::warn("metrics collector failed: {}", e.what());
    } catch (...) {
      spdlog::warn("metrics collector failed with a non-standard exception");
    }
  }

  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + ' ' + escape_help(f->help) + '\n';
    out += "# TYPE " + name + ' ' + kind_name(static_cast<int>(f->kind)) + '\n';
    for (const auto& [labels, child] : f->children) {
      std::string ls = render_labels(labels);
      if (auto* c = std::get_if<std::unique_ptr<Counter>>(&child)) {
        sample(out, name, ls, (*c)->value());
      } else if (auto* g = std::get_if<std::unique_ptr<Gauge>>(&child)) {
        sample(out, name, ls, (*g)->value());
      } else {
        const Histogram& h = *std::get<std::unique_ptr<Histogram>>(child);
        auto cum = h.cumulative_counts();
        for (std::size_t i = 0; i < cum.size(); ++i) {
          std::pair<std::string, std::string> le{
              "le", i < h.bounds().size() ? format_metric_value(h.bounds()[i]) : "+Inf"};
          sample(out, name + "_bucket", render_labels(labels, &le), static_cast<double>(cum[i]));
        }
        sample(out, name + "_sum", ls, h.sum());
        sample(out, name + "_count", ls, static_cast<double>(cum.back()));
      }
    }
  }
  return out;
}

}  // namespace renkei
