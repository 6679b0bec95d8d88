#include <gtest/gtest.h>

#include "console_pages.hpp"

namespace renkei {
namespace {

TodayView one_due_row() {
  TodayView v{"renkei", "2026-11-25", {}, {}, {}, 1};
  TodayRow r{17, "住民記録情報<script>", "住民記録システム", "VRS", "2026-11-25T22:00:00+09:00", true, nullptr, 0};
  r.last_run = {{"id", "017-20261125<i>"}, {"state", "succeeded"}, {"acked_at", nullptr}};
  v.due.push_back(r);
  return v;
}

TEST(ConsolePages, EveryValueIsEscapedAndEveryFormCarriesTheCsrfToken) {
  const std::string page =
      today_page_html(one_due_row(), PageUser{"tanaka", "<b>田中</b>", Role::Operator, "c0ffee"}, "", "a<b");
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("住民記録情報&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<b>田中</b>"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;田中&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page.find("a&lt;b"), std::string::npos);
  // The run's own values (from renkei.state) too.
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_NE(page.find("017-20261125&lt;i&gt;"), std::string::npos);
  std::size_t forms = 0, tokens = 0;
  for (auto p = page.find("<form"); p != std::string::npos; p = page.find("<form", p + 1)) ++forms;
  for (auto p = page.find("name=\"csrf\" value=\"c0ffee\""); p != std::string::npos;
       p = page.find("name=\"csrf\" value=\"c0ffee\"", p + 1))
    ++tokens;
  EXPECT_EQ(forms, 3u);  // logout, 実行, 受領確認
  EXPECT_EQ(tokens, forms);
  EXPECT_NE(page.find("id=\"run-17\""), std::string::npos);
  EXPECT_NE(page.find("id=\"ack-17\""), std::string::npos);
}

TEST(ConsolePages, AViewerGetsNoActionButtons) {
  const std::string page = today_page_html(one_due_row(), PageUser{"sato", "", Role::Viewer, "c0ffee"}, "", "");
  EXPECT_EQ(page.find("id=\"run-17\""), std::string::npos);
  EXPECT_EQ(page.find("id=\"ack-17\""), std::string::npos);
  EXPECT_EQ(page.find("/console/run"), std::string::npos);
  EXPECT_NE(page.find("id=\"row-17\""), std::string::npos);  // but sees the row
  InterfaceView v;
  v.id = 17;
  v.schedule = "0 22 * * * (skip)";
  const std::string one = interface_page_html("renkei", v, PageUser{"sato", "", Role::Viewer, "c0ffee"});
  EXPECT_EQ(one.find("/console/run"), std::string::npos);
  const std::string op = interface_page_html("renkei", v, PageUser{"tanaka", "", Role::Operator, "c0ffee"});
  EXPECT_NE(op.find("/console/run"), std::string::npos);
}

TEST(ConsolePages, TheHistoryPageEscapesEveryEntryAndKeepsTheFilter) {
  HistoryView v;
  v.filter.interface = 9;
  v.filter.outcome = "held";
  v.query = "interface=9&outcome=held";
  HistoryEntry e;
  e.kind = HistoryKind::Batch;
  e.interface = 9;
  e.file = "<img src=x>.csv";
  e.reason = "bad-record: \"quoted\" <b>";
  e.outcome = "held";
  e.records = 3;
  e.bytes = 42;
  v.entries.push_back(e);
  v.next_before = 77;
  const std::string page = history_page_html("renkei", v, PageUser{"sato", "佐藤", Role::Viewer, "c0ffee"});
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x&gt;.csv"), std::string::npos);
  EXPECT_NE(page.find("value=\"held\" selected"), std::string::npos);
  EXPECT_NE(page.find("href=\"/console/history.csv?interface=9&amp;outcome=held\""), std::string::npos);
  EXPECT_NE(page.find("href=\"/console/history?interface=9&amp;outcome=held&amp;before=77\""), std::string::npos);
}

TEST(ConsolePages, TheDlqPageOffersViewAndReplayOnlyToOperators) {
  DlqView v{5, "送付先情報", nlohmann::json{{"partition", 0}, {"partitions", 3}, {"from", 0}, {"end", 1},
                                       {"entries", {{{"partition", 0}, {"offset", 0}, {"reason", "gaiji-unmapped"},
                                                     {"detail", "record 2: <x>"}, {"bytes", 17}}}},
                                       {"next", nullptr}},
            "", ""};
  const std::string op = dlq_page_html("renkei", v, PageUser{"tanaka", "田中", Role::Operator, "c0ffee"});
  EXPECT_NE(op.find("id=\"view-0-0\""), std::string::npos);
  EXPECT_NE(op.find("id=\"replay\""), std::string::npos);
  EXPECT_NE(op.find("record 2: &lt;x&gt;"), std::string::npos);
  std::size_t forms = 0, tokens = 0;
  for (auto p = op.find("<form method=\"post\""); p != std::string::npos; p = op.find("<form method=\"post\"", p + 1)) ++forms;
  for (auto p = op.find("name=\"csrf\" value=\"c0ffee\""); p != std::string::npos;
       p = op.find("name=\"csrf\" value=\"c0ffee\"", p + 1))
    ++tokens;
  EXPECT_EQ(forms, 3u);  // logout, 再送, 内容表示
  EXPECT_EQ(tokens, forms);
  const std::string viewer = dlq_page_html("renkei", v, PageUser{"sato", "佐藤", Role::Viewer, "c0ffee"});
  EXPECT_EQ(viewer.find("内容表示"), std::string::npos);
  EXPECT_EQ(viewer.find("id=\"replay\""), std::string::npos);
}

}  // namespace
}  // namespace renkei
