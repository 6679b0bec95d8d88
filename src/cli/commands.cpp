#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <chrono>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>
#include <ostream>

#include "renkei/adapter_spec.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/catalogue/catalogue_json.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/catalogue/route_yaml.hpp"
#include "renkei/catalogue/seed.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/people/user_directory.hpp"
#include "renkei/scheduler/calendar_config.hpp"
#include "renkei/scheduler/date_text.hpp"
#include "api_client.hpp"
#include "calendar_command.hpp"
#include "history_command.hpp"
#include "convert_command.hpp"
#include "report.hpp"
#include "run_command.hpp"
#include "user_command.hpp"

namespace renkei::cli {
namespace {


// A path as the admin would type it from here: relative when below the working directory.
std::string shown_path(const std::string& absolute) {
  std::error_code ec;
  auto rel = std::filesystem::relative(absolute, ec);
  if (ec || rel.empty() || rel.string().starts_with("..")) return absolute;
  return rel.string();
}

int cmd_validate(const std::string& config, std::ostream& out, std::ostream& err) {
  auto cat = load_catalogue(config);
  if (!cat) return report(cat.error(), err);
  auto maps = load_codemaps(**cat);
  if (!maps) return report(maps.error(), err);
  const auto& c = **cat;
  if (auto cal = load_calendar_options(c.hub.calendar_dir, shown_path(c.hub.calendar_dir)); !cal)
    return report(cal.error(), err);
  auto people = load_user_directory(c.hub.users_file, shown_path(c.hub.users_file));
  if (!people) return report(people.error(), err);
  std::map<std::string_view, int> timings;
  int manual = 0;
  for (const auto& r : c.routes) {
    ++timings[to_string(r.timing)];
    manual += r.method == Method::Manual;
  }
  out << config << ": valid: " << c.systems.size() << " systems, " << c.routes.size()
      << " routes (" << manual << " manual;";
  for (auto t : timing_names()) out << " " << t << " " << timings[t];
  out << "), " << c.layouts.size() << " layouts, " << (*maps)->gaiji.size() << " gaiji tables, "
      << (*maps)->profiles.size() << " profiles, " << people->users.size()
      << (people->users.size() == 1 ? " person" : " people") << ", bus "
      << (c.hub.bus.brokers.empty() ? "embedded (not durable)" : c.hub.bus.brokers) << "\n";
  return kOk;
}

int cmd_interfaces(const std::string& config, bool json, std::ostream& out, std::ostream& err) {
  auto cat = load_catalogue(config);
  if (!cat) return report(cat.error(), err);
  if (json) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& r : (*cat)->routes) arr.push_back(route_json(r));
    out << arr.dump(2) << "\n";
    return kOk;
  }
  out << "ID   METHOD  TIMING    CONVERSION       FROM → TO  NAME\n";
  for (const auto& r : (*cat)->routes) {
    out << std::setw(3) << std::setfill('0') << r.id << std::setfill(' ') << "  " << std::left
        << std::setw(8) << to_string(r.method) << std::setw(10) << to_string(r.timing)
        << std::setw(17) << r.conversion << std::right << r.from << " → " << r.to;
    if (r.via) out << " (via " << *r.via << ")";
    out << "  " << r.name << "\n";
  }
  return kOk;
}

int cmd_systems(const std::string& config, bool json, std::ostream& out, std::ostream& err) {
  auto cat = load_catalogue(config);
  if (!cat) return report(cat.error(), err);
  const auto& c = **cat;
  if (json) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& s : c.systems) arr.push_back(system_json(c, s));
    out << arr.dump(2) << "\n";
    return kOk;
  }
  out << "ID                          KIND  OUT  IN  NAME\n";
  for (const auto& s : c.systems) {
    out << std::left << std::setw(28) << s.id << std::setw(6) << s.adapter.kind << std::right
        << std::setw(3) << c.routes_from(s.id).size() << std::setw(4) << c.routes_to(s.id).size()
        << "  " << s.name;
    // A hop's relayed routes are not its own: shown apart so OUT/IN keep their meaning.
    auto relay_out = c.routes_relayed_by(s.id, RouteEnd::From), relay_in = c.routes_relayed_by(s.id, RouteEnd::To);
    if (!relay_out.empty() || !relay_in.empty())
      out << "  (relays " << relay_out.size() << " out, " << relay_in.size() << " in)";
    out << "\n";
  }
  return kOk;
}

