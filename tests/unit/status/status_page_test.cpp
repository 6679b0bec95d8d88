// The status page (GET /) and GET /api/v1/interfaces, built without the network from
// the shipped config: 97 rows with Japanese display names, every value HTML-escaped,
// route states from injected times, live values from the registry and the tracker.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "hub_metrics.hpp"
#include "interface_status.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "status_page.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

// 2025-02-25T13:00:00Z = 22:00 in Tokyo.
Clock::time_point at_utc(int h, int m = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days{year{2025} / February / 25} + hours(h) + minutes(m) + seconds(s);
}

class StatusPage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = load_catalogue(RENKEI_SOURCE_DIR "/config");
    ASSERT_TRUE(c) << "the shipped config must load";
    shipped_ = new CataloguePtr(*c);
  }
  static void TearDownTestSuite() {
    delete shipped_;
    shipped_ = nullptr;
  }
  const Catalogue& shipped() const { return **shipped_; }

  static CataloguePtr* shipped_;
};
CataloguePtr* StatusPage::shipped_ = nullptr;

TEST(HtmlEscape, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(html_escape("<script>alert(\"x\") & 'y'</script>"),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  EXPECT_EQ(html_escape("住民記録システム"), "住民記録システム");
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
}

TEST(FormatIsoTokyo, ShowsTokyoTimeWithItsOffset) {
  EXPECT_EQ(format_iso_tokyo(at_utc(13)), "2025-02-25T22:00:00+09:00");
  EXPECT_EQ(format_iso_tokyo(at_utc(15, 30, 5)), "2025-02-26T00:30:05+09:00");  // the next day in Tokyo
  EXPECT_EQ(format_iso_tokyo(at_utc(0) + 999ms), "2025-02-25T09:00:00+09:00");  // seconds, truncated
}

TEST_F(StatusPage, PageHasOneRowPerRouteWithJapaneseNames) {
  const auto now = Clock::now();
  MetricsRegistry registry;
  const std::string html = status_page_html(shipped(), collect_route_live(shipped(), registry, InterfaceStatus{}), now);
  ASSERT_EQ(shipped().routes.size(), 97u);
  EXPECT_EQ(count(html, "<tr class=\"route "), 97u);
  EXPECT_EQ(count(html, "data-route=\""), 97u);
  for (const auto& r : shipped().routes) {
    EXPECT_NE(html.find("data-route=\"" + std::to_string(r.id) + "\""), std::string::npos) << r.id;
    EXPECT_NE(html.find(html_escape(r.name)), std::string::npos) << r.name;
    EXPECT_NE(html.find(html_escape(shipped().system(r.from)->name)), std::string::npos) << r.from;
  }
  EXPECT_NE(html.find("住民記録システム"), std::string::npos);
  EXPECT_NE(html.find("住民基本台帳ネットワークシステム"), std::string::npos);
  EXPECT_NE(html.find("特定個人情報"), std::string::npos);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"10\">"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "no JavaScript on the page";
  // The summary line: nothing has happened yet.
  EXPECT_NE(html.find("全 <b>97</b> 連携: 配信中 <b>0</b> ・ 滞留あり <b>0</b> ・ DLQあり <b>0</b>"), std::string::npos);
  EXPECT_EQ(count(html, "data-state=\"idle\""), 97u);
}

TEST_F(StatusPage, EveryValueIsEscaped) {
  auto c = std::make_shared<Catalogue>(shipped());
  c->hub.name = "hub<i>";
  c->routes[0].name = "<script>alert(\"名前\")</script>";
  c->systems[0].name = "住民記録 & <b>システム</b>";
  for (auto& r : c->routes)
    if (r.schedule) {
      r.schedule->cron = "0 22 * * * \"><img src=x>";
      break;
    }
  MetricsRegistry registry;
  HubMetrics metrics(registry);
  metrics.dead_lettered(1, "reason\"<x>").inc(2);
  const std::string html = status_page_html(*c, collect_route_live(*c, registry, metrics.status()), Clock::now());
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<b>システム</b>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_EQ(html.find("reason\""), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;名前&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("住民記録 &amp; &lt;b&gt;システム&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x&gt;"), std::string::npos);
  EXPECT_NE(html.find("title=\"reason&quot;&lt;x&gt;: 2\""), std::string::npos);
  EXPECT_EQ(count(html, "<tr class=\"route "), 97u);
}

TEST_F(StatusPage, JsonListsEveryRouteWithNamesAndNullRuns) {
  const auto now = at_utc(13);
  MetricsRegistry registry;
  const auto j = interfaces_json(shipped(), collect_route_live(shipped(), registry, InterfaceStatus{}), now);
  EXPECT_EQ(j["generated_at"], "2025-02-25T22:00:00+09:00");
  ASSERT_EQ(j["interfaces"].size(), 97u);
  EXPECT_EQ(j["summary"]["routes"], 97);
  EXPECT_EQ(j["summary"]["idle"], 97);
  EXPECT_EQ(j["summary"]["with_lag"], 0);
  EXPECT_TRUE(j["summary"]["overdue"].is_null());
  int expected_id = 1;
  for (const auto& r : j["interfaces"]) {
    EXPECT_EQ(r["id"], expected_id++);
    for (const char* key : {"name", "from", "from_name", "to", "to_name", "method", "timing", "conversion", "topic",
                            "state", "received", "delivered", "dead_letters", "last_delivery", "schedule", "next_run",
                            "last_run", "due", "overdue", "lag"})
      EXPECT_TRUE(r.contains(key)) << key << " missing in route " << r["id"];
    EXPECT_EQ(r["state"], "idle");
    EXPECT_TRUE(r["last_delivery"].is_null());
    EXPECT_TRUE(r["next_run"].is_null());
    EXPECT_TRUE(r["last_run"].is_null());
    EXPECT_TRUE(r["due"].is_null());
    EXPECT_TRUE(r["overdue"].is_null());
    EXPECT_TRUE(r["lag"].is_null());
    EXPECT_EQ(r["dead_letters"]["total"], 0);
  }
  const auto& r1 = j["interfaces"][0];
  EXPECT_EQ(r1["from"], "resident-record");
  EXPECT_EQ(r1["from_name"], "住民記録システム");
  EXPECT_EQ(r1["to_name"], "住民基本台帳ネットワークシステム");
  EXPECT_EQ(r1["topic"], "renkei.if.001");
  EXPECT_EQ(r1["label"], "001");
  EXPECT_TRUE(r1["schedule"].is_null());  // realtime
  const auto& r2 = j["interfaces"][1];
  EXPECT_EQ(r2["schedule"]["cron"], "0 22 * * *");
  EXPECT_EQ(r2["schedule"]["on_non_business_day"], "skip");
}

TEST_F(StatusPage, LiveValuesComeFromTheRegistryAndTheTracker) {
  MetricsRegistry registry;
  HubMetrics metrics(registry);
  const auto now = at_utc(13);
  metrics.received(9, "resident-record").inc(50);
  metrics.delivered(9, "health-care").inc(20);
  metrics.dead_lettered(9, "batch-held").inc(30);
  metrics.dead_lettered(9, "illegal-sequence").inc(1);
  metrics.retries(10).inc(3);
  metrics.lag(10).set(50);
  metrics.lag(9).set(0);
  metrics.status().delivered(9, now - 10s);
  metrics.status().backing_off(10, 4s, now - 1s);
  metrics.spool_refused(9, SpoolRefusalReason::Symlink).inc(2);
  metrics.spool_refused(9, SpoolRefusalReason::BadName).inc();
  metrics.spool_refused(10, SpoolRefusalReason::Fifo).inc(0);  // exported at 0: not a refusal
  metrics.status().spool_refused(9, now - 30s);
  const std::string before = registry.render();

  const auto live = collect_route_live(shipped(), registry, metrics.status());
  EXPECT_EQ(registry.render(), before) << "reading must not create series";
  const auto j = interfaces_json(shipped(), live, now);
  const auto& r9 = j["interfaces"][8];
  EXPECT_EQ(r9["id"], 9);
  EXPECT_EQ(r9["received"], 50);
  EXPECT_EQ(r9["delivered"], 20);
  EXPECT_EQ(r9["lag"], 0);
  EXPECT_EQ(r9["dead_letters"]["total"], 31);
  EXPECT_EQ(r9["dead_letters"]["by_reason"]["batch-held"], 30);
  EXPECT_EQ(r9["dead_letters"]["by_reason"]["illegal-sequence"], 1);
  EXPECT_EQ(r9["last_delivery"], "2025-02-25T21:59:50+09:00");
  EXPECT_EQ(r9["state"], "flowing");
  const auto& r10 = j["interfaces"][9];
  EXPECT_EQ(r10["lag"], 50);
  EXPECT_EQ(r10["retries"], 3);
  EXPECT_EQ(r10["state"], "backing-off");
  EXPECT_EQ(r10["backoff_until"], "2025-02-25T22:00:03+09:00");
  EXPECT_EQ(j["summary"]["flowing"], 1);
  EXPECT_EQ(j["summary"]["backing-off"], 1);
  EXPECT_EQ(j["summary"]["with_lag"], 1);
  EXPECT_EQ(j["summary"]["with_dead_letters"], 1);
  EXPECT_EQ(r9["spool_refused"]["total"], 3);
  EXPECT_EQ(r9["spool_refused"]["by_reason"]["symlink"], 2);
  EXPECT_EQ(r9["spool_refused"]["by_reason"]["bad-name"], 1);
  EXPECT_EQ(r9["spool_refused"]["last"], "2025-02-25T21:59:30+09:00");
  EXPECT_EQ(r10["spool_refused"]["total"], 0);
  EXPECT_TRUE(r10["spool_refused"]["by_reason"].empty());
  EXPECT_TRUE(r10["spool_refused"]["last"].is_null());
  EXPECT_EQ(j["summary"]["with_spool_refusals"], 1);

  const std::string html = status_page_html(shipped(), live, now);
  EXPECT_NE(html.find("全 <b>97</b> 連携: 配信中 <b>1</b> ・ 滞留あり <b class=\"alert\">1</b> ・ DLQあり <b "
                      "class=\"alert\">1</b> ・ 取込拒否あり <b class=\"alert\">1</b> ・ 再試行 <b>1</b>"),
            std::string::npos);
  EXPECT_NE(html.find("id=\"if-009\" data-route=\"9\" data-state=\"flowing\""), std::string::npos);
  EXPECT_NE(html.find("<time datetime=\"2025-02-25T21:59:50+09:00\">2025-02-25 21:59:50</time>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num dlq bad\" title=\"batch-held: 30, illegal-sequence: 1\">31</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num lag warn\">50</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num refused bad\" title=\"bad-name: 1, symlink: 2 (最終 "
                      "2025-02-25T21:59:30+09:00)\">3</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<th>取込拒否</th>"), std::string::npos);
}

TEST(RouteState, FollowsTheRoutesLatestEvents) {
  const auto now = at_utc(13);
  RouteLive l;
  EXPECT_EQ(route_state(l, now), RouteState::Idle);
  l.lag = 0;
  EXPECT_EQ(route_state(l, now), RouteState::Idle);
  l.lag = 5;
  EXPECT_EQ(route_state(l, now), RouteState::Pending);
  l.activity.last_delivery = now - 4min;
  EXPECT_EQ(route_state(l, now), RouteState::Flowing);
  l.activity.last_delivery = now - 6min;
  EXPECT_EQ(route_state(l, now), RouteState::Pending);
  l.lag = 0;
  EXPECT_EQ(route_state(l, now), RouteState::Idle);

  // A held batch after the last delivery: held for 15 minutes.
  l.activity.last_held = now - 1min;
  EXPECT_EQ(route_state(l, now), RouteState::Held);
  l.activity.last_held = now - 16min;
  EXPECT_EQ(route_state(l, now), RouteState::Idle);
  l.activity.last_held = now - 2min;
  l.activity.last_delivery = now - 1min;  // delivered since: flowing again
  EXPECT_EQ(route_state(l, now), RouteState::Flowing);

  // A back-off: backing-off while paused, retrying after until something happens.
  l.activity.last_backoff = now - 10s;
  l.activity.backoff_until = now + 20s;
  EXPECT_EQ(route_state(l, now), RouteState::BackingOff);
  l.activity.backoff_until = now - 1s;
  EXPECT_EQ(route_state(l, now), RouteState::Retrying);
  l.activity.backoff_until = now - 3min;
  EXPECT_EQ(route_state(l, now), RouteState::Flowing) << "the retry window is over";
  l.activity.backoff_until = now - 1s;
  l.activity.last_delivery = now - 1s;  // delivered after the back-off
  EXPECT_EQ(route_state(l, now), RouteState::Flowing);
  l.activity.last_held = now;  // held after the back-off and after the delivery
  EXPECT_EQ(route_state(l, now), RouteState::Held);

  for (RouteState s : {RouteState::BackingOff, RouteState::Retrying, RouteState::Held, RouteState::Flowing,
                       RouteState::Pending, RouteState::Idle}) {
    EXPECT_FALSE(to_string(s).empty());
    EXPECT_FALSE(japanese(s).empty());
  }
  EXPECT_EQ(to_string(RouteState::BackingOff), "backing-off");
}

TEST(InterfaceStatusTracker, KeepsTheLatestTimesAndIgnoresUnknownIds) {
  InterfaceStatus s;
  const auto t = at_utc(13);
  EXPECT_FALSE(s.activity(9).last_delivery);
  s.delivered(9, t);
  s.delivered(9, t - 5s);  // an earlier event reported late does not go back in time
  EXPECT_EQ(s.activity(9).last_delivery, t);
  s.backing_off(9, 60s, t);
  s.backing_off(9, 500ms, t + 1s);  // another partition's shorter pause: the route stays paused
  EXPECT_EQ(s.activity(9).last_backoff, t + 1s);
  EXPECT_EQ(s.activity(9).backoff_until, t + 60s);
  s.held(0, t);
  s.held(1000, t);
  s.held(-1, t);
  EXPECT_FALSE(s.activity(0).last_held);
  EXPECT_FALSE(s.activity(1000).last_held);
  s.held(999, t);
  EXPECT_EQ(s.activity(999).last_held, t);
}

TEST(MetricsRegistryValues, ReadsBackWithoutCreating) {
  MetricsRegistry r;
  EXPECT_TRUE(r.values("renkei_nothing").empty());
  r.counter("c_total", "c", {{"b", "2"}, {"a", "1"}}).inc(3);
  r.gauge("g", "g").set(-2.5);
  r.histogram("h_seconds", "h", {}, {1, 2}).observe(1.5);
  auto c = r.values("c_total");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first, (Labels{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(c[0].second, 3);
  EXPECT_EQ(r.values("g").at(0).second, -2.5);
  EXPECT_EQ(r.values("h_seconds").at(0).second, 1);
  EXPECT_TRUE(r.values("c").empty());
}

TEST_F(StatusPage, RoutesAnswerThroughTheAdminServer) {
  boost::asio::io_context io;
  AdminHttpServer server(io);
  MetricsRegistry registry;
  InterfaceStatus status;
  CataloguePtr c = *shipped_;
  add_status_routes(server, [c] { return c; }, registry, status);

  auto page = server.dispatch(HttpRequest{.method = "GET", .target = "/", .path = "/"});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(count(page.body, "<tr class=\"route "), 97u);

  auto api = server.dispatch(HttpRequest{.method = "GET", .target = "/api/v1/interfaces", .path = "/api/v1/interfaces"});
  EXPECT_EQ(api.status, 200);
  EXPECT_EQ(api.content_type, "application/json");
  auto j = nlohmann::json::parse(api.body);
  EXPECT_EQ(j["interfaces"].size(), 97u);

  EXPECT_EQ(server.dispatch(HttpRequest{.method = "POST", .target = "/", .path = "/"}).status, 405);

  AdminHttpServer empty(io);
  add_status_routes(empty, [] { return CataloguePtr(); }, registry, status);
  EXPECT_EQ(empty.dispatch(HttpRequest{.method = "GET", .target = "/", .path = "/"}).status, 503);
}

}  // namespace
}  // namespace renkei
