#include "renkei/history/history_query.hpp"

#include <algorithm>
#include <chrono>

#include "renkei/catalogue/model.hpp"
#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {

namespace {

std::optional<int64_t> digits(std::string_view v, std::size_t max_len) {
  if (v.empty() || v.size() > max_len || v.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  int64_t n = 0;
  for (char c : v) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

std::expected<HistoryQuery, std::string> parse_history_query(std::string_view q) {
  HistoryQuery out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    // An empty value is no filter (what an HTML form sends for a field left blank).
    if (value.empty()) continue;
    if (key == "interface") {
      auto n = digits(value, 3);
      if (!n || *n < 1) return std::unexpected("interface must be an interface id (1-999)");
      out.filter.interface = static_cast<int>(*n);
    } else if (key == "from" || key == "to") {
      if (!parse_date(value)) return std::unexpected(std::string(key) + " must be a date YYYY-MM-DD");
      (key == "from" ? out.filter.from : out.filter.to) = std::string(value);
    } else if (key == "outcome") {
      const auto& all = history_outcomes();
      if (std::find(all.begin(), all.end(), value) == all.end())
        return std::unexpected("outcome must be one of succeeded, failed, missing, delivered, held, delivered-before");
      out.filter.outcome = std::string(value);
    } else if (key == "kind") {
      auto k = parse_history_kind(value);
      if (!k) return std::unexpected("kind must be run or batch");
      out.filter.kind = *k;
    } else if (key == "before") {
      auto n = digits(value, 18);
      if (!n) return std::unexpected("before must be an offset (a number)");
      out.before = *n;
    } else if (key == "limit") {
      auto n = digits(value, 5);
      if (!n || *n < 1 || *n > 1000) return std::unexpected("limit must be 1-1000");
      out.limit = static_cast<std::size_t>(*n);
    } else if (key == "format") {
      // The console's CSV link; the API ignores it.
    } else {
      return std::unexpected("unknown parameter (expected interface, from, to, outcome, kind, before, limit)");
    }
  }
  if (out.filter.from && out.filter.to && *out.filter.from > *out.filter.to)
    return std::unexpected("from is after to");
  return out;
}

std::string history_query_string(const HistoryFilter& f) {
  std::string q;
  auto add = [&](std::string_view k, const std::string& v) {
    q += q.empty() ? "" : "&";
    q += k;
    q += '=';
    q += v;
  };
  if (f.interface) add("interface", std::to_string(*f.interface));
  if (f.from) add("from", *f.from);
  if (f.to) add("to", *f.to);
  if (f.outcome) add("outcome", *f.outcome);
  if (f.kind) add("kind", std::string(to_string(*f.kind)));
  return q;
}

nlohmann::ordered_json to_api_json(const HistoryEntry& e) {
  auto when = [](std::int64_t ms) {
    if (ms <= 0) return nlohmann::ordered_json(nullptr);
    return nlohmann::ordered_json(format_tokyo(std::chrono::sys_seconds(std::chrono::seconds(ms / 1000))));
  };
  auto opt = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s); };
  nlohmann::ordered_json j{{"kind", std::string(to_string(e.kind))},
                           {"interface", interface_label(e.interface)},
                           {"business_date", opt(e.business_date)},
                           {"run_id", opt(e.run_id)},
                           {"batch_id", opt(e.batch_id)},
                           {"file", opt(e.file)},
                           {"files", e.files},
                           {"records", e.records},
                           {"bytes", e.bytes},
                           {"sha256", opt(e.sha256)},
                           {"outcome", e.outcome},
                           {"reason", opt(e.reason)},
                           {"started_at", when(e.started_ms)},
                           {"finished_at", when(e.finished_ms)},
                           {"operator", opt(e.operator_name)},
                           {"trigger", opt(e.trigger)},
                           {"hub", opt(e.hub)}};
  nlohmann::ordered_json hooks = nlohmann::ordered_json::array();
  for (const auto& h : e.hooks)
    hooks.push_back({{"stage", h.stage}, {"outcome", h.outcome}, {"reason", h.reason}, {"output", h.output},
                     {"truncated", h.truncated}, {"took_ms", h.took_ms}});
  j["hooks"] = std::move(hooks);
  return j;
}

}  // namespace renkei
