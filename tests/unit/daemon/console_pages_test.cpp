#include <gtest/gtest.h>

#include "console_pages.hpp"

namespace renkei {
namespace {

TodayView one_due_row() {
  TodayView v{"renkei", "2026-11-25", {}, {}, {}, 1};
  TodayRow r{17, "住民記録情報<script>", "住民記録システム", "VRS", "2026-11-25T22:00:00+09:00", true, nullptr, 0};
  r.last_run = {{"id", "017-20261125"}, {"state", "succeeded"}, {"acked_at", nullptr}};
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

}  // namespace
}  // namespace renkei
