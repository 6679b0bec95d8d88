#include "renkei/catalogue/config_loader.hpp"
#include "renkei/catalogue/file_date.hpp"
#include "notify_check.hpp"
#include "notify_template.hpp"
#include "renkei/text.hpp"

#include <charconv>
#include <unicode/timezone.h>
#include <unicode/ucnv.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <functional>
#include <set>

#include "renkei/adapter_spec.hpp"
#include "renkei/catalogue/business_day_spec.hpp"
#include "renkei/catalogue/cron_expr.hpp"
#include "renkei/catalogue/layout_loader.hpp"
#include "renkei/catalogue/system_index.hpp"
#include "renkei/catalogue/topic_name.hpp"
#include "yaml_reader.hpp"

namespace fs = std::filesystem;

namespace renkei {

const SystemDef* Catalogue::system(const std::string& id) const {
  for (const auto& s : systems)
    if (s.id == id) return &s;
  return nullptr;
}

const LayoutDef* Catalogue::layout_of(const RouteDef& r) const {
  if (r.layout) return layout(*r.layout);
  const SystemDef* s = system(r.from);
  return s && s->layout ? layout(*s->layout) : nullptr;
}

std::string to_string(const Deadline& d) {
  char buf[16];
  if (d.relative) std::snprintf(buf, sizeof buf, "+%dm", d.minutes);
  else std::snprintf(buf, sizeof buf, "%02d:%02d", d.minutes / 60, d.minutes % 60);
  return buf;
}

const RouteDef* Catalogue::route(int id) const {
  auto it = std::lower_bound(routes.begin(), routes.end(), id,
                             [](const RouteDef& r, int v) { return r.id < v; });
  return it != routes.end() && it->id == id ? &*it : nullptr;
}

std::vector<const RouteDef*> Catalogue::routes_from(const std::string& system_id) const {
  std::vector<const RouteDef*> out;
  for (const auto& r : routes)
    if (r.from == system_id) out.push_back(&r);
  return out;
}

std::vector<const RouteDef*> Catalogue::routes_to(const std::string& system_id) const {
  std::vector<const RouteDef*> out;
  for (const auto& r : routes)
    if (r.to == system_id) out.push_back(&r);
  return out;
}

std::vector<const RouteDef*> Catalogue::routes_collected_by(const std::string& system_id) const {
  std::vector<const RouteDef*> out;
  for (const auto& r : routes)
    if (source_carrier(r) == system_id) out.push_back(&r);
  return out;
}

std::vector<const RouteDef*> Catalogue::routes_delivered_by(const std::string& system_id) const {
  std::vector<const RouteDef*> out;
  for (const auto& r : routes)
    if (target_carrier(r) == system_id) out.push_back(&r);
  return out;
}

std::vector<const RouteDef*> Catalogue::routes_relayed_by(const std::string& system_id, RouteEnd end) const {
  auto out = end == RouteEnd::From ? routes_collected_by(system_id) : routes_delivered_by(system_id);
  std::erase_if(out, [&](const RouteDef* r) { return r->from == system_id || r->to == system_id; });
  return out;
}

namespace {

constexpr std::array<std::string_view, 5> kLogLevels{"trace", "debug", "info", "warn", "error"};
const std::set<std::string> kMedia{"usb"};
constexpr std::string_view kCollectModes[] = {"at-run", "on-arrival"};
constexpr std::string_view kRouteEnds[] = {"from", "to"};

std::optional<RouteEnd> parse_route_end(std::string_view v) {
  if (v == "from") return RouteEnd::From;
  if (v == "to") return RouteEnd::To;
  return std::nullopt;
}

std::optional<CollectMode> parse_collect_mode(std::string_view v) {
  if (v == "at-run") return CollectMode::AtRun;
  if (v == "on-arrival") return CollectMode::OnArrival;
  return std::nullopt;
}

// "09:00" (a time of day) or "+90m" / "+2h" (a delay after the run, at most a week).
std::optional<Deadline> parse_deadline(std::string_view v) {
  auto number = [](std::string_view t) -> std::optional<int> {
    int n = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (t.empty() || ec != std::errc{} || p != t.data() + t.size()) return std::nullopt;
    return n;
  };
  if (v.starts_with('+') && v.size() >= 3) {
    auto n = number(v.substr(1, v.size() - 2));
    int unit = v.back() == 'm' ? 1 : v.back() == 'h' ? 60 : 0;
    if (!n || unit == 0 || *n <= 0 || *n * unit > 7 * 24 * 60) return std::nullopt;
    return Deadline{true, *n * unit};
  }
  if (v.size() == 5 && v[2] == ':') {
    auto h = number(v.substr(0, 2)), m = number(v.substr(3, 2));
    if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
    return Deadline{false, *h * 60 + *m};
  }
  return std::nullopt;
}

bool is_system_id(std::string_view s) {
  if (s.empty() || s.size() > 40 || !(s.front() >= 'a' && s.front() <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool charset_known(const std::string& name) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* c = ucnv_open(name.c_str(), &status);
  // An alias several converters answer to (Shift_JIS, ibm-943) is refused; the exact name
  // ICU resolves it to is accepted even when ICU flags that name as well.
  UErrorCode name_status = U_ZERO_ERROR;
  const bool exact = c && name == ucnv_getName(c, &name_status);
  if (c) ucnv_close(c);
  return U_SUCCESS(status) && (status != U_AMBIGUOUS_ALIAS_WARNING || exact);
}

// "table:<name>": a table charset for a vendor host code (codemaps/charsets/<name>.yaml,
// checked and loaded with the codemaps).
bool table_charset_name(const std::string& name) {
  if (!name.starts_with("table:") || name.size() == 6 || name.size() > 6 + 64) return false;
  for (char c : name.substr(6))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

bool timezone_known(const std::string& tz) {
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(tz)));
  icu::UnicodeString id;
  return zone && zone->getID(id) != icu::UnicodeString("Etc/Unknown");
}

std::optional<std::string> check_listen(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return "expected host:port";
  auto port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
      std::stoi(port) > 65535)
    return "port '" + port + "' is not a number from 0 to 65535";
  return std::nullopt;
}

// Turns user paths into absolute ones, and names files in messages as the user would.
class ConfigPaths {
 public:
  explicit ConfigPaths(const std::string& config) {
    fs::path p(config);
    // error_code forms throughout: a looping or unreadable path is reported when hub.yaml
    // is read, never thrown from here.
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      shown_dir_ = p;
      hub_file_ = p / "hub.yaml";
    } else {
      shown_dir_ = p.parent_path();
      hub_file_ = p;
    }
    // A bare file name has no parent: the working directory holds it.
    dir_ = fs::absolute(shown_dir_.empty() ? fs::path(".") : shown_dir_, ec).lexically_normal();
    if (dir_.empty()) dir_ = shown_dir_;
  }
  std::string hub_file() const { return hub_file_.string(); }
  std::string dir() const { return dir_.string(); }
  std::string absolute(const std::string& p) const {
    return fs::path(p).is_absolute() ? p : (dir_ / p).lexically_normal().string();
  }
  std::string shown(const std::string& p) const {
    return fs::path(p).is_absolute() ? p : (shown_dir_ / p).lexically_normal().string();
  }

