#include "console.hpp"

#include "record_display.hpp"
#include "renkei/history/history_log.hpp"
#include "renkei/history/history_query.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "console_pages.hpp"
#include "form.hpp"
#include "renkei/hub_clock.hpp"
#include "renkei/outside_value.hpp"
#include "renkei/people/password.hpp"
#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/next_run.hpp"
#include "renkei/scheduler/run_spec.hpp"
#include "renkei/scheduler/tokyo_time.hpp"
#include "status_page.hpp"

namespace renkei {

namespace {

constexpr std::string_view kSessionCookie = "renkei_session";
constexpr std::string_view kLoginCookie = "renkei_login";
constexpr int kMaxLoginsWaiting = 8;

// "/console/dlq/17" + `tail` → 17.
// Decimal digits only, at most `max_len` of them (route ids 3, partitions and offsets 18):
// the one grammar of every number a console path or form carries.
std::optional<int64_t> digits_value(std::string_view s, std::size_t max_len) {
  if (s.empty() || s.size() > max_len || s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoll(std::string(s));
}

std::optional<int> route_id_of(std::string_view s) {
  auto v = digits_value(s, 3);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

std::optional<int> dlq_route_in(const std::string& path, std::string_view tail) {
  constexpr std::string_view kPrefix = "/console/dlq/";
  if (path.size() < kPrefix.size() + tail.size() || !path.starts_with(kPrefix) ||
      !std::string_view(path).ends_with(tail))
    return std::nullopt;
  auto digits = std::string_view(path).substr(kPrefix.size());
  digits.remove_suffix(tail.size());
  return route_id_of(digits);
}

HttpResponse html(int status, std::string body) {
  HttpResponse r{.status = status, .content_type = "text/html; charset=utf-8", .body = std::move(body)};
  // Nothing but this page's own markup and inline style may load or run; no framing.
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
                       "base-uri 'none'"});
  r.headers.push_back({"X-Frame-Options", "DENY"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

HttpResponse see_other(const std::string& location) {
  HttpResponse r = html(303, "");
  r.headers.push_back({"Location", location});
  return r;
}

// A refusal page; its "reason" line is what the audit of refusals records.
HttpResponse refused(int status, const std::string& reason) {
  HttpResponse r{.status = status, .content_type = "application/json",
                 .body = nlohmann::json{{"error", reason}, {"reason", reason}}.dump() + "\n"};
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

std::string cookie(std::string_view name, const std::string& value, bool tls, bool clear = false) {
  std::string c = std::string(name) + "=" + value + "; Path=/console; HttpOnly; SameSite=Strict";
  if (tls) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

// The fixed notices after an action: the query names one, never free text.
std::string notice_of(const std::string& query) {
  if (query == "done=run") return "実行を開始しました。";
  if (query == "done=ack") return "受領確認を記録しました。";
  return {};
}

}  // namespace

Console::Console(Parts parts, const ConsoleConfig& config)
    : p_(std::move(parts)),
      sessions_(std::chrono::seconds(config.session_idle_s)),
      guard_(LoginGuard::Options{.max_failures = config.login_max_failures,
                                 .window = std::chrono::seconds(config.lockout_s),
                                 .lock_for = std::chrono::seconds(config.lockout_s)}),
      login_pool_(std::make_unique<boost::asio::thread_pool>(1)) {
  // Made before the first login, so that a name nobody has costs one Argon2id check like
  // any other, the first time too.
  boost::asio::post(*login_pool_, [this] { dummy_hash_ = hash_password("renkei-no-such-user-password").value_or(""); });
  add_routes();
}

Console::~Console() { stop(); }

void Console::stop() {
  stopping_ = true;
  if (login_pool_) {
    login_pool_->stop();
    login_pool_->join();
  }
}

void Console::configure(const ConsoleConfig& config) { sessions_.set_idle(std::chrono::seconds(config.session_idle_s)); }

void Console::people_changed(const nlohmann::ordered_json& change) {
  auto end = [this](const nlohmann::ordered_json& name) {
    if (name.is_string()) sessions_.close_all_of(name.get<std::string>());
  };
  if (change.contains("removed"))
    for (const auto& n : change["removed"]) end(n);
  if (change.contains("password_set"))
    for (const auto& n : change["password_set"]) end(n);
  if (change.contains("role_changed"))
    for (const auto& c : change["role_changed"]) end(c.value("name", nlohmann::ordered_json()));
}

std::optional<Identity> Console::session_identity(const HttpRequest& req) {
  auto id = cookie_value(req, kSessionCookie);
  if (!id) return std::nullopt;
  auto s = sessions_.peek(*id, SessionStore::Clock::now());
  if (!s) return std::nullopt;
  return s->who;
}

void Console::audit(nlohmann::ordered_json entry) {
  if (auto a = p_.audit.write(std::move(entry)); !a) spdlog::error("audit log: {}", a.error());
}

void Console::add_routes() {
  p_.http.add_route("GET", "/console", [](const HttpRequest&) { return see_other("/console/"); });
  p_.http.add_route("GET", "/console/login", [this](const HttpRequest&) {
    auto token = random_token_hex();
    if (!token) return refused(503, token.error());
    HttpResponse r = html(200, login_page_html(p_.runtime.get()->catalogue->hub.name, *token, ""));
    r.headers.push_back({"Set-Cookie", cookie(kLoginCookie, *token, p_.tls)});
    return r;
  });
  p_.http.add_async_prefix_route("POST", "/console/login", [this](const HttpRequest& req, Reply reply) {
    if (req.path != "/console/login") return reply(refused(404, "no such page"));
    if (stopping_) return reply(refused(503, "stopping"));
    if (login_waiting_.fetch_add(1) >= kMaxLoginsWaiting) {
      --login_waiting_;
      return reply(refused(503, "busy: too many logins at once; try again"));
    }
    boost::asio::post(*login_pool_, [this, req, reply] {
      try {
        login(req, reply);
      } catch (const std::exception& e) {
        spdlog::error("console: login failed: {}", escape_for_log(e.what()));
        reply(refused(500, "internal error (see the log)"));
      } catch (...) {
        reply(refused(500, "internal error (see the log)"));
      }
      --login_waiting_;
    });
  });
  p_.http.add_async_prefix_route("GET", "/console/", p_.off_loop([this](const HttpRequest& req) {
    if (req.path == "/console/") return today(req);
    if (req.path == "/console/interfaces") return interfaces(req);
    if (req.path == "/console/history") return history(req, false);
    if (req.path == "/console/history.csv") return history(req, true);
    if (req.path == "/console/dlq") return dlq_index(req);
    if (req.path == "/console/dlq/go") {
      auto form = parse_form(req.query);
      if (form)
        if (auto it = form->find("interface"); it != form->end())
          if (auto id = route_id_of(it->second)) return see_other("/console/dlq/" + std::to_string(*id));
      return refused(400, "form field interface must be a route id");
    }
    if (auto id = dlq_route_in(req.path, ""); id) return dlq_page(req, *id);
    constexpr std::string_view kOne = "/console/interfaces/";
    if (req.path.starts_with(kOne))
      if (auto id = route_id_of(std::string_view(req.path).substr(kOne.size()))) return interface(req, *id);
    return refused(404, "no such page");
  }));
  p_.http.add_async_prefix_route("POST", "/console/", p_.off_loop([this](const HttpRequest& req) {
    if (req.path == "/console/run") return act(req, "run");
    if (req.path == "/console/ack") return act(req, "ack");
    if (req.path == "/console/logout") return logout(req);
    if (auto id = dlq_route_in(req.path, "/view")) return dlq_view(req, *id);
    if (auto id = dlq_route_in(req.path, "/replay")) return dlq_replay(req, *id);
    return refused(404, "no such page");
  }));
}

void Console::login(const HttpRequest& req, Reply reply) {
  const std::string hub_name = p_.runtime.get()->catalogue->hub.name;
  auto form = parse_form(req.body);
  auto login_cookie = cookie_value(req, kLoginCookie);
  if (!form) return reply(refused(400, form.error()));
  auto field = [&](const char* k) { auto it = form->find(k); return it == form->end() ? std::string() : it->second; };
  // The login form's token must match the cookie set with the form (double submit):
  // another site cannot log a browser in under someone else's name.
  if (!login_cookie || !same_secret(field("csrf"), *login_cookie))
    return reply(refused(403, "csrf token missing or wrong; open the login page again"));
  const std::string name = field("user"), password = field("password");
  const bool valid_name = user_name_problem(name).empty();
  // Names that are not users are never written down: people type passwords there.
  const std::string shown = valid_name ? name : "unknown";
  const auto now = LoginGuard::Clock::now();
  auto again_page = [&](int status, const std::string& message) {
    HttpResponse r = html(status, login_page_html(hub_name, *login_cookie, message));
    return r;
  };
  const auto generation = p_.authn.generation();
  auto users = p_.authn.users();
  const User* u = valid_name ? users->find(name) : nullptr;
  if (auto left = guard_.locked_for(shown, now); left > 0) {
    audit({{"action", "login-refused"}, {"operator", u ? u->name : "unknown"}, {"reason", "locked"},
           {"locked_for_s", left}});
    return reply(again_page(429, "ログインが一時的にロックされています。しばらくしてから再度お試しください。"));
  }
  const bool ok = u && !u->password_hash.empty() ? verify_password(u->password_hash, password)
                                                 : (verify_password(dummy_hash_, password), false);
  if (!ok) {
    const bool locked = guard_.failed(shown, now);
    const std::string who = u ? u->name : "unknown";
    audit({{"action", "login-failed"}, {"operator", who}, {"reason", u ? "wrong password" : "no such user"}});
    if (locked) {
      spdlog::warn("console: {} locked for {} s after repeated failed logins", who, guard_.locked_for(shown, now));
      audit({{"action", "login-locked"}, {"operator", who}, {"locked_for_s", guard_.locked_for(shown, now)}});
    }
    return reply(again_page(401, "ユーザー名またはパスワードが違います。"));
  }
  guard_.succeeded(shown);
  auto s = sessions_.open(Identity{u->name, u->display_name, u->role, Identity::Via::Session, ""}, now);
  if (!s) return reply(refused(503, s.error()));
  // users.yaml may have changed while the password was checked (its sessions were ended
  // then, before this one existed): this session stands only if the person is unchanged.
  if (p_.authn.generation() != generation) {
    auto now_users = p_.authn.users();
    const User* still = now_users->find(u->name);
    if (!still || still->role != u->role || still->password_hash != u->password_hash) {
      sessions_.close(s->id);
      audit({{"action", "login-failed"}, {"operator", u->name}, {"reason", "changed during login"}});
      return reply(again_page(401, "利用者情報が変更されました。もう一度ログインしてください。"));
    }
  }
  audit({{"action", "login"}, {"operator", u->name}, {"via", "session"}, {"role", std::string(role_name(u->role))}});
  spdlog::info("console: {} logged in", u->name);
  HttpResponse r = see_other("/console/");
  r.headers.push_back({"Set-Cookie", cookie(kSessionCookie, s->id, p_.tls)});
  r.headers.push_back({"Set-Cookie", cookie(kLoginCookie, "", p_.tls, true)});
  reply(std::move(r));
}

std::expected<Session, HttpResponse> Console::session_of(const HttpRequest& req) {
  auto id = cookie_value(req, kSessionCookie);
  auto s = id ? sessions_.find(*id, SessionStore::Clock::now()) : std::nullopt;
  if (!s) return std::unexpected(req.method == "GET" ? see_other("/console/login")
                                                     : refused(403, "no live session; log in again"));
  if (req.method == "POST") {
    auto form = parse_form(req.body);
    if (!form) return std::unexpected(refused(400, form.error()));
    auto it = form->find("csrf");
    if (it == form->end() || !same_secret(it->second, s->csrf))
      return std::unexpected(refused(403, "csrf token missing or wrong"));
  }
  return *s;
}

HttpResponse Console::today(const HttpRequest& req, const std::string& error, int status) {
  auto s = session_of(req);
  if (!s) return s.error();
  RuntimePtr rt = p_.runtime.get();
  const Catalogue& c = *rt->catalogue;
  const auto now = hub_now_seconds();
  const std::string today = to_string(AsiaTokyo::date_of(now));
  auto live = collect_route_live(c, p_.registry, p_.metrics.status());
  TodayView v{c.hub.name, today, {}, {}, {}, 0};
  for (const auto& r : c.routes) {
    auto rr = p_.scheduler.route_runs(r.id);
    auto runs = p_.scheduler.runs(r.id, 1);
    TodayRow row{r.id, r.name, system_name(c, r.from), system_name(c, r.to), "", rr.overdue.value_or(false), nullptr, 0};
    if (runs.body.contains("runs") && !runs.body["runs"].empty()) row.last_run = runs.body["runs"][0];
    if (auto it = live.find(r.id); it != live.end()) row.dead_letters = it->second.dead_letter_total();
    if (rr.due) row.due = format_iso_tokyo(*rr.due);
    // Due today, or overdue; an old due date nobody is late for (acknowledged, or from
    // before this hub knew the route) is not today's work.
    const bool due_today =
        rr.due && to_string(AsiaTokyo::date_of(std::chrono::floor<std::chrono::seconds>(*rr.due))) == today;
    if (r.method == Method::Manual && (row.overdue || due_today)) v.due.push_back(row);
    if (row.last_run.is_object() && row.last_run.value("state", "") == "running") v.running.push_back(row);
    if (row.dead_letters > 0) v.dlq.push_back(row);
    v.overdue += row.overdue ? 1 : 0;
  }
  if (p_.history) {
    HistoryFilter held;
    held.kind = HistoryKind::Batch;
    held.outcome = "held";
    held.from = held.to = today;
    if (auto page = p_.history->page(held, std::nullopt, 20, 5'000)) v.held = std::move(page->entries);
    else v.held_error = std::string(kHistoryTopic) + " did not answer: " + page.error().message;
  }
  return html(status, today_page_html(v, PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf},
                                   notice_of(req.query), error));
}

namespace {

std::string schedule_text(const RouteDef& r) {
  if (!r.schedule) return {};
  std::string s = r.schedule->cron;
  if (!r.schedule->cron.starts_with("bd:")) s += " (" + std::string(to_string(r.schedule->on_non_business_day)) + ")";
  return s;
}

std::string remarks_of(const PlannedRun& p) {
  std::string s;
  auto add = [&s](const PlannedRun::Date& d, const char* what) {
    if (!s.empty()) s += "、";
    s += to_string(d.date) + (d.reason.empty() ? "" : " " + d.reason) + what;
  };
  for (const auto& d : p.moved_from) add(d, " から移動");
  for (const auto& d : p.skipped) add(d, " は実行なし");
  return s;
}

}  // namespace

std::vector<InterfaceListRow> Console::list_rows(const Catalogue& c) {
  auto live = collect_route_live(c, p_.registry, p_.metrics.status());
  std::vector<InterfaceListRow> rows;
  for (const auto& r : c.routes) {
    InterfaceListRow row{r.id, r.name, system_name(c, r.from), system_name(c, r.to), std::string(to_string(r.method)),
                         std::string(to_string(r.timing)), 0, p_.scheduler.route_runs(r.id).overdue.value_or(false)};
    if (auto it = live.find(r.id); it != live.end()) row.dead_letters = it->second.dead_letter_total();
    rows.push_back(std::move(row));
  }
  return rows;
}

HttpResponse Console::interfaces(const HttpRequest& req) {
  auto s = session_of(req);
  if (!s) return s.error();
  RuntimePtr rt = p_.runtime.get();
  const Catalogue& c = *rt->catalogue;
  return html(200, interfaces_page_html(c.hub.name, list_rows(c), PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf}));
}

HttpResponse Console::interface(const HttpRequest& req, int id) {
  auto s = session_of(req);
  if (!s) return s.error();
  RuntimePtr rt = p_.runtime.get();
  const Catalogue& c = *rt->catalogue;
  const RouteDef* r = c.route(id);
  if (!r) return refused(404, "no interface " + std::to_string(id));
  InterfaceView v;
  v.id = r->id;
  v.name = r->name;
  v.from = system_name(c, r->from);
  v.to = system_name(c, r->to);
  v.from_id = r->from;
  v.to_id = r->to;
  v.method = std::string(to_string(r->method));
  v.timing = std::string(to_string(r->timing));
  v.conversion = r->conversion;
  v.schedule = schedule_text(*r);
  v.note = r->note;
  if (r->schedule)
    if (auto spec = run_spec_of(*r->schedule); spec)
      if (auto cal = p_.scheduler.calendar())
        for (const auto& p : upcoming_runs(*spec, *cal, hub_now_seconds(), 10))
          v.next_runs.push_back({format_iso_tokyo(p.occurrence.at), remarks_of(p)});
  auto runs = p_.scheduler.runs(id, 10);
  if (runs.body.contains("runs"))
    for (const auto& run : runs.body["runs"]) v.runs.push_back(run);
  auto live = collect_route_live(c, p_.registry, p_.metrics.status());
  if (auto it = live.find(id); it != live.end()) {
    v.lag = it->second.lag;
    v.dead_letters = it->second.dead_letter_total();
  }
  auto rr = p_.scheduler.route_runs(id);
  if (rr.due) v.due = format_iso_tokyo(*rr.due);
  v.overdue = rr.overdue.value_or(false);
  auto up = [&](const std::string& system, bool source) -> std::optional<bool> {
    const bool has = source ? rt->sources.contains(system) : rt->sinks.contains(system);
    if (!has) return std::nullopt;
    return p_.metrics.adapter_up(system).value() > 0;
  };
  v.from_up = up(Catalogue::source_carrier(*r), true);
  v.to_up = up(r->to, false);
  return html(200, interface_page_html(c.hub.name, v, PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf}));
}

HttpResponse Console::history(const HttpRequest& req, bool csv) {
  auto s = session_of(req);
  if (!s) return s.error();
  RuntimePtr rt = p_.runtime.get();
  HistoryView v;
  int status = 200;
  auto q = parse_history_query(req.query);
  if (!q) {
    v.error = "条件が正しくありません: " + q.error();
    status = 400;
  } else if (!p_.history) {
    v.error = "転送履歴はこのハブでは読めません";
    status = 503;
  } else {
    v.filter = q->filter;
    v.query = history_query_string(q->filter);
    if (csv) {
      // The whole filtered history, a page at a time, up to a bound that keeps one
      // download from holding the bus workers: the last line says when it was reached.
      constexpr std::size_t kMaxRows = 20'000;
      std::string body = history_csv_header();
      std::optional<int64_t> before;
      // And a bound on what is read for it: a rare filter over seven years must not hold
      // the bus workers for minutes.
      constexpr std::uint64_t kMaxScanned = 500'000;
      std::size_t rows = 0;
      std::uint64_t scanned = 0;
      bool cut = false;
      for (;;) {
        auto page = p_.history->page(q->filter, before, HistoryReader::kMaxPage);
        if (!page) return refused(503, std::string(kHistoryTopic) + " did not answer: " + page.error().message);
        for (const auto& e : page->entries) body += history_csv_row(e);
        rows += page->entries.size();
        scanned += page->scanned;
        if (!page->next_before) break;
        if (rows >= kMaxRows || scanned >= kMaxScanned) {
          cut = true;
          break;
        }
        before = page->next_before;
      }
      if (cut) body += "\"# " + std::to_string(rows) + " 件で打ち切り: 期間を絞ってください\"\r\n";
      HttpResponse r{.status = 200, .content_type = "text/csv; charset=utf-8", .body = std::move(body)};
      r.headers.emplace_back("Content-Disposition", "attachment; filename=\"renkei-history.csv\"");
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
    auto page = p_.history->page(q->filter, q->before, q->limit);
    if (!page) {
      v.error = std::string(kHistoryTopic) + " did not answer: " + page.error().message;
      status = 503;
    } else {
      v.entries = std::move(page->entries);
      v.next_before = page->next_before;
    }
  }
  return html(status, history_page_html(rt->catalogue->hub.name, v, PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf}));
}

std::optional<HttpResponse> Console::operator_only(const Session& s) {
  if (role_allows(s.who.role, Role::Operator)) return std::nullopt;
  return refused(403, "needs role operator; " + s.who.name + " is " + std::string(role_name(s.who.role)));
}

HttpResponse Console::dlq_index(const HttpRequest& req) {
  auto s = session_of(req);
  if (!s) return s.error();
  RuntimePtr rt = p_.runtime.get();
  const Catalogue& c = *rt->catalogue;
  std::vector<InterfaceListRow> rows;
  for (auto& row : list_rows(c))
    if (row.dead_letters > 0) rows.push_back(std::move(row));
  return html(200, dlq_index_html(c.hub.name, rows, PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf}));
}

HttpResponse Console::dlq_page(const HttpRequest& req, int id, const std::string& notice, const std::string& error,
                               int status) {
  auto s = session_of(req);
  if (!s) return s.error();
  RuntimePtr rt = p_.runtime.get();
  const RouteDef* r = rt->catalogue->route(id);
  if (!r || !p_.dlq) return refused(404, "no such page");
  DlqView v{id, r->name, nullptr, notice, error};
  // GET: the listing's own query; after a POST (replay), the first page of what waits.
  std::optional<int64_t> partition, from;
  bool all = false;
  if (req.method == "GET") {
    auto q = parse_form(req.query);
    if (!q) return refused(400, q.error());
    auto number = [&](const char* k) -> std::expected<std::optional<int64_t>, std::string> {
      auto it = q->find(k);
      if (it == q->end() || it->second.empty()) return std::optional<int64_t>();
      auto n = digits_value(it->second, 18);
      if (!n) return std::unexpected(std::string(k) + " must be a number");
      return n;
    };
    auto p = number("partition");
    auto f = number("from");
    auto a = number("all");
    if (!p) return refused(400, p.error());
    if (!f) return refused(400, f.error());
    if (!a) return refused(400, a.error());
    partition = *p;
    from = *f;
    all = a->value_or(0) != 0;
  }
  auto page = p_.dlq->page(id, static_cast<int>(std::min<int64_t>(partition.value_or(0), 1'000'000)), from,
                           DlqService::kDefaultPage, all);
  // Without a place asked for, the first page that has dead letters (partitions in order).
  for (int hops = 0; !partition && !from && page && hops < rt->catalogue->hub.bus.partitions; ++hops) {
    const auto& j = *page;
    if (!j["entries"].empty() || !j["next"].is_object()) break;
    page = p_.dlq->page(id, j["next"].value("partition", 0), j["next"].value("from", int64_t{0}),
                        DlqService::kDefaultPage, all);
  }
  if (!page) {
    v.error = page.error().message;
    status = page.error().status;
  } else {
    v.page = std::move(*page);
  }
  return html(status, dlq_page_html(rt->catalogue->hub.name, v,
                                    PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf}));
}

HttpResponse Console::dlq_view(const HttpRequest& req, int id) {
  auto s = session_of(req);
  if (!s) return s.error();
  if (auto no = operator_only(*s)) return *no;
  auto form = parse_form(req.body);  // checked by session_of
  auto number = [&](const char* k) -> std::optional<int64_t> {
    auto it = form->find(k);
    return it == form->end() ? std::nullopt : digits_value(it->second, 18);
  };
  auto partition = number("partition");
  auto offset = number("offset");
  if (!partition || !offset || *partition > 1'000'000) return refused(400, "form fields partition and offset must be numbers");
  RuntimePtr rt = p_.runtime.get();
  const RouteDef* r = rt->catalogue->route(id);
  if (!r || !p_.dlq) return refused(404, "no such page");
  // The look at a record's contents is audited before it is shown: the place, never the bytes.
  if (auto a = p_.audit.write(nlohmann::ordered_json{{"action", "dlq-view"}, {"operator", s->who.name},
                                                     {"via", "session"}, {"interface", interface_label(id)},
                                                     {"partition", *partition}, {"offset", *offset}});
      !a)
    return refused(503, "audit log: " + a.error() + "; nothing shown");
  auto rec = p_.dlq->record(id, static_cast<int>(*partition), *offset);
  if (!rec) return dlq_page(req, id, {}, rec.error().message, rec.error().status);
  auto shown = display_record(rec->bytes, rec->charset);
  DlqRecordView v{id, r->name, rec->partition, rec->offset, rec->reason, rec->detail, rec->charset,
                  std::move(shown.html), rec->bytes.size(), shown.bad_bytes, shown.cut};
  if (!shown.charset_error.empty()) v.charset += " (開けません: " + shown.charset_error + ")";
  return html(200, dlq_record_html(rt->catalogue->hub.name, v,
                                   PageUser{s->who.name, s->who.display_name, s->who.role, s->csrf}));
}

HttpResponse Console::dlq_replay(const HttpRequest& req, int id) {
  auto s = session_of(req);
  if (!s) return s.error();
  if (auto no = operator_only(*s)) return *no;
  RuntimePtr rt = p_.runtime.get();
  if (!rt->catalogue->route(id) || !p_.dlq) return refused(404, "no such page");
  // As the API's: the audit line first, then the replay.
  if (auto a = p_.audit.write(nlohmann::ordered_json{{"action", "dlq-replay"}, {"operator", s->who.name},
                                                     {"via", "session"}, {"interface", interface_label(id)}});
      !a)
    return dlq_page(req, id, {}, "audit log: " + a.error(), 503);
  auto r = p_.dlq->replay(id);
  if (!r) return dlq_page(req, id, {}, r.error().message, r.error().status);
  const auto& j = *r;
  std::string notice = std::to_string(j.value("replayed", 0)) + " 件を再送しました";
  if (!j.value("complete", true)) notice += "（残り " + std::to_string(j.value("remaining", 0)) + " 件: もう一度再送してください）";
  return dlq_page(req, id, notice);
}

HttpResponse Console::act(const HttpRequest& req, const std::string& action) {
  auto s = session_of(req);
  if (!s) return s.error();
  if (auto no = operator_only(*s)) return *no;
  auto form = parse_form(req.body);  // checked by session_of
  auto field = [&](const char* k) -> std::optional<std::string> {
    auto it = form->find(k);
    if (it == form->end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  auto iface = field("interface");
  auto id = iface ? route_id_of(*iface) : std::nullopt;
  if (!id) return refused(400, "form field interface must be a route id");
  const int route = *id;
  const AuditActor who{s->who.name, {{"operator", s->who.name}, {"via", "session"}}};
  JobScheduler::Answer a;
  if (action == "run") {
    a = p_.scheduler.request_run(route, field("date"), who);
  } else {
    auto run = field("run");
    if (!run) return refused(400, "form field run is missing");
    a = p_.scheduler.acknowledge(route, *run, who);
  }
  if (a.status >= 200 && a.status < 300) return see_other("/console/?done=" + action);
  const std::string why = a.body.is_object() && a.body.contains("error") && a.body["error"].is_string()
                              ? a.body["error"].get<std::string>()
                              : "the hub refused (HTTP " + std::to_string(a.status) + ")";
  return today(req, why, a.status);
}

HttpResponse Console::logout(const HttpRequest& req) {
  auto s = session_of(req);
  if (!s) return s.error();
  sessions_.close(s->id);
  audit({{"action", "logout"}, {"operator", s->who.name}, {"via", "session"}});
  HttpResponse r = see_other("/console/login");
  r.headers.push_back({"Set-Cookie", cookie(kSessionCookie, "", p_.tls, true)});
  return r;
}

}  // namespace renkei
