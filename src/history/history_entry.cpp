#include "renkei/history/history_entry.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "renkei/catalogue/model.hpp"
#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {

namespace {

using nlohmann::json;

constexpr std::string_view kRunOutcomes[] = {"succeeded", "failed", "missing"};
constexpr std::string_view kBatchOutcomes[] = {"delivered", "held", "delivered-before"};
constexpr std::size_t kMaxText = 4096;      // reason, names
constexpr std::size_t kMaxOutput = 70'000;  // a hook's bounded output, escaped

bool one_of(std::string_view v, std::span<const std::string_view> set) {
  for (auto s : set)
    if (s == v) return true;
  return false;
}

// A string member, bounded; absent is empty. nullopt when present but not a string.
std::optional<std::string> text(const json& j, const char* key, std::size_t max = kMaxText) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  auto s = it->get<std::string>();
  if (s.size() > max) return std::nullopt;
  return s;
}

std::optional<std::uint64_t> count(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) return std::nullopt;
  return it->get<std::uint64_t>();
}

std::optional<std::int64_t> millis(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_integer()) return std::nullopt;
  auto v = it->get<std::int64_t>();
  // Up to the year 9999: a time past it is nobody's, and would overflow on display.
  if (v < 0 || v > 253'402'300'799'999) return std::nullopt;
  return v;
}

bool hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// What the reader accepts, cut at a UTF-8 boundary when longer: an entry is never written
// that its own reader would refuse.
std::string bounded(const std::string& s, std::size_t max = kMaxText) {
  if (s.size() <= max) return s;
  std::size_t n = max - 3;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

std::string csv_field(std::string_view v) {
  std::string out = "\"";
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    out += '\'';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string tokyo_ms(std::int64_t ms) {
  if (ms <= 0) return "";
  return format_tokyo(std::chrono::sys_seconds(std::chrono::seconds(ms / 1000)));
}

}  // namespace

std::string_view to_string(HistoryKind k) { return k == HistoryKind::Run ? "run" : "batch"; }

std::optional<HistoryKind> parse_history_kind(std::string_view s) {
  if (s == "run") return HistoryKind::Run;
  if (s == "batch") return HistoryKind::Batch;
  return std::nullopt;
}

const std::vector<std::string_view>& history_outcomes() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> v(std::begin(kRunOutcomes), std::end(kRunOutcomes));
    v.insert(v.end(), std::begin(kBatchOutcomes), std::end(kBatchOutcomes));
    return v;
  }();
  return all;
}

std::string HistoryEntry::date() const {
  if (!business_date.empty()) return business_date;
  if (finished_ms <= 0) return "";
  return to_string(AsiaTokyo::date_of(std::chrono::sys_seconds(std::chrono::seconds(finished_ms / 1000))));
}