 private:
  fs::path shown_dir_;
  fs::path hub_file_;
  fs::path dir_;
};

class Loader {
 public:
  explicit Loader(const std::string& config) : paths_(config) {}

  bool load_hub() {
    const auto shown = paths_.hub_file();
    auto doc = load_yaml_file(shown, shown, diags_);
    if (!doc) return false;
    auto& h = cat_.hub;
    h.config_dir = paths_.dir();
    MapReader top(*doc, shown, "hub.yaml", diags_);
    if (!top.is_map()) return false;

    std::string systems = "systems.yaml", routes = "routes.yaml", layouts = "layouts", codemaps = "../codemaps";
    if (auto n = top.map("hub")) {
      MapReader m(*n, shown, "hub", diags_);
      if (auto v = m.str("name")) h.name = *v;
      if (auto v = m.str("timezone")) {
        if (timezone_known(*v)) h.timezone = *v;
        else m.error("timezone", "unknown time zone '" + *v + "'");
      }
      if (auto v = m.integer("stop_timeout_s", Need::Optional, 1, 3600)) h.stop_timeout_s = static_cast<int>(*v);
      m.finish();
    }
    if (auto n = top.map("catalogue")) {
      MapReader m(*n, shown, "catalogue", diags_);
      if (auto v = m.str("systems")) systems = *v;
      if (auto v = m.str("routes")) routes = *v;
      if (auto v = m.str("layouts")) layouts = *v;
      if (auto v = m.str("codemaps")) codemaps = *v;
      m.finish();
    }
    h.layouts_dir = paths_.absolute(layouts);
    layouts_shown_ = paths_.shown(layouts);
    h.codemaps_dir = paths_.absolute(codemaps);

    h.systems_file = paths_.absolute(systems);
    systems_shown_ = paths_.shown(systems);
    h.routes_path = paths_.absolute(routes);
    routes_shown_ = paths_.shown(routes);
    if (auto n = top.map("bus")) {
      MapReader m(*n, shown, "bus", diags_);
      if (auto v = m.str("brokers")) h.bus.brokers = *v;
      if (auto v = m.integer("partitions", Need::Optional, 1, 1000)) h.bus.partitions = static_cast<int>(*v);
      if (auto v = m.integer("replication_factor", Need::Optional, 1, 10))
        h.bus.replication_factor = static_cast<int>(*v);
      if (auto v = m.str("group_id")) h.bus.group_id = *v;
      if (auto v = m.str("client_id")) h.bus.client_id = *v;
      if (auto v = m.str("instance_id")) h.bus.instance_id = *v;
      if (auto v = m.integer("batch_timeout_ms", Need::Optional, 1000, 7LL * 24 * 3600 * 1000))
        h.bus.batch_timeout = std::chrono::milliseconds(*v);
      if (auto sec = m.map("security")) read_bus_security(*sec, shown, h.bus);
      if (auto mem = m.map("memory")) read_bus_memory(*mem, shown, h.bus.memory);
      m.finish();
    }
    if (auto n = top.map("http")) {
      MapReader m(*n, shown, "http", diags_);
      if (auto v = m.str("listen")) {
        if (auto err = check_listen(*v)) m.error("listen", *err);
        else h.http.listen = *v;
      }
      if (auto v = m.integer("max_connections", Need::Optional, 1, 10000)) h.http.max_connections = static_cast<int>(*v);
      if (auto tls = m.map("tls")) {
        MapReader t(*tls, shown, "http: tls", diags_);
        auto cert = t.str("cert_file", Need::Required);
        auto key = t.str("key_file", Need::Required);
        if (cert && key) {
          h.http.tls_cert_file = paths_.absolute(*cert);
          h.http.tls_key_file = paths_.absolute(*key);
        }
        t.finish();
      }
      m.finish();
    }
    h.spool_root = paths_.absolute(read_path(top, shown, "spool", "root", "../var/spool"));
    h.state_dir = paths_.absolute(read_path(top, shown, "state", "dir", "../var/state"));
    h.users_file = paths_.absolute("users.yaml");
    if (auto n = top.map("auth")) {
      MapReader m(*n, shown, "auth", diags_);
      if (auto v = m.str("token_file")) h.auth_token_file = paths_.absolute(*v);
      if (auto v = m.str("users_file")) h.users_file = paths_.absolute(*v);
      m.finish();
    }
    h.calendar_dir = paths_.absolute(read_path(top, shown, "calendar", "dir", "calendar"));
    // The audit trail sits beside the rest of the hub's state unless put elsewhere.
    h.audit_file = paths_.absolute(read_path(top, shown, "audit", "file", (fs::path(h.state_dir) / "audit.log").string()));
    if (auto n = top.map("console")) {
      MapReader m(*n, shown, "console", diags_);
      if (auto v = m.integer("session_idle_s", Need::Optional, 10, 86400)) h.console.session_idle_s = static_cast<int>(*v);
      if (auto v = m.integer("login_max_failures", Need::Optional, 1, 100)) h.console.login_max_failures = static_cast<int>(*v);
      if (auto v = m.integer("lockout_s", Need::Optional, 1, 86400)) h.console.lockout_s = static_cast<int>(*v);
      m.finish();
    }
    if (auto n = top.map("notify")) read_notify(*n, shown, h);
    if (auto n = top.map("history")) {
      MapReader m(*n, shown, "history", diags_);
      if (auto v = m.integer("retention_days", Need::Optional, 1, 36500)) h.history.retention_days = static_cast<int>(*v);
      m.finish();
    }
    if (auto n = top.map("scheduler")) {
      MapReader m(*n, shown, "scheduler", diags_);
      if (auto c = m.enumeration<CollectMode>("collect", Need::Optional, parse_collect_mode, kCollectModes))
        h.scheduler.collect = *c;
      m.finish();
    }
    if (auto n = top.map("log")) {
      MapReader m(*n, shown, "log", diags_);
      if (auto v = m.str("level")) {
        if (std::find(kLogLevels.begin(), kLogLevels.end(), *v) == kLogLevels.end())
          m.error("level", "unknown value '" + *v + "' (expected one of trace, debug, info, warn, error)");
        else h.log_level = *v;
      }
      m.finish();
    }
    top.finish();
    return true;
  }

