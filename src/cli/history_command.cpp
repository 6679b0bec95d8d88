#include "history_command.hpp"

#include <nlohmann/json.hpp>

#include "renkei/outside_value.hpp"
#include "report.hpp"

namespace renkei::cli {

namespace {

// The hub's answer is outside input to this terminal: a control byte in a reason or a
// file name must not move the cursor or retitle the window.
std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "-";
  return escape_for_log(it->get<std::string>());
}

unsigned long long count_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<unsigned long long>() : 0ULL;
}

}  // namespace

void print_history_line(const nlohmann::json& e, std::ostream& out) {
  const bool run = text_of(e, "kind") == "run";
  out << text_of(e, "finished_at") << "  " << text_of(e, "interface") << "  " << (run ? "run  " : "batch") << "  "
      << text_of(e, "outcome") << "  " << (run ? text_of(e, "run_id") : text_of(e, "file")) << "  "
      << count_of(e, "records") << " records";
  if (!run) out << "  " << count_of(e, "bytes") << " bytes  sha256 " << text_of(e, "sha256");
  if (e.contains("operator") && e["operator"].is_string()) out << "  by " << text_of(e, "operator");
  if (e.contains("reason") && e["reason"].is_string()) out << "  (" << text_of(e, "reason") << ")";
  out << "\n";
}

int cmd_history(const ApiTarget& target, const HistoryArgs& a, std::ostream& out, std::ostream& err) {
  auto r = resolve_api(target, "history", err);
  if (!r) return kInvalid;
  // The values were checked by the argument parser; the hub checks them again.
  std::string filter;
  auto add = [&](const char* k, const std::string& v) { filter += std::string("&") + k + "=" + v; };
  if (a.interface) add("interface", std::to_string(*a.interface));
  if (a.from) add("from", *a.from);
  if (a.to) add("to", *a.to);
  if (a.outcome) add("outcome", *a.outcome);
  if (a.kind) add("kind", *a.kind);
  auto entries = nlohmann::json::array();
  std::optional<long long> before;
  for (int pages = 0; static_cast<int>(entries.size()) < a.limit && pages < 100000; ++pages) {
    const int want = std::min(1000, a.limit - static_cast<int>(entries.size()));
    std::string q = "/api/v1/history?limit=" + std::to_string(want) + filter;
    if (before) q += "&before=" + std::to_string(*before);
    auto res = api_call(r->api, "GET", q, r->token, "", operator_name());
    if (!res) {
      err << "renkeictl history: " << res.error() << "\n";
      return kInvalid;
    }
    auto body = nlohmann::json::parse(res->body, nullptr, false);
    if (res->status != 200) {
      err << "renkeictl history: HTTP " << res->status << ": "
          << (body.is_object() && body.contains("error") && body["error"].is_string() ? body["error"].get<std::string>()
                                                                                       : res->body)
          << "\n";
      return kInvalid;
    }
    if (!body.is_object() || !body.contains("entries") || !body["entries"].is_array()) {
      err << "renkeictl history: the hub's answer is not a history page\n";
      return kInvalid;
    }
    for (auto& e : body["entries"]) entries.push_back(std::move(e));
    const auto& next = body["next"];
    if (!next.is_object() || !next.contains("before") || !next["before"].is_number_integer()) break;
    before = next["before"].get<long long>();
  }
  if (a.json) {
    out << nlohmann::json{{"entries", entries}}.dump(2) << "\n";
    return kOk;
  }
  if (entries.empty()) out << "no history entries match\n";
  for (const auto& e : entries) print_history_line(e, out);
  return kOk;
}

}  // namespace renkei::cli
