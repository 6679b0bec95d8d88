#include "run_command.hpp"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api_client.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "report.hpp"

namespace renkei::cli {

namespace {

}  // namespace

std::optional<ResolvedApi> resolve_api(const ApiTarget& t, const char* what, std::ostream& err) {
  ResolvedApi r{ApiEndpoint{t.api}, ""};
  std::string token_file = t.token_file;
  const bool needs_config = r.api.base.empty() || token_file.empty();
  // An https address given by hand still takes the hub's certificate from the config.
  if (needs_config || t.api.starts_with("https://")) {
    auto cat = load_catalogue(t.config);
    if (!cat && needs_config) {
      report(cat.error(), err);
      return std::nullopt;
    }
    if (cat) {
      r.api = endpoint_of((*cat)->hub.http, t.api);
      if (token_file.empty()) token_file = (*cat)->hub.auth_token_file;
    }
  }
  std::ifstream in(token_file);
  if (!in || !std::getline(in, r.token) || r.token.empty()) {
    err << "renkeictl " << what << ": cannot read the API token from " << token_file << "\n";
    return std::nullopt;
  }
  return r;
}

namespace {

int print_run(const nlohmann::json& body, std::ostream& out) {
  const auto& run = body.contains("run") ? body["run"] : body;
  out << run.value("id", "?") << " " << run.value("state", "?") << " (business date " << run.value("business_date", "?")
      << ", " << run.value("files", 0) << " files, " << run.value("records", 0) << " records)";
  if (body.value("already", false)) out << " — already done before; nothing delivered twice";
  if (!run.value("detail", std::string()).empty()) out << ": " << run.value("detail", std::string());
  out << "\n";
  const auto state = run.value("state", std::string());
  return state == "succeeded" || state == "running" ? kOk : kInvalid;
}

}  // namespace

int cmd_run(const ApiTarget& target, int route, const std::optional<std::string>& date, bool wait,
            std::ostream& out, std::ostream& err) {
  auto r = resolve_api(target, "run", err);
  if (!r) return kInvalid;
  nlohmann::json req{{"operator", operator_name()}};
  if (date) req["date"] = *date;
  auto res = api_call(r->api, "POST", "/api/v1/interfaces/" + std::to_string(route) + "/run", r->token, req.dump(),
                      operator_name());
  if (!res) {
    err << "renkeictl run: " << res.error() << "\n";
    return kInvalid;
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 && res->status != 202) {
    err << "renkeictl run: HTTP " << res->status << ": "
        << (body.is_object() && body.contains("error") ? body["error"].get<std::string>() : res->body) << "\n";
    return kInvalid;
  }
  if (!body.is_object() || !body.contains("run")) {
    err << "renkeictl run: unexpected answer: " << res->body << "\n";
    return kInvalid;
  }
  std::string id = body["run"].value("id", "");
  if (!wait || body["run"].value("state", "") != "running") return print_run(body, out);
  out << id << " running…\n";
  // The hub finishes the run on its scheduler thread; its state is on renkei.state.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto list = api_call(r->api, "GET", "/api/v1/interfaces/" + std::to_string(route) + "/runs", r->token);
    if (!list || list->status != 200) continue;
    auto lj = nlohmann::json::parse(list->body, nullptr, false);
    if (!lj.is_object() || !lj.contains("runs")) continue;
    for (const auto& run : lj["runs"])
      if (run.value("id", "") == id && run.value("state", "") != "running") return print_run(run, out);
  }
  err << "renkeictl run: " << id << " still running after 10 minutes; see `GET /api/v1/interfaces/" << route
      << "/runs`\n";
  return kInvalid;
}

int cmd_ack(const ApiTarget& target, int route, const std::string& run, std::ostream& out, std::ostream& err) {
  auto r = resolve_api(target, "ack", err);
  if (!r) return kInvalid;
  nlohmann::json req{{"operator", operator_name()}, {"run", run}};
  auto res = api_call(r->api, "POST", "/api/v1/interfaces/" + std::to_string(route) + "/ack", r->token, req.dump(),
                      operator_name());
  if (!res) {
    err << "renkeictl ack: " << res.error() << "\n";
    return kInvalid;
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    err << "renkeictl ack: HTTP " << res->status << ": "
        << (body.is_object() && body.contains("error") ? body["error"].get<std::string>() : res->body) << "\n";
    return kInvalid;
  }
  const auto& j = body["run"];
  out << j.value("id", "?") << " acknowledged by " << j.value("acked_by", "?") << " at " << j.value("acked_at", "?") << "\n";
  return kOk;
}

}  // namespace renkei::cli