int cmd_import_seed(const std::string& config, const std::string& file, const std::string& output,
                    std::ostream& out, std::ostream& err) {
  auto systems = load_systems(config);
  if (!systems) return report(systems.error(), err);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << file << ": cannot open file\n";
    return kInvalid;
  }
  Diagnostics diags;
  auto seed = parse_seed(in, file, diags);
  SystemIndex index(systems->systems, diags);
  auto routes = import_routes(seed, index, diags);
  if (!diags.empty()) return report(diags, err);
  auto yaml = routes_to_yaml(routes, std::filesystem::path(file).filename().string());
  if (output.empty() || output == "-") {
    out << yaml;
  } else if (auto w = write_file_atomically(output, yaml); !w) {
    err << w.error() << "\n";
    return kInvalid;
  }
  return kOk;
}

int cmd_adapter_kinds(bool json, std::ostream& out) {
  if (json) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& k : adapter_kinds()) {
      nlohmann::ordered_json kj{{"kind", k.kind}, {"doc", k.doc}, {"options", nlohmann::ordered_json::array()}};
      for (const auto& o : k.options) {
        nlohmann::ordered_json oj{{"name", o.name}, {"type", to_string(o.type)}, {"doc", o.doc}};
        oj["default"] = o.default_value ? nlohmann::ordered_json(*o.default_value) : nullptr;
        if (!o.values.empty()) oj["values"] = o.values;
        if (o.range) oj["range"] = {o.range->first, o.range->second};
        kj["options"].push_back(oj);
      }
      arr.push_back(kj);
    }
    out << arr.dump(2) << "\n";
    return kOk;
  }
  for (const auto& k : adapter_kinds()) {
    out << k.kind << ": " << k.doc << "\n";
    for (const auto& o : k.options) {
      out << "  " << o.name << " (" << to_string(o.type);
      if (!o.values.empty()) {
        out << ":";
        for (const auto& v : o.values) out << " " << v;
      }
      if (o.range) out << " " << o.range->first << ".." << o.range->second;
      out << ")";
      if (o.default_value) out << " default " << *o.default_value;
      out << "\n      " << o.doc << "\n";
    }
  }
  return kOk;
}

// Which page(s) `dlq list` asks for: given --partition/--from/--limit, that one page;
// else every page of every partition, followed by the `next` cursor.
struct DlqPaging {
  std::optional<int> partition;
  std::optional<long long> from;
  std::optional<int> limit;
  bool all = false;  // also the dead letters replayed already
  bool one_page() const { return partition || from || limit; }
};