  void load_systems() {
    auto doc = load_yaml_file(cat_.hub.systems_file, systems_shown_, diags_);
    if (!doc) return;
    MapReader top(*doc, systems_shown_, "systems.yaml", diags_);
    auto list = top.sequence("systems", Need::Required);
    top.finish();
    if (!list) return;
    std::map<std::string, int> first_line;
    for (const auto& item : *list) {
      auto s = parse_system(item);
      if (!s) {
        if (item.IsMap() && item["id"] && item["id"].IsScalar()) failed_systems_.insert(item["id"].Scalar());
        continue;
      }
      auto [it, inserted] = first_line.emplace(s->id, s->where.line);
      if (!inserted) {
        diags_.error(systems_shown_, s->where.line,
                     "system '" + s->id + "': duplicate id (first defined on line " +
                         std::to_string(it->second) + ")");
        continue;
      }
      cat_.systems.push_back(std::move(*s));
    }
    systems_ok_ = true;
  }

  void load_routes() {
    std::vector<std::pair<std::string, std::string>> files;  // absolute, shown
    std::error_code ec;
    // A routes path that cannot be examined (a symlink loop) is read as a file, and the
    // read reports why it cannot be.
    if (fs::is_directory(cat_.hub.routes_path, ec)) {
      for (const auto& p : list_config_dir(cat_.hub.routes_path, routes_shown_, ".yaml", diags_))
        files.emplace_back(p.string(), (fs::path(routes_shown_) / p.filename()).string());
    } else {
      files.emplace_back(cat_.hub.routes_path, routes_shown_);
    }
    for (const auto& [abs, shown] : files) {
      auto doc = load_yaml_file(abs, shown, diags_);
      if (!doc) continue;
      MapReader top(*doc, shown, fs::path(shown).filename().string(), diags_);
      auto list = top.sequence("routes", Need::Required);
      top.finish();
      if (!list) continue;
      for (const auto& item : *list)
        if (auto r = parse_route(item, shown)) cat_.routes.push_back(std::move(*r));
    }
    std::stable_sort(cat_.routes.begin(), cat_.routes.end(),
                     [](const RouteDef& a, const RouteDef& b) { return a.id < b.id; });
  }

