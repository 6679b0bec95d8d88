#include "status_page.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "renkei/catalogue/catalogue_json.hpp"

namespace renkei {

namespace {

// The families of src/router/hub_metrics.hpp read back here (a unit test increments them
// through HubMetrics and collects, so a renamed family fails there).
constexpr const char* kReceived = "renkei_records_received_total";
constexpr const char* kDelivered = "renkei_records_delivered_total";
constexpr const char* kDeadLettered = "renkei_records_dead_lettered_total";
constexpr const char* kRetries = "renkei_delivery_retries_total";
constexpr const char* kLag = "renkei_consumer_lag_records";
constexpr const char* kSpoolRefused = "renkei_spool_refused_total";

std::optional<int> interface_of(const Labels& labels) {
  for (const auto& [k, v] : labels) {
    if (k != "interface") continue;
    int id = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
    if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
    return id;
  }
  return std::nullopt;
}

std::string label_value(const Labels& labels, std::string_view name) {
  for (const auto& [k, v] : labels)
    if (k == name) return v;
  return {};
}

std::uint64_t count_of(double v) { return v > 0 && std::isfinite(v) ? static_cast<std::uint64_t>(std::llround(v)) : 0; }

nlohmann::ordered_json time_or_null(const std::optional<StatusTime>& t) {
  return t ? nlohmann::ordered_json(format_iso_tokyo(*t)) : nlohmann::ordered_json(nullptr);
}

std::string_view method_ja(Method m) { return m == Method::Manual ? "手動" : "自動"; }

std::string_view timing_ja(Timing t) {
  switch (t) {
    case Timing::Realtime: return "随時";
    case Timing::Daily: return "日次";
    case Timing::Monthly: return "月次";
    case Timing::Yearly: return "年次";
    case Timing::Adhoc: return "任意";
  }
  return "";
}


const RouteLive& live_of(const std::map<int, RouteLive>& live, int id) {
  static const RouteLive kNone{};
  auto it = live.find(id);
  return it == live.end() ? kNone : it->second;
}

struct Summary {
  std::size_t routes = 0;
  std::array<std::size_t, 6> by_state{};
  std::size_t with_lag = 0;
  std::size_t with_dead_letters = 0;
  std::size_t with_spool_refusals = 0;
  std::size_t overdue = 0;
  bool overdue_known = false;
};

Summary summarise(const Catalogue& c, const std::map<int, RouteLive>& live, StatusTime now) {
  Summary s;
  for (const auto& r : c.routes) {
    const RouteLive& l = live_of(live, r.id);
    ++s.routes;
    ++s.by_state[static_cast<std::size_t>(route_state(l, now))];
    if (l.lag.value_or(0) > 0) ++s.with_lag;
    if (l.dead_letter_total() > 0) ++s.with_dead_letters;
    if (l.spool_refused_total() > 0) ++s.with_spool_refusals;
    if (l.runs.overdue) {
      s.overdue_known = true;
      if (*l.runs.overdue) ++s.overdue;
    }
  }
  return s;
}

constexpr std::array kStates{RouteState::BackingOff, RouteState::Retrying, RouteState::Held,
                             RouteState::Flowing,    RouteState::Pending,  RouteState::Idle};

// "2025-02-25 22:00:00" for a table cell (the full ISO form goes in its title).
std::string short_time(StatusTime t) {
  std::string iso = format_iso_tokyo(t);
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

void time_cell(std::string& out, const std::optional<StatusTime>& t, std::string_view cls) {
  out += "<td class=\"";
  out += cls;
  out += "\">";
  if (t) {
    out += "<time datetime=\"" + html_escape(format_iso_tokyo(*t)) + "\">" + html_escape(short_time(*t)) + "</time>";
  } else {
    out += "<span class=\"none\">—</span>";
  }
  out += "</td>";
}

constexpr std::string_view kStyle = R"css(
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif; margin: 16px 20px;
       color: #1d2433; background: #f6f7f9; font-size: 14px; }
h1 { font-size: 20px; margin: 0 0 6px 0; }
h1 small { font-weight: normal; color: #5a6478; font-size: 14px; margin-left: 8px; }
.summary { font-size: 15px; margin: 6px 0; padding: 8px 12px; background: #fff; border: 1px solid #d5d9e0;
           border-radius: 4px; }
.summary b { font-size: 17px; }
.summary .alert { color: #b42318; }
.meta { color: #5a6478; font-size: 12px; margin: 4px 0 10px 0; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #d5d9e0; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e8ebf0; position: sticky; top: 0; font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id { text-align: right; color: #5a6478; white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.name { white-space: nowrap; }
td.id, td.m, td.state, td.time, td.num, td.overdue { width: 1%; white-space: nowrap; }  /* shrink to content */
.side { white-space: nowrap; }
.sysid { color: #8a93a6; font-size: 11px; }
.arrow { color: #8a93a6; padding: 0 2px; }
.none { color: #a0a7b5; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 12px; white-space: nowrap;
         border: 1px solid transparent; }
.st-backing-off .badge { background: #fdead7; color: #93370d; border-color: #f9b27a; }
.st-retrying .badge { background: #fef7c3; color: #854a0e; border-color: #f5d75b; }
.st-held .badge { background: #fee4e2; color: #b42318; border-color: #fda29b; }
.st-flowing .badge { background: #dcfae6; color: #067647; border-color: #75e0a7; }
.st-pending .badge { background: #e0eaff; color: #2d4fa3; border-color: #a4bcfd; }
.st-idle .badge { background: #f2f4f7; color: #5a6478; border-color: #d5d9e0; }
td.warn { color: #93370d; font-weight: 600; background: #fff6ed; }
td.bad { color: #b42318; font-weight: 600; background: #fef3f2; }
footer { color: #5a6478; font-size: 12px; margin-top: 12px; }
footer dt { display: inline; font-weight: 600; }
footer dd { display: inline; margin: 0 14px 0 4px; }
)css";

}  // namespace

std::string_view to_string(RouteState s) {
  switch (s) {
    case RouteState::BackingOff: return "backing-off";
    case RouteState::Retrying: return "retrying";
    case RouteState::Held: return "held";
    case RouteState::Flowing: return "flowing";
    case RouteState::Pending: return "pending";
    case RouteState::Idle: return "idle";
  }
  return "idle";
}

std::string_view japanese(RouteState s) {
  switch (s) {
    case RouteState::BackingOff: return "再試行待ち";
    case RouteState::Retrying: return "再試行中";
    case RouteState::Held: return "保留";
    case RouteState::Flowing: return "配信中";
    case RouteState::Pending: return "未配信あり";
    case RouteState::Idle: return "待機";
  }
  return "待機";
}

std::uint64_t RouteLive::dead_letter_total() const {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : dead_letters) n += count;
  return n;
}

std::uint64_t RouteLive::spool_refused_total() const {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : spool_refused) n += count;
  return n;
}

RouteState route_state(const RouteLive& live, StatusTime now) {
  const RouteActivity& a = live.activity;
  auto after = [](const std::optional<StatusTime>& x, const std::optional<StatusTime>& y) {
    return x && (!y || *x > *y);  // x happened, and later than y (if y happened at all)
  };
  if (a.backoff_until && now < *a.backoff_until) return RouteState::BackingOff;
  if (a.backoff_until && now - *a.backoff_until < kRetryingWindow && after(a.last_backoff, a.last_delivery) &&
      after(a.last_backoff, a.last_held))
    return RouteState::Retrying;
  if (a.last_held && now - *a.last_held < kHeldWindow && after(a.last_held, a.last_delivery)) return RouteState::Held;
  if (a.last_delivery && now - *a.last_delivery < kFlowingWindow) return RouteState::Flowing;
  if (live.lag.value_or(0) > 0) return RouteState::Pending;
  return RouteState::Idle;
}

std::map<int, RouteLive> collect_route_live(const Catalogue& c, MetricsRegistry& registry,
                                            const InterfaceStatus& status) {
  std::map<int, RouteLive> out;
  for (const auto& r : c.routes) out[r.id].activity = status.activity(r.id);
  // Children of routes no longer in the catalogue (after a reload) are left out.
  auto each = [&](const char* family, auto&& fn) {
    for (const auto& [labels, value] : registry.values(family)) {
      auto id = interface_of(labels);
      if (!id) continue;
      auto it = out.find(*id);
      if (it != out.end()) fn(it->second, labels, value);
    }
  };
  each(kReceived, [](RouteLive& l, const Labels&, double v) { l.received += count_of(v); });
  each(kDelivered, [](RouteLive& l, const Labels&, double v) { l.delivered += count_of(v); });
  each(kRetries, [](RouteLive& l, const Labels&, double v) { l.retries += count_of(v); });
  each(kDeadLettered, [](RouteLive& l, const Labels& labels, double v) {
    if (auto n = count_of(v)) l.dead_letters[label_value(labels, "reason")] += n;
  });
  each(kSpoolRefused, [](RouteLive& l, const Labels& labels, double v) {
    if (auto n = count_of(v)) l.spool_refused[label_value(labels, "reason")] += n;
  });
  each(kLag, [](RouteLive& l, const Labels&, double v) {
    l.lag = std::isfinite(v) ? static_cast<std::int64_t>(std::llround(v)) : 0;
  });
  return out;
}

std::string system_name(const Catalogue& c, const std::string& id) {
  const SystemDef* s = c.system(id);
  return s ? s->name : id;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string format_iso_tokyo(StatusTime t) {
  using namespace std::chrono;
  const auto local = floor<seconds>(t) + hours(9);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+09:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

nlohmann::ordered_json interfaces_json(const Catalogue& c, const std::map<int, RouteLive>& live, StatusTime now) {
  const Summary s = summarise(c, live, now);
  nlohmann::ordered_json summary;
  summary["routes"] = s.routes;
  for (RouteState st : kStates) summary[std::string(to_string(st))] = s.by_state[static_cast<std::size_t>(st)];
  summary["with_lag"] = s.with_lag;
  summary["with_dead_letters"] = s.with_dead_letters;
  summary["with_spool_refusals"] = s.with_spool_refusals;
  summary["overdue"] = s.overdue_known ? nlohmann::ordered_json(s.overdue) : nlohmann::ordered_json(nullptr);

  auto routes = nlohmann::ordered_json::array();
  for (const auto& r : c.routes) {
    const RouteLive& l = live_of(live, r.id);
    nlohmann::ordered_json j = route_json(r);  // the catalogue's contract shape (ARCHITECTURE §4)
    j["label"] = interface_label(r.id);
    j["from_name"] = system_name(c, r.from);
    j["to_name"] = system_name(c, r.to);
    j["state"] = to_string(route_state(l, now));
    j["lag"] = l.lag ? nlohmann::ordered_json(*l.lag) : nlohmann::ordered_json(nullptr);
    j["received"] = l.received;
    j["delivered"] = l.delivered;
    j["retries"] = l.retries;
    nlohmann::ordered_json by_reason = nlohmann::ordered_json::object();
    for (const auto& [reason, n] : l.dead_letters) by_reason[reason] = n;
    j["dead_letters"] = {{"total", l.dead_letter_total()}, {"by_reason", std::move(by_reason)}};
    nlohmann::ordered_json refused_by = nlohmann::ordered_json::object();
    for (const auto& [reason, n] : l.spool_refused) refused_by[reason] = n;
    j["spool_refused"] = {{"total", l.spool_refused_total()},
                          {"by_reason", std::move(refused_by)},
                          {"last", time_or_null(l.activity.last_spool_refusal)}};
    j["last_delivery"] = time_or_null(l.activity.last_delivery);
    j["last_held"] = time_or_null(l.activity.last_held);
    j["last_backoff"] = time_or_null(l.activity.last_backoff);
    j["backoff_until"] = time_or_null(l.activity.backoff_until);
    // The scheduler (issue 6) fills these; null until it is wired in.
    j["last_run"] = time_or_null(l.runs.last_run);
    j["next_run"] = time_or_null(l.runs.next_run);
    j["due"] = time_or_null(l.runs.due);
    j["overdue"] = l.runs.overdue ? nlohmann::ordered_json(*l.runs.overdue) : nlohmann::ordered_json(nullptr);
    routes.push_back(std::move(j));
  }
  nlohmann::ordered_json out;
  out["generated_at"] = format_iso_tokyo(now);
  out["summary"] = std::move(summary);
  out["interfaces"] = std::move(routes);
  return out;
}

std::string status_page_html(const Catalogue& c, const std::map<int, RouteLive>& live, StatusTime now) {
  const Summary s = summarise(c, live, now);
  auto n = [](std::size_t v) { return std::to_string(v); };
  auto state_count = [&](RouteState st) { return s.by_state[static_cast<std::size_t>(st)]; };
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"refresh\" content=\"10\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>連携状況 — " + html_escape(c.hub.name) + "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<header>\n";
  out += "<h1>連携状況<small>" + html_escape(c.hub.name) + "</small></h1>\n";

  out += "<p class=\"summary\" id=\"summary\">全 <b>" + n(s.routes) + "</b> 連携: 配信中 <b>" +
         n(state_count(RouteState::Flowing)) + "</b> ・ 滞留あり <b" + (s.with_lag ? " class=\"alert\"" : "") + ">" +
         n(s.with_lag) + "</b> ・ DLQあり <b" + (s.with_dead_letters ? " class=\"alert\"" : "") + ">" +
         n(s.with_dead_letters) + "</b> ・ 取込拒否あり <b" + (s.with_spool_refusals ? " class=\"alert\"" : "") + ">" +
         n(s.with_spool_refusals) + "</b> ・ 再試行 <b>" +
         n(state_count(RouteState::BackingOff) + state_count(RouteState::Retrying)) + "</b> ・ 保留 <b>" +
         n(state_count(RouteState::Held)) + "</b> ・ 期限超過 <b>" + (s.overdue_known ? n(s.overdue) : "—") +
         "</b></p>\n";
  out += "<p class=\"meta\">" + html_escape(format_iso_tokyo(now)) +
         " 時点 (日本時間) ・ 10 秒ごとに自動更新 ・ 件数は起動以降 ・ "
         "<a href=\"/api/v1/interfaces\">JSON</a> ・ <a href=\"/metrics\">metrics</a></p>\n</header>\n";

  out += "<table id=\"interfaces\">\n<thead><tr><th>No.</th><th>連携情報名</th><th>送信元 → 送信先</th>"
         "<th>方式</th><th>タイミング</th><th>状態</th><th>最終配信</th><th>前回実行</th><th>次回実行</th>"
         "<th>滞留</th><th>DLQ</th><th>取込拒否</th><th>期限超過</th></tr></thead>\n<tbody>\n";
  for (const auto& r : c.routes) {
    const RouteLive& l = live_of(live, r.id);
    const RouteState st = route_state(l, now);
    const std::string state = html_escape(to_string(st));
    out += "<tr class=\"route st-" + state + "\" id=\"if-" + html_escape(interface_label(r.id)) +
           "\" data-route=\"" + std::to_string(r.id) + "\" data-state=\"" + state + "\">";
    out += "<td class=\"id\">" + html_escape(interface_label(r.id)) + "</td>";
    out += "<td class=\"name\">" + html_escape(r.name) + "</td>";
    // Each side kept on one line; a long pair wraps at the arrow. A side reached through
    // a via hop names the hop whose adapter carries it.
    auto side = [&](const std::string& id, const std::string& carrier) {
      return "<span class=\"side\">" + html_escape(system_name(c, id)) + " <span class=\"sysid\">" + html_escape(id) +
             (carrier != id ? " via " + html_escape(carrier) : "") + "</span></span>";
    };
    out += "<td class=\"sys\">" + side(r.from, Catalogue::source_carrier(r)) + "<span class=\"arrow\">→</span>" +
           side(r.to, Catalogue::target_carrier(r)) + "</td>";
    out += "<td class=\"m\">" + html_escape(method_ja(r.method)) + "</td>";
    out += "<td class=\"m\" title=\"" +
           html_escape(r.schedule ? r.schedule->cron + " / " + std::string(to_string(r.schedule->on_non_business_day))
                                  : std::string(to_string(r.timing))) +
           "\">" + html_escape(timing_ja(r.timing)) + "</td>";
    std::string state_title = std::string(to_string(st));
    if (st == RouteState::BackingOff && l.activity.backoff_until)
      state_title += ": 再開予定 " + format_iso_tokyo(*l.activity.backoff_until);
    out += "<td class=\"state\" title=\"" + html_escape(state_title) + "\"><span class=\"badge\">" +
           html_escape(japanese(st)) + "</span></td>";
    time_cell(out, l.activity.last_delivery, "time last-delivery");
    time_cell(out, l.runs.last_run, "time last-run");
    time_cell(out, l.runs.next_run, "time next-run");
    if (l.lag) {
      out += std::string("<td class=\"num lag") + (*l.lag > 0 ? " warn" : "") + "\">" +
             html_escape(std::to_string(*l.lag)) + "</td>";
    } else {
      out += "<td class=\"num lag\"><span class=\"none\">—</span></td>";
    }
    const auto dlq = l.dead_letter_total();
    std::string reasons;
    for (const auto& [reason, count] : l.dead_letters)
      reasons += (reasons.empty() ? "" : ", ") + reason + ": " + std::to_string(count);
    out += std::string("<td class=\"num dlq") + (dlq > 0 ? " bad" : "") + "\"" +
           (reasons.empty() ? "" : " title=\"" + html_escape(reasons) + "\"") + ">" + html_escape(std::to_string(dlq)) +
           "</td>";
    // Spool entries the source left where they are (a symlink, a bad name …): the
    // operator must rename or remove them; the reasons and the last time in the title.
    const auto refused = l.spool_refused_total();
    std::string refused_title;
    for (const auto& [reason, count] : l.spool_refused)
      refused_title += (refused_title.empty() ? "" : ", ") + reason + ": " + std::to_string(count);
    if (l.activity.last_spool_refusal) refused_title += " (最終 " + format_iso_tokyo(*l.activity.last_spool_refusal) + ")";
    out += std::string("<td class=\"num refused") + (refused > 0 ? " bad" : "") + "\"" +
           (refused_title.empty() ? "" : " title=\"" + html_escape(refused_title) + "\"") + ">" +
           html_escape(std::to_string(refused)) + "</td>";
    if (l.runs.overdue) {
      out += *l.runs.overdue ? "<td class=\"overdue bad\">超過</td>" : "<td class=\"overdue\">—</td>";
    } else {
      out += "<td class=\"overdue\"><span class=\"none\">—</span></td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n<footer>\n<dl>";
  for (RouteState st : kStates) {
    out += "<dt>" + html_escape(japanese(st)) + "</dt><dd>" + html_escape(to_string(st)) + "</dd>";
  }
  out += "</dl>\n<p>再試行待ち: 一時的な障害で一時停止中 ・ 再試行中: 停止明けに再処理中 ・ "
         "保留: 直近のバッチを DLQ に保留 (15 分以内) ・ 配信中: 5 分以内に配信 ・ "
         "未配信あり: トピックに未配信のレコード ・ 待機: 動きなし。"
         "取込拒否: 送信元フォルダにあって取り込まなかったもの (シンボリックリンク、不正なファイル名、大きすぎるレコード等。"
         "その場に残るので、名前を直すか削除してください)。"
         "前回/次回実行と期限超過はスケジューラが記入します (未接続の間は —)。</p>\n";
  out += "</footer>\n</body>\n</html>\n";
  return out;
}

void add_status_routes(AdminHttpServer& server, std::function<CataloguePtr()> catalogue, MetricsRegistry& registry,
                       const InterfaceStatus& status, std::function<RouteRuns(int)> runs) {
  auto live = [&registry, &status, runs](const Catalogue& c) {
    auto out = collect_route_live(c, registry, status);
    if (runs)
      for (auto& [id, l] : out) l.runs = runs(id);
    return out;
  };
  server.add_route("GET", "/api/v1/interfaces", [catalogue, live](const HttpRequest&) {
    CataloguePtr c = catalogue();
    if (!c) return HttpResponse{.status = 503, .body = "no configuration loaded yet\n"};
    const auto now = std::chrono::system_clock::now();
    auto body = interfaces_json(*c, live(*c), now).dump(2) + "\n";
    return HttpResponse{.status = 200, .content_type = "application/json", .body = std::move(body),
                        .headers = {{"Cache-Control", "no-store"}}};
  });
  server.add_route("GET", "/", [catalogue = std::move(catalogue), live](const HttpRequest&) {
    CataloguePtr c = catalogue();
    if (!c) return HttpResponse{.status = 503, .body = "no configuration loaded yet\n"};
    const auto now = std::chrono::system_clock::now();
    return HttpResponse{.status = 200, .content_type = "text/html; charset=utf-8",
                        .body = status_page_html(*c, live(*c), now),
                        .headers = {{"Cache-Control", "no-store"}}};
  });
}

}  // namespace renkei