// dlq list/replay: through the daemon's API, the address and token from the config
// unless given. Both need the token (every /api/v1 call does).
int cmd_dlq(const std::string& config, const std::string& action, int id, const DlqPaging& paging, std::string api,
            std::string token_file, std::ostream& out, std::ostream& err) {
  ApiEndpoint endpoint{api};
  const bool needs_config = api.empty() || token_file.empty();
  // An https address given by hand still takes the hub's certificate from the config.
  if (needs_config || api.starts_with("https://")) {
    auto cat = load_catalogue(config);
    if (!cat && needs_config) return report(cat.error(), err);
    if (cat) {
      endpoint = endpoint_of((*cat)->hub.http, api);
      if (token_file.empty()) token_file = (*cat)->hub.auth_token_file;
    }
  }
  std::string token;
  {
    std::ifstream in(token_file);
    if (!in || !std::getline(in, token) || token.empty()) {
      err << "renkeictl dlq " << action << ": cannot read the API token from " << token_file << "\n";
      return kInvalid;
    }
  }
  auto call = [&](const std::string& method, const std::string& target) -> std::optional<std::string> {
    auto r = api_call(endpoint, method, target, token, "", operator_name());
    if (!r) {
      err << "renkeictl dlq " << action << ": " << r.error() << "\n";
      return std::nullopt;
    }
    if (r->status != 200) {
      err << "renkeictl dlq " << action << ": HTTP " << r->status << ": " << r->body;
      return std::nullopt;
    }
    return r->body;
  };
  const std::string base = "/api/v1/dlq/" + std::to_string(id);
  if (action == "replay") {
    // The hub replays what one request's time allows and says whether it is complete;
    // ask again until it is (each answer's records are committed already).
    long long replayed = 0, chunks = 0;
    for (int calls = 1;; ++calls) {
      auto body = call("POST", base + "/replay");
      if (!body) {
        if (replayed > 0) err << "renkeictl dlq replay: " << replayed << " replayed before this request\n";
        return kInvalid;
      }
      auto j = nlohmann::json::parse(*body, nullptr, false);
      if (!j.is_object() || !j.contains("replayed") || !j["replayed"].is_number_integer() ||
          !j.value("complete", nlohmann::json(true)).is_boolean()) {
        err << "renkeictl dlq replay: the hub's answer is not a replay result\n";
        return kInvalid;
      }
      replayed += j["replayed"].get<long long>();
      chunks += j.value("chunks", 0LL);
      if (j.value("complete", true) || calls >= 100000) {
        j["replayed"] = replayed;
        j["chunks"] = chunks;
        j["requests"] = calls;
        out << j.dump() << "\n";
        return j.value("complete", true) ? kOk : kInvalid;
      }
      if (j.value("replayed", 0LL) == 0) {
        err << "renkeictl dlq replay: the hub replayed nothing in a request and is not complete\n";
        return kInvalid;
      }
    }
  }
  int partition = paging.partition.value_or(0);
  // No offset: the hub starts each partition where replay has come (or at 0 with --all).
  std::optional<long long> from = paging.from;
  const int limit = paging.limit.value_or(1000);
  auto page_target = [&] {
    return base + "?partition=" + std::to_string(partition) + (from ? "&from=" + std::to_string(*from) : "") +
           "&limit=" + std::to_string(limit) + (paging.all ? "&all=1" : "");
  };
  if (paging.one_page()) {
    auto body = call("GET", page_target());
    if (!body) return kInvalid;
    out << *body;
    return kOk;
  }
  // Every page, merged into one listing; the hub holds one page at a time, and so
  // does this loop apart from the entries it prints.
  nlohmann::json merged;
  auto entries = nlohmann::json::array();
  for (int pages = 0; pages < 100000; ++pages) {
    auto body = call("GET", page_target());
    if (!body) return kInvalid;
    auto j = nlohmann::json::parse(*body, nullptr, false);
    if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array()) {
      err << "renkeictl dlq list: the hub's answer is not a DLQ page\n";
      return kInvalid;
    }
    if (merged.is_null()) merged = {{"interface", j.value("interface", id)}, {"topic", j.value("topic", "")},
                                    {"partitions", j.value("partitions", 1)}};
    for (auto& e : j["entries"]) entries.push_back(std::move(e));
    const auto& next = j["next"];
    if (!next.is_object()) break;
    partition = next.value("partition", partition);
    from = next.value("from", 0LL);
  }
  merged["entries"] = std::move(entries);
  out << merged.dump(2) << "\n";
  return kOk;
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"renkeictl: inspect and check the renkei integration hub's configuration"};
  app.set_version_flag("--version", std::string("renkeictl ") + RENKEI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // --config may stand before or after the subcommand
  std::string config = "config";
  app.add_option("--config", config, "Config directory, or its hub.yaml")->capture_default_str();

  bool json = false;
  auto* validate = app.add_subcommand("validate", "Check config/ and report every problem as file:line: message");
  auto* interfaces = app.add_subcommand("interfaces", "List the interfaces (routes)");
  interfaces->add_flag("--json", json, "Print a JSON array (the contract of ARCHITECTURE §4)");
  auto* systems = app.add_subcommand("systems", "List the systems with their adapters and routes");
  systems->add_flag("--json", json, "Print a JSON array");
  std::string seed_file, output;
  auto* import = app.add_subcommand("import-seed", "Turn the 連携一覧 TSV into route YAML (stdout by default)");
  import->add_option("FILE", seed_file, "The 連携一覧 as tab-separated UTF-8 text")->required();
  import->add_option("-o,--output", output, "Write here instead of stdout (atomically)");
  auto* kinds = app.add_subcommand("adapter-kinds", "Print every adapter kind's options (types, defaults, docs)");
  kinds->add_flag("--json", json, "Print a JSON array");

  ConvertOptions conv_opts;
  auto* convert = app.add_subcommand("convert", "Run the conversion stage offline on a file of records");
  convert->add_option("--profile", conv_opts.profile, "jukinet, utf8, none or a codemaps/profiles name");
  convert->add_option("--from", conv_opts.from, "Source charset (exact ICU name); overrides the route's");
  convert->add_option("--to", conv_opts.to, "Target charset (exact ICU name); overrides the route's");
  convert->add_option("--route", conv_opts.route, "Take charsets, layout and tables from this route")
      ->check(CLI::Range(1, 999));
  convert->add_option("--errors", conv_opts.errors_file, "Collect every error in this file instead of stopping");
  convert->add_option("IN", conv_opts.in, "Input file, one record per line")->required();
  convert->add_option("OUT", conv_opts.out, "Output file (written atomically)")->required();
  auto* codemap = app.add_subcommand("codemap", "Codemap tools");
  codemap->require_subcommand(1);
  std::string mj_file, mj_out;
  auto* import_mj = codemap->add_subcommand(
      "import-mj", "Read the MJ文字情報一覧表 (CSV/TSV, UTF-8) and write the 住基ネット統一文字 table");
  import_mj->add_option("FILE", mj_file, "The 一覧表 as published (header row with its column names)")->required();
  import_mj->add_option("-o,--output", mj_out, "Write here (atomically) instead of stdout, e.g. codemaps/jukinet/unified.tsv");
  std::string shrink_file, shrink_out;
  auto* import_shrink = codemap->add_subcommand(
      "import-mj-shrink", "Read the MJ縮退マップ (JSON as published) and write a shrink table with its schemes and ranks");
  import_shrink->add_option("FILE", shrink_file, "The 縮退マップ JSON (MJShrinkMap…json)")->required();
  import_shrink->add_option("-o,--output", shrink_out, "Write here (atomically) instead of stdout, e.g. codemaps/shrink/mj.tsv");

  auto* dlq = app.add_subcommand("dlq", "Dead letters of a route, through the running daemon's API");
  dlq->require_subcommand(1);
  int dlq_id = 0;
  bool dlq_all = false;
  DlqPaging paging;
  std::string api, token_file;
  double timeout_s = 60;
  auto* dlq_list = dlq->add_subcommand("list", "Dead letters of a route (positions, reasons; never contents; needs the token)");
  dlq_list->add_option("N", dlq_id, "Interface (route) id")->required()->check(CLI::Range(1, 999));
  dlq_list->add_flag("--all", dlq_all, "Also the dead letters replayed already (default: those still waiting)");
  dlq_list->add_option("--partition", paging.partition, "Only this partition's page (default: all, page by page)")
      ->check(CLI::Range(0, 999));
  dlq_list->add_option("--from", paging.from, "Only the page from this offset")->check(CLI::Range(0LL, 1LL << 62));
  dlq_list->add_option("--limit", paging.limit, "Entries per page (the hub's maximum is 1000)")
      ->check(CLI::Range(1, 1000));
  auto* dlq_replay = dlq->add_subcommand("replay", "Put the route's dead letters back on its topic (needs the token)");
  dlq_replay->add_option("N", dlq_id, "Interface (route) id")->required()->check(CLI::Range(1, 999));
  int run_id = 0;
  std::optional<std::string> run_date;
  bool run_no_wait = false;
  std::string ack_run;
  auto* run_cmd = app.add_subcommand("run", "Run a route now for a business date (manual rows; needs the token)");
  run_cmd->add_option("N", run_id, "Interface (route) id")->required()->check(CLI::Range(1, 999));
  run_cmd->add_option("--date", run_date, "Business date YYYY-MM-DD (default: the route's current due date, else today)");
  run_cmd->add_flag("--no-wait", run_no_wait, "Return once the run has started");
  auto* ack_cmd = app.add_subcommand("ack", "Acknowledge a manual run's hand-off (needs the token)");
  ack_cmd->add_option("N", run_id, "Interface (route) id")->required()->check(CLI::Range(1, 999));
  ack_cmd->add_option("RUN", ack_run, "Run id (009-20261125) or business date")->required();
  HistoryArgs hist;
  auto* history_cmd = app.add_subcommand("history", "転送履歴: runs and batches, newest first (needs a token)");
  history_cmd->add_option("--interface", hist.interface, "Only this interface (route) id")->check(CLI::Range(1, 999));
  auto date_check = CLI::Validator(
      [](std::string& v) { return parse_date(v) ? std::string() : std::string("expected a date YYYY-MM-DD"); }, "DATE");
  history_cmd->add_option("--from", hist.from, "From this date (business date, else the day it finished)")
      ->check(date_check);
  history_cmd->add_option("--to", hist.to, "Up to this date, inclusive")->check(date_check);
  history_cmd->add_option("--outcome", hist.outcome, "Only this outcome")
      ->check(CLI::IsMember({"succeeded", "failed", "missing", "delivered", "held", "delivered-before"}));
  history_cmd->add_option("--kind", hist.kind, "Only runs or only batches")->check(CLI::IsMember({"run", "batch"}));
  history_cmd->add_option("--limit", hist.limit, "Entries in all (default 50)")->check(CLI::Range(1, 1000000));
  history_cmd->add_flag("--json", hist.json, "Print a JSON object {entries: [...]}");
  CalendarQuery cal_query;
  auto* calendar = app.add_subcommand(
      "calendar", "Every non-business day with its reason, and business days per month (the scheduler's calendar)");
  calendar->add_option("YEAR", cal_query.year, "A whole year (default: this year in Asia/Tokyo)")
      ->check(CLI::Range(1900, 2999));
  calendar->add_option("--from", cal_query.from, "First day, YYYY-MM-DD (with --to)");
  calendar->add_option("--to", cal_query.to, "Last day, YYYY-MM-DD (with --from)");
  calendar->add_flag("--json", cal_query.json, "Print a JSON object");
  UserRequest ur;
  auto* user = app.add_subcommand("user", "People in users.yaml: login names, roles, Argon2id password hashes");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Add a person (the password is asked twice, or read from --password-file)");
  auto* user_passwd = user->add_subcommand("passwd", "Set a person's password");
  auto* user_role = user->add_subcommand("set-role", "Change a person's role");
  auto* user_remove = user->add_subcommand("remove", "Remove a person and their tokens");
  auto* user_list = user->add_subcommand("list", "List people: name, role, whether a password is set, tokens (never hashes)");
  user_list->add_flag("--json", ur.json, "Print a JSON array");
  for (auto* c : {user_add, user_passwd, user_role, user_remove})
    c->add_option("NAME", ur.name, "Login name: a-z first, then a-z 0-9 . _ - (at most 32)")->required();
  user_add->add_option("--role", ur.role, "viewer, operator or admin")->required();
  user_role->add_option("ROLE", ur.role, "viewer, operator or admin")->required();
  user_add->add_option("--display-name", ur.display_name, "The name the console shows, e.g. 田中 花子");
  user_add->add_flag("--no-password", ur.no_password, "No password: this person uses personal tokens only");
  for (auto* c : {user_add, user_passwd})
    c->add_option("--password-file", ur.password_file, "Read the password from this file's first line, not a prompt");
  auto* token = app.add_subcommand("token", "Personal API tokens (stored as SHA-256 hashes in users.yaml)");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "Make a token for a person; it is shown once");
  auto* token_list = token->add_subcommand("list", "A person's tokens: id, created, label");
  auto* token_revoke = token->add_subcommand("revoke", "Revoke one of a person's tokens by its id");
  for (auto* c : {token_create, token_list, token_revoke}) c->add_option("NAME", ur.name, "Login name")->required();
  token_revoke->add_option("ID", ur.token_id, "The token's id (16 hex, from `token list`)")->required();
  token_create->add_option("--label", ur.label, "What the token is for, e.g. the laptop it lives on");
  token_create->add_option("-o,--output", ur.output, "Write the token to this file (mode 0600) instead of stdout");

  for (auto* c : {dlq_list, dlq_replay, run_cmd, ack_cmd, history_cmd}) {
    c->add_option("--api", api, "renkeid's admin address, e.g. http://127.0.0.1:9464 or https://… (default: http.listen, https with http.tls)");
    c->add_option("--token-file", token_file, "Bearer token file (default: auth.token_file)");
    c->add_option("--timeout", timeout_s, "Seconds to wait for each answer of renkeid (default 60)")
        ->check(CLI::Range(0.1, 3600.0));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    app.exit(e, out, err);
    return kOk;
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kUsage;
  }

  set_api_timeout(std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000)));
  paging.all = dlq_all;
  if (*validate) return cmd_validate(config, out, err);
  if (*interfaces) return cmd_interfaces(config, json, out, err);
  if (*systems) return cmd_systems(config, json, out, err);
  if (*import) return cmd_import_seed(config, seed_file, output, out, err);
  if (*kinds) return cmd_adapter_kinds(json, out);
  if (*convert) {
    conv_opts.config = config;
    return cmd_convert(conv_opts, out, err);
  }
  if (*import_mj) return cmd_codemap_import_mj(mj_file, mj_out, out, err);
  if (*import_shrink) return cmd_codemap_import_mj_shrink(shrink_file, shrink_out, out, err);
  if (*calendar) return cmd_calendar(config, cal_query, out, err);
  ur.config = config;
  for (auto [sub, action] : {std::pair{user_add, "add"}, {user_passwd, "passwd"}, {user_role, "set-role"},
                             {user_remove, "remove"}, {user_list, "list"}, {token_create, "token-create"},
                             {token_list, "token-list"}, {token_revoke, "token-revoke"}})
    if (*sub) {
      ur.action = action;
      return cmd_user(ur, out, err);
    }
  if (*run_cmd) return cmd_run({config, api, token_file}, run_id, run_date, !run_no_wait, out, err);
  if (*ack_cmd) return cmd_ack({config, api, token_file}, run_id, ack_run, out, err);
  if (*history_cmd) return cmd_history({config, api, token_file}, hist, out, err);
  if (*dlq_list) return cmd_dlq(config, "list", dlq_id, paging, api, token_file, out, err);
  if (*dlq_replay) return cmd_dlq(config, "replay", dlq_id, {}, api, token_file, out, err);
  return kUsage;
}

}  // namespace renkei::cli