  void load_layouts() { load_layout_dir(cat_.hub.layouts_dir, layouts_shown_, cat_.layouts, diags_); }

  // Checks that need every file read: references, uniqueness across files.
  void cross_check() {
    auto check_layout = [&](const std::optional<std::string>& name, const SourceRef& where, const std::string& what) {
      if (name && !cat_.layouts.contains(*name))
        diags_.error(where.file, where.line_of("layout"),
                     what + ": unknown layout '" + *name + "' (no " + layouts_shown_ + "/" + *name + ".yaml)");
    };
    for (const auto& s : cat_.systems) check_layout(s.layout, s.where, "system '" + s.id + "'");
    for (const auto& r : cat_.routes) check_layout(r.layout, r.where, "route " + std::to_string(r.id));
    if (!systems_ok_) return;  // its errors are reported; references would only echo them
    for (const auto& s : cat_.systems)
      if (const AdapterKindSpec* spec = find_adapter_kind(s.adapter.kind); spec && spec->check)
        if (auto problem = spec->check(s, cat_))
          diags_.error(s.where.file, s.where.line_of("adapter"), "system '" + s.id + "': adapter: " + *problem);
    SystemIndex index(cat_.systems, diags_);
    std::map<int, const RouteDef*> ids;
    std::map<std::string, const RouteDef*> topics;
    for (const auto& r : cat_.routes) {
      auto at = [&](const std::string& field, const std::string& msg) {
        diags_.error(r.where.file, r.where.line_of(field), "route " + std::to_string(r.id) + ": " + msg);
      };
      if (auto [it, inserted] = ids.emplace(r.id, &r); !inserted)
        at("id", "duplicate id (also at " + it->second->where.file + ":" +
                     std::to_string(it->second->where.line) + ")");
      if (auto [it, inserted] = topics.emplace(r.topic, &r); !inserted)
        at("topic", "topic '" + r.topic + "' is already used by route " + std::to_string(it->second->id));
      // A system that failed to load has its own error already; do not echo it per route.
      auto check_system = [&](const std::string& field, const std::string& id) {
        if (index.by_id(id)) return true;
        if (failed_systems_.contains(id)) return false;
        std::string hint;
        if (auto* s = index.resolve(id)) hint = " (did you mean '" + s->id + "'?)";
        at(field, "field '" + field + "': unknown system '" + id + "'" + hint);
        return false;
      };
      bool from_ok = check_system("from", r.from);
      bool to_ok = check_system("to", r.to);
      if (from_ok && to_ok && r.from == r.to) at("to", "field 'to': same system as 'from'");
      if (r.via && check_system("via", *r.via) && (*r.via == r.from || *r.via == r.to))
        at("via", "field 'via': the hop '" + *r.via + "' is the route's own '" + (*r.via == r.from ? "from" : "to") +
                      "' system (a hop stands between the two)");
      if (from_ok && to_ok) {
        const auto& producer = r.listed.arrow == Arrow::Right ? r.listed.left : r.listed.right;
        const auto& consumer = r.listed.arrow == Arrow::Right ? r.listed.right : r.listed.left;
        if (producer != r.from || consumer != r.to)
          at("listed", "field 'listed': " + r.listed.left + " " + std::string(to_string(r.listed.arrow)) +
                           " " + r.listed.right + " does not match from '" + r.from + "' to '" + r.to + "'");
      }
    }
  }

  Diagnostics& diags() { return diags_; }
  Catalogue& catalogue() { return cat_; }