std::string to_json(const HistoryEntry& e) {
  json j;
  j["v"] = 1;
  j["kind"] = to_string(e.kind);
  j["interface"] = interface_label(e.interface);
  if (!e.business_date.empty()) j["business_date"] = e.business_date;
  if (!e.run_id.empty()) j["run_id"] = e.run_id;
  if (!e.batch_id.empty()) j["batch_id"] = e.batch_id;
  if (!e.file.empty()) j["file"] = bounded(e.file);
  if (e.kind == HistoryKind::Run) j["files"] = e.files;
  j["records"] = e.records;
  if (e.kind == HistoryKind::Batch) j["bytes"] = e.bytes;
  if (!e.sha256.empty()) j["sha256"] = e.sha256;
  j["outcome"] = e.outcome;
  if (!e.reason.empty()) j["reason"] = bounded(e.reason);
  j["started_ms"] = e.started_ms;
  j["finished_ms"] = e.finished_ms;
  if (!e.operator_name.empty()) j["operator"] = bounded(e.operator_name);
  if (!e.trigger.empty()) j["trigger"] = bounded(e.trigger);
  if (!e.hub.empty()) j["hub"] = bounded(e.hub);
  if (!e.hooks.empty()) {
    json hooks = json::array();
    for (const auto& h : e.hooks)
      hooks.push_back({{"stage", bounded(h.stage)}, {"outcome", bounded(h.outcome)}, {"reason", bounded(h.reason)},
                       {"output", bounded(h.output, kMaxOutput)},
                       {"truncated", h.truncated}, {"took_ms", h.took_ms}});
    j["hooks"] = std::move(hooks);
  }
  // Replaced, never thrown: a name is a SpoolName (valid UTF-8), hook output is escaped,
  // but the entry must be written whatever slipped through.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<HistoryEntry> history_entry_from_json(std::string_view input) {
  json j = json::parse(input, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  if (auto v = j.find("v"); v == j.end() || !v->is_number_integer() || v->get<int>() != 1) return std::nullopt;
  HistoryEntry e;
  auto kind = text(j, "kind");
  if (!kind) return std::nullopt;
  auto k = parse_history_kind(*kind);
  if (!k) return std::nullopt;
  e.kind = *k;
  auto iface = text(j, "interface");
  if (!iface || iface->size() != 3) return std::nullopt;
  int id = 0;
  for (char c : *iface) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id <= 0) return std::nullopt;
  e.interface = id;
  auto date = text(j, "business_date");
  if (!date || (!date->empty() && !parse_date(*date))) return std::nullopt;
  e.business_date = *date;
  auto outcome = text(j, "outcome");
  if (!outcome) return std::nullopt;
  if (e.kind == HistoryKind::Run ? !one_of(*outcome, kRunOutcomes) : !one_of(*outcome, kBatchOutcomes))
    return std::nullopt;
  e.outcome = *outcome;
  auto sha = text(j, "sha256");
  if (!sha || (!sha->empty() && !hex64(*sha))) return std::nullopt;
  e.sha256 = *sha;
  struct Field {
    const char* key;
    std::string* into;
  };
  for (auto [key, into] : {Field{"run_id", &e.run_id}, Field{"batch_id", &e.batch_id}, Field{"file", &e.file},
                           Field{"reason", &e.reason}, Field{"operator", &e.operator_name},
                           Field{"trigger", &e.trigger}, Field{"hub", &e.hub}}) {
    auto v = text(j, key);
    if (!v) return std::nullopt;
    *into = std::move(*v);
  }
  auto files = count(j, "files");
  auto records = count(j, "records");
  auto bytes = count(j, "bytes");
  auto started = millis(j, "started_ms");
  auto finished = millis(j, "finished_ms");
  if (!files || !records || !bytes || !started || !finished) return std::nullopt;
  e.files = *files;
  e.records = *records;
  e.bytes = *bytes;
  e.started_ms = *started;
  e.finished_ms = *finished;
  if (auto h = j.find("hooks"); h != j.end()) {
    if (!h->is_array() || h->size() > 8) return std::nullopt;
    for (const auto& item : *h) {
      if (!item.is_object()) return std::nullopt;
      HookNote n;
      auto stage = text(item, "stage");
      auto out = text(item, "outcome");
      auto reason = text(item, "reason");
      auto output = text(item, "output", kMaxOutput);
      auto took = millis(item, "took_ms");
      auto tr = item.find("truncated");
      if (!stage || !out || !reason || !output || !took || (tr != item.end() && !tr->is_boolean())) return std::nullopt;
      n.stage = *stage;
      n.outcome = *out;
      n.reason = *reason;
      n.output = *output;
      n.took_ms = *took;
      n.truncated = tr != item.end() && tr->get<bool>();
      e.hooks.push_back(std::move(n));
    }
  }
  return e;
}

bool HistoryFilter::matches(const HistoryEntry& e) const {
  if (interface && e.interface != *interface) return false;
  if (kind && e.kind != *kind) return false;
  if (outcome && e.outcome != *outcome) return false;
  if (from || to) {
    // YYYY-MM-DD compares as text in date order.
    const std::string d = e.date();
    if (d.empty()) return false;
    if (from && d < *from) return false;
    if (to && d > *to) return false;
  }
  return true;
}

std::string history_csv_header() {
  return "\xEF\xBB\xBF"
         "種別,インタフェース,業務日付,実行ID,バッチID,ファイル名,件数,バイト数,SHA-256,結果,理由,開始,終了,操作者\r\n";
}

std::string history_csv_row(const HistoryEntry& e) {
  const std::string fields[] = {std::string(e.kind == HistoryKind::Run ? "実行" : "バッチ"),
                                interface_label(e.interface),
                                e.business_date,
                                e.run_id,
                                e.batch_id,
                                e.file,
                                std::to_string(e.records),
                                e.kind == HistoryKind::Batch ? std::to_string(e.bytes) : std::string(),
                                e.sha256,
                                e.outcome,
                                e.reason,
                                tokyo_ms(e.started_ms),
                                tokyo_ms(e.finished_ms),
                                e.operator_name};
  std::string row;
  for (const auto& f : fields) {
    if (!row.empty()) row += ',';
    row += csv_field(f);
  }
  row += "\r\n";
  return row;
}

}  // namespace renkei