 private:
  // Only what a TLS/SASL connection needs passes: anything else could change delivery
  // guarantees (acks, idempotence) behind the hub's back.
  // notify: channels, templates and thresholds (README "Notifications"). Secrets are
  // files (bearer_token_file, password_file), resolved against the config directory.
  void read_notify(const YAML::Node& node, const std::string& shown, HubConfig& h) {
    MapReader m(node, shown, "notify", diags_);
    NotifyConfig& c = h.notify.channels;
    if (auto events = m.strings("events")) {
      for (const auto& e : *events) {
        if (auto ev = parse_notify_event(e)) c.events.push_back(*ev);
        else m.error("events", "unknown event '" + e + "' (expected run-failed, run-missing, dlq-growth, "
                                                      "manual-overdue, target-down, hook-failed)");
      }
    }
    if (auto v = m.integer("target_down_after_s", Need::Optional, 10, 86400 * 7))
      h.notify.target_down_after_s = static_cast<int>(*v);
    if (auto v = m.integer("dlq_check_s", Need::Optional, 5, 86400)) h.notify.dlq_check_s = static_cast<int>(*v);
    if (auto v = m.integer("max_attempts", Need::Optional, 1, 100)) c.max_attempts = static_cast<int>(*v);
    if (auto v = m.integer("first_backoff_ms", Need::Optional, 0, 3'600'000)) c.first_backoff = std::chrono::milliseconds(*v);
    if (auto v = m.integer("queue_limit", Need::Optional, 1, 100'000)) c.queue_limit = static_cast<std::size_t>(*v);
    auto each = [&](const char* key, const std::function<void(MapReader&)>& read) {
      auto list = m.sequence(key);
      if (!list) return;
      int i = 0;
      for (const auto& item : *list) {
        MapReader one(item, shown, "notify." + std::string(key) + "[" + std::to_string(i++) + "]", diags_);
        if (!one.is_map()) {
          one.error_here("expected a map");
          continue;
        }
        read(one);
        one.finish();
      }
    };
    each("webhooks", [&](MapReader& w) {
      WebhookChannel ch;
      if (auto v = w.str("name", Need::Required)) ch.name = *v;
      if (auto v = w.str("url", Need::Required)) ch.url = *v;
      if (auto v = w.str("bearer_token_file")) ch.bearer_token_file = paths_.absolute(*v);
      if (auto v = w.integer("timeout_ms", Need::Optional, 100, 600'000)) ch.timeout = std::chrono::milliseconds(*v);
      if (auto hdrs = w.map("headers"))
        for (const auto& kv : *hdrs) ch.headers.emplace_back(kv.first.as<std::string>(""), kv.second.as<std::string>(""));
      if (auto ok = check_webhook_channel(ch); !ok) w.error_here(ok.error());
      c.webhooks.push_back(std::move(ch));
    });
    each("mail", [&](MapReader& mm) {
      MailChannel ch;
      if (auto v = mm.str("name", Need::Required)) ch.name = *v;
      if (auto v = mm.str("url", Need::Required)) ch.url = *v;
      if (auto v = mm.boolean("starttls")) ch.starttls = *v;
      if (auto v = mm.str("from", Need::Required)) ch.from = *v;
      if (auto v = mm.strings("to", Need::Required)) ch.to = *v;
      if (auto v = mm.str("username")) ch.username = *v;
      if (auto v = mm.str("password_file")) ch.password_file = paths_.absolute(*v);
      if (auto v = mm.integer("timeout_ms", Need::Optional, 100, 600'000)) ch.timeout = std::chrono::milliseconds(*v);
      if (auto ok = check_mail_channel(ch); !ok) mm.error_here(ok.error());
      c.mails.push_back(std::move(ch));
    });
    if (auto t = m.map("templates")) {
      MapReader tm(*t, shown, "notify.templates", diags_);
      for (NotifyEvent e : all_notify_events) {
        auto one = tm.map(std::string(to_string(e)));
        if (!one) continue;
        MapReader om(*one, shown, "notify.templates." + std::string(to_string(e)), diags_);
        NotifyTemplate nt = default_template(e);
        if (auto v = om.str("subject")) nt.subject = *v;
        if (auto v = om.str("body")) nt.body = *v;
        for (const auto* text : {&nt.subject, &nt.body})
          if (auto ok = check_template(*text); !ok) om.error_here(ok.error());
        om.finish();
        c.templates[e] = std::move(nt);
      }
      tm.finish();
    }
    std::set<std::string> names;
    for (const auto& w : c.webhooks)
      if (!names.insert(w.name).second) m.error("webhooks", "channel name '" + w.name + "' is used twice");
    for (const auto& ml : c.mails)
      if (!names.insert(ml.name).second) m.error("mail", "channel name '" + ml.name + "' is used twice");
    m.finish();
  }

  void read_bus_memory(const YAML::Node& node, const std::string& shown, BusMemoryConfig& mem) {
    MapReader m(node, shown, "bus: memory", diags_);
    // Below these a record of the largest size the bus takes (1 MiB) could not pass.
    auto kib = [&](const char* name, int& field, long long min) {
      if (auto v = m.integer(name, Need::Optional, min, 4LL * 1024 * 1024)) field = static_cast<int>(*v);
    };
    kib("lane_queue_kib", mem.lane_queue_kib, 64);
    kib("consumer_prefetch_kib", mem.consumer_prefetch_kib, 1024);
    kib("fetch_max_kib", mem.fetch_max_kib, 1024);
    kib("partition_fetch_kib", mem.partition_fetch_kib, 1024);
    kib("producer_buffer_kib", mem.producer_buffer_kib, 4096);
    // At least one produce batch (batch.num.messages 10000), at most librdkafka's limit.
    if (auto v = m.integer("producer_buffer_records", Need::Optional, 10000, 10000000))
      mem.producer_buffer_records = static_cast<int>(*v);
    if (mem.partition_fetch_kib > mem.fetch_max_kib)
      m.error("partition_fetch_kib", "is larger than fetch_max_kib (" + std::to_string(mem.fetch_max_kib) + ")");
    m.finish();
  }

  void read_bus_security(const YAML::Node& node, const std::string& shown, BusConfig& bus) {
    if (!node.IsMap()) {
      diags_.error(shown, line_of(node), "bus: field 'security' must be a map of librdkafka settings");
      return;
    }
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const int line = line_of(kv.first);
      if (!kv.second.IsScalar()) {
        diags_.error(shown, line, "bus: security: field '" + key + "' must be a single value");
        continue;
      }
      const std::string value = kv.second.Scalar();
      if (key == "sasl.password") {
        diags_.error(shown, line, "bus: security: field 'sasl.password': keep the password out of hub.yaml; "
                                  "name a file holding it in sasl.password_file");
      } else if (key == "sasl.password_file") {
        bus.sasl_password_file = paths_.absolute(value);
      } else if (key == "security.protocol" || key.starts_with("ssl.") || key.starts_with("sasl.")) {
        bus.security.emplace_back(key, value);
      } else {
        diags_.error(shown, line, "bus: security: field '" + key +
                                      "' is not a TLS/SASL setting (security.protocol, ssl.*, sasl.*)");
      }
    }
  }

  std::string read_path(MapReader& top, const std::string& shown, const std::string& section,
                        const std::string& key, const std::string& fallback) {
    std::string out = fallback;
    if (auto n = top.map(section)) {
      MapReader m(*n, shown, section, diags_);
      if (auto v = m.str(key)) out = *v;
      m.finish();
    }
    return out;
  }

  std::optional<SystemDef> parse_system(const YAML::Node& node) {
    MapReader m(node, systems_shown_, "system", diags_);
    if (!m.is_map()) return std::nullopt;
    SystemDef s;
    s.where.file = systems_shown_;
    s.where.line = m.line();
    bool ok = true;
    auto id = m.str("id", Need::Required);
    if (id) m.rename("system '" + *id + "'");
    if (id && !is_system_id(*id)) {
      m.error("id", "'" + *id + "' is not a system id (lower-case ASCII letters, digits and '-', "
                                "starting with a letter, at most 40)");
      ok = false;
    }
    auto name = m.str("name", Need::Required);
    auto aliases = m.strings("aliases");
    auto charset = m.str("charset", Need::Required);
    if (charset && !charset_known(*charset) && !table_charset_name(*charset)) {
      m.error("charset", "unknown charset '" + *charset +
                                 "' (an ICU converter name such as ibm-943_P15A-2003 or UTF-8, or table:<name> for "
                                 "codemaps/charsets/<name>.yaml)");
      ok = false;
    }
    auto adapter = m.map("adapter");
    s.layout = m.str("layout");
    if (s.layout) s.where.field_lines["layout"] = m.line_of_key("layout");
    m.finish();
    if (!id || !name || !charset || !ok) return std::nullopt;
    s.id = *id;
    s.name = *name;
    if (aliases) s.aliases = *aliases;
    s.charset = *charset;
    if (!parse_adapter(adapter, s)) return std::nullopt;
    return s;
  }

  // A system without an adapter block gets the default: a file spool.
  bool parse_adapter(const std::optional<YAML::Node>& node, SystemDef& s) {
    s.adapter.kind = "file";
    std::map<std::string, std::pair<std::string, int>> given;  // option -> value, line
    std::string what = "system '" + s.id + "': adapter";
    int kind_line = s.where.line;
    if (node) {
      MapReader m(*node, systems_shown_, what, diags_);
      if (auto k = m.str("kind")) s.adapter.kind = *k;
      kind_line = m.line_of_key("kind");
      s.where.field_lines["adapter"] = kind_line;
      for (const auto& kv : *node) {
        auto key = kv.first.Scalar();
        if (key == "kind") continue;
        if (!kv.second.IsScalar()) {
          diags_.error(systems_shown_, line_of(kv.first), what + ": option '" + key + "': expected a single value");
          return false;
        }
        given[key] = {kv.second.Scalar(), line_of(kv.first)};
      }
    }
    const AdapterKindSpec* spec = find_adapter_kind(s.adapter.kind);
    if (!spec) {
      std::string kinds;
      for (const auto& k : adapter_kinds()) kinds += (kinds.empty() ? "" : ", ") + k.kind;
      diags_.error(systems_shown_, kind_line, what + ": unknown adapter kind '" + s.adapter.kind +
                                                  "' (registered kinds: " + kinds + ")");
      return false;
    }
    bool ok = true;
    for (const auto& [key, value_line] : given) {
      const OptionSpec* opt = spec->option(key);
      if (!opt) {
        diags_.error(systems_shown_, value_line.second,
                     what + ": unknown option '" + key + "' for kind '" + spec->kind + "'");
        ok = false;
      } else if (auto err = check_option_value(*opt, value_line.first)) {
        diags_.error(systems_shown_, value_line.second, what + ": option '" + key + "' " + *err);
        ok = false;
      }
    }
    for (const auto& opt : spec->options) {
      std::string value;
      if (auto it = given.find(opt.name); it != given.end()) value = it->second.first;
      else if (opt.default_value) value = expand(*opt.default_value, s.id);
      else continue;
      if (opt.type == OptionType::Path) value = paths_.absolute(value);
      s.adapter.settings[opt.name] = value;
    }
    return ok;
  }

  std::string expand(std::string v, const std::string& system_id) const {
    replace_all(v, "{spool}", cat_.hub.spool_root);
    replace_all(v, "{system}", system_id);
    return v;
  }

  std::optional<RouteDef> parse_route(const YAML::Node& node, const std::string& file) {
    MapReader m(node, file, "route", diags_);
    if (!m.is_map()) return std::nullopt;
    auto id = m.integer("id", Need::Required, 1, 999);
    std::string what = "route " + (id ? std::to_string(*id) : std::string("?"));
    m.rename(what);
    RouteDef r;
    r.where.file = file;
    r.where.line = m.line();
    bool ok = id.has_value();
    auto req_str = [&](const std::string& key, std::string& out) {
      if (auto v = m.str(key, Need::Required)) out = *v;
      else ok = false;
    };
    req_str("name", r.name);
    req_str("from", r.from);
    req_str("to", r.to);
    req_str("topic", r.topic);
    req_str("conversion", r.conversion);
    if (auto v = m.str("note")) r.note = *v;
    r.via = m.str("via");
    if (m.has("via_end")) {
      if (auto e = m.enumeration<RouteEnd>("via_end", Need::Optional, parse_route_end, kRouteEnds)) r.via_end = *e;
      else ok = false;
      if (!r.via) {
        m.error("via_end", "it says which end a 'via' hop carries, and this route has no 'via'");
        ok = false;
      }
    }
    r.medium = m.str("medium");
    r.layout = m.str("layout");
    if (r.layout) r.where.field_lines["layout"] = m.line_of_key("layout");
    if (r.medium && !kMedia.contains(*r.medium)) {
      m.error("medium", "unknown value '" + *r.medium + "' (expected one of usb)");
      ok = false;
    }
    auto method = m.enumeration<Method>("method", Need::Required, parse_method, method_names());
    auto timing = m.enumeration<Timing>("timing", Need::Required, parse_timing, timing_names());
    auto external = m.boolean("external", Need::Required);
    if (!method || !timing || !external) ok = false;
    if (!r.conversion.empty() && !is_valid_profile_name(r.conversion)) {
      m.error("conversion", "'" + r.conversion + "' is not a profile name (jukinet, utf8, none, or a "
                            "custom profile: lower-case letters, digits and '-')");
      ok = false;
    }
    if (!r.topic.empty()) {
      if (auto err = check_topic_name(r.topic)) {
        m.error("topic", *err);
        ok = false;
      } else if (r.topic.ends_with(".dlq") || r.topic == "renkei.state") {
        m.error("topic", "'" + r.topic + "' is reserved (dead-letter topics end in .dlq; renkei.state is the hub's)");
        ok = false;
      }
    }
    auto sched = m.map("schedule");
    if (timing) {
      if (is_scheduled(*timing) && !sched) {
        m.error_here("timing '" + std::string(to_string(*timing)) +
                     "' needs a schedule (schedule: {cron: \"0 22 * * *\", on_non_business_day: skip})");
        ok = false;
      } else if (!is_scheduled(*timing) && sched) {
        m.error("schedule", "only daily, monthly and yearly routes run on a schedule; this one is '" +
                                std::string(to_string(*timing)) + "'");
        ok = false;
      }
    }
    if (sched && !(r.schedule = parse_schedule(*sched, file, what))) ok = false;
    if (auto hooks = m.map("hooks")) {
      if (timing && !is_scheduled(*timing) && *timing != Timing::Adhoc && !(method && *method == Method::Manual)) {
        m.error("hooks", "hooks run around a route's runs; this route is '" + std::string(to_string(*timing)) +
                             "' and has none");
        ok = false;
      }
      MapReader hm(*hooks, file, what + ": hooks", diags_);
      for (auto [key, into] : {std::pair{"before", &r.hooks.before}, std::pair{"after_success", &r.hooks.after_success},
                               std::pair{"after_failure", &r.hooks.after_failure}}) {
        auto hook_node = hm.map(key);
        if (!hook_node) continue;
        MapReader one(*hook_node, file, what + ": hooks." + key, diags_);
        HookSpec spec;
        spec.line = hm.line_of_key(key);
        auto argv = one.strings("argv", Need::Required);
        if (auto t = one.integer("timeout_s", Need::Optional, 1, 86400)) spec.timeout_s = static_cast<int>(*t);
        one.finish();
        if (!argv) {
          ok = false;
          continue;
        }
        if (argv->empty() || argv->front().empty() || argv->front().front() != '/') {
          one.error("argv", "needs the program's absolute path first (no shell, no PATH search)");
          ok = false;
          continue;
        }
        bool clean = true;
        for (const auto& a : *argv) clean = clean && a.find('\0') == std::string::npos && a.size() <= 4096;
        if (!clean || argv->size() > 64) {
          one.error("argv", "at most 64 arguments of at most 4096 bytes, without NUL");
          ok = false;
          continue;
        }
        spec.argv = std::move(*argv);
        *into = std::move(spec);
      }
      hm.finish();
    }
    if (auto listed = m.map("listed")) {
      MapReader l(*listed, file, what + ": listed", diags_);
      auto left = l.str("left", Need::Required);
      auto right = l.str("right", Need::Required);
      auto arrow = l.enumeration<Arrow>("arrow", Need::Required, parse_arrow,
                                        std::array<std::string_view, 2>{"→", "←"});
      l.finish();
      if (!left || !right || !arrow) ok = false;
      else r.listed = {*left, *arrow, *right};
    } else {
      r.listed = {r.from, Arrow::Right, r.to};
    }
    if (auto seed = m.map("seed")) {
      MapReader sm(*seed, file, what + ": seed", diags_);
      SeedOrigin o;
      if (auto v = sm.str("file")) o.file = *v;
      if (auto v = sm.integer("line", Need::Optional, 1, 1'000'000)) o.line = static_cast<int>(*v);
      if (auto v = sm.str("text")) o.text = *v;
      sm.finish();
      r.seed = o;
    }
    for (const char* f : {"id", "from", "to", "via", "via_end", "topic", "listed", "schedule", "timing"})
      r.where.field_lines[f] = m.line_of_key(f);
    m.finish();
    if (!ok) return std::nullopt;
    r.id = static_cast<int>(*id);
    r.method = *method;
    r.timing = *timing;
    r.external = *external;
    return r;
  }

  std::optional<Schedule> parse_schedule(const YAML::Node& node, const std::string& file,
                                         const std::string& what) {
    MapReader m(node, file, what + ": schedule", diags_);
    Schedule s;
    bool ok = true;
    if (auto cron = m.str("cron", Need::Required)) {
      // "bd:…" is a business-day spec, which only lands on business days by itself.
      if (BusinessDaySpec::is_spec(*cron)) {
        if (auto e = BusinessDaySpec::parse(*cron); !e) {
          m.error("cron", e.error());
          ok = false;
        } else if (m.has("on_non_business_day")) {
          m.error("on_non_business_day", "a business-day schedule ('" + *cron +
                                             "') always lands on a business day; remove on_non_business_day");
          ok = false;
        }
      } else if (auto e = CronExpr::parse(*cron); !e) {
        m.error("cron", e.error());
        ok = false;
      }
      s.cron = *cron;
    } else {
      ok = false;
    }
    if (auto rule = m.enumeration<BusinessDayRule>("on_non_business_day", Need::Optional,
                                                   parse_business_day_rule, business_day_rule_names()))
      s.on_non_business_day = *rule;
    else if (m.has("on_non_business_day"))
      ok = false;
    if (auto d = m.str("deadline")) {
      if (auto parsed = parse_deadline(*d)) s.deadline = *parsed;
      else {
        m.error("deadline", "'" + *d + "' is not a deadline (expected a time of day \"09:00\" or a delay \"+90m\" / \"+2h\")");
        ok = false;
      }
    }
    static constexpr std::string_view kCatchUp[] = {"all", "latest"};
    if (auto c = m.enumeration<CatchUp>(
            "catch_up", Need::Optional,
            [](std::string_view v) -> std::optional<CatchUp> {
              if (v == "all") return CatchUp::All;
              if (v == "latest") return CatchUp::Latest;
              return std::nullopt;
            },
            kCatchUp))
      s.catch_up = *c;
    else if (m.has("catch_up"))
      ok = false;
    if (auto c = m.enumeration<CollectMode>("collect", Need::Optional, parse_collect_mode, kCollectModes))
      s.collect = *c;
    else if (m.has("collect"))
      ok = false;
    if (auto f = m.str("file_date")) {
      if (auto e = check_file_date_pattern(*f)) {
        m.error("file_date", "'" + *f + "': " + *e);
        ok = false;
      } else if (s.collect == CollectMode::OnArrival) {
        // On arrival nothing waits for a run, so there is nothing to choose by date.
        m.error("file_date", "applies to runs that collect (collect: at-run); this route collects on arrival");
        ok = false;
      }
      s.file_date = *f;
    }
    m.finish();
    return ok ? std::optional(s) : std::nullopt;
  }

  ConfigPaths paths_;
  Catalogue cat_;
  Diagnostics diags_;
  std::string layouts_shown_;
  std::string systems_shown_;
  std::string routes_shown_;
  bool systems_ok_ = false;
  std::set<std::string> failed_systems_;
};

}  // namespace

namespace {

// The boundary: whatever the files hold, a caller (reload, validate, --check) gets
// diagnostics, never an exception.
Diagnostics unexpected_failure(const std::string& config, const std::exception& e) {
  Diagnostics d;
  d.error(config, 0, std::string("cannot load the configuration: ") + e.what());
  return d;
}

}  // namespace

Result<CataloguePtr> load_catalogue(const std::string& config) {
  try {
    Loader l(config);
    if (l.load_hub()) {
      l.load_systems();
      l.load_routes();
      l.load_layouts();
      l.cross_check();
    }
    if (!l.diags().empty()) return std::unexpected(l.diags());
    return std::make_shared<const Catalogue>(std::move(l.catalogue()));
  } catch (const std::exception& e) {
    return std::unexpected(unexpected_failure(config, e));
  }
}

Result<Catalogue> load_systems(const std::string& config) {
  try {
    Loader l(config);
    if (l.load_hub()) {
      l.load_systems();
      SystemIndex index(l.catalogue().systems, l.diags());
    }
    if (!l.diags().empty()) return std::unexpected(l.diags());
    return std::move(l.catalogue());
  } catch (const std::exception& e) {
    return std::unexpected(unexpected_failure(config, e));
  }
}

}  // namespace renkei
