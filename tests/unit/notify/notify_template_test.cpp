// Templates: what check_template refuses (and where it says the mistake is), what render
// puts in, and that a value cannot carry a line break into the text.
#include "notify_template.hpp"

#include <gtest/gtest.h>

#include "notify_check.hpp"

namespace renkei {
namespace {

TEST(NotifyTemplate, AcceptsEveryAllowedName) {
  std::string all;
  for (auto name : notify_variable_names()) all += "{{" + std::string(name) + "}} ";
  EXPECT_TRUE(check_template(all)) << check_template(all).error();
  EXPECT_TRUE(check_template("no placeholders, a lone { and }} are text"));
  EXPECT_TRUE(check_template(""));
}

TEST(NotifyTemplate, UnknownVariableIsAnErrorAtTheOffsetOfItsBraces) {
  auto r = check_template("連携 {{run_id}} {{record}}");
  ASSERT_FALSE(r);
  // "連携 " is 7 bytes, "{{run_id}}" 10, then a space: the bad "{{" starts at byte 18.
  EXPECT_EQ(r.error(), "unknown variable \"record\" at byte 18");

  auto spaced = check_template("x{{ run_id }}");
  ASSERT_FALSE(spaced);
  EXPECT_EQ(spaced.error(), "unknown variable \" run_id \" at byte 1");

  auto ctl = check_template("{{a\nb}}");
  ASSERT_FALSE(ctl);
  EXPECT_EQ(ctl.error(), "unknown variable \"a\\x0Ab\" at byte 0");  // escaped for the log
}

TEST(NotifyTemplate, UnclosedBracesAreAnErrorAtTheirOffset) {
  auto r = check_template("{{event}} ok {{run_id");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unclosed \"{{\" at byte 13");
  auto tail = check_template("{{hub}}{{");
  ASSERT_FALSE(tail);
  EXPECT_EQ(tail.error(), "unclosed \"{{\" at byte 7");
}

TEST(NotifyTemplate, RenderSubstitutesAndLeavesUnknownOrAbsentEmpty) {
  NotifyVars vars{{"interface", "IF015"}, {"count", "12"}, {"interface", "ignored: first wins"}};
  EXPECT_EQ(render("{{interface}} has {{count}} in DLQ{{reason}}.", vars), "IF015 has 12 in DLQ.");
  EXPECT_EQ(render("{{nope}}|{{count}}", vars), "|12");
  EXPECT_EQ(render("left {{count", vars), "left {{count");  // unclosed stays text
  EXPECT_EQ(render("住民記録 {{count}}件", vars), "住民記録 12件");
}

TEST(NotifyTemplate, ValuesCannotBreakALineButTheTemplateMay) {
  NotifyVars vars{{"reason", "bad\r\nBcc: evil@example.com\x7f\t"}};
  EXPECT_EQ(render("理由: {{reason}}\n以上", vars), "理由: bad\\x0D\\x0ABcc: evil@example.com\\x7F\\x09\n以上");
}

TEST(NotifyTemplate, EveryDefaultTemplatePassesTheCheck) {
  for (NotifyEvent e : all_notify_events) {
    const auto& t = default_template(e);
    EXPECT_TRUE(check_template(t.subject)) << to_string(e);
    EXPECT_TRUE(check_template(t.body)) << to_string(e);
    EXPECT_FALSE(t.subject.empty());
    EXPECT_EQ(t.subject.find('\n'), std::string::npos) << to_string(e);
  }
}

TEST(NotifyTemplate, EventNamesRoundTrip) {
  for (NotifyEvent e : all_notify_events) EXPECT_EQ(parse_notify_event(to_string(e)), e);
  EXPECT_EQ(to_string(NotifyEvent::DlqGrowth), "dlq-growth");
  EXPECT_FALSE(parse_notify_event("run_failed"));
}

TEST(NotifyCheck, RefusesWhatCouldInjectOrCannotWork) {
  NotifyConfig ok{.webhooks = {WebhookChannel{.name = "chat", .url = "https://chat.example/hook"}},
                  .mails = {MailChannel{.name = "ops", .url = "smtp://mail.example:25", .from = "a@example.jp",
                                        .to = {"b@example.jp"}}}};
  EXPECT_TRUE(check_notify_config(ok)) << check_notify_config(ok).error();

  auto bad_header = ok;
  bad_header.webhooks[0].headers = {{"X-A", "v\r\nX-Evil: 1"}};
  EXPECT_FALSE(check_notify_config(bad_header));
  auto bad_rcpt = ok;
  bad_rcpt.mails[0].to = {"b@example.jp>\r\nRCPT TO:<c@example.jp"};
  EXPECT_FALSE(check_notify_config(bad_rcpt));
  auto file_url = ok;
  file_url.webhooks[0].url = "file:///etc/passwd";
  EXPECT_FALSE(check_notify_config(file_url));
  auto twice = ok;
  twice.mails[0].name = "chat";
  EXPECT_FALSE(check_notify_config(twice));
  auto bad_template = ok;
  bad_template.templates[NotifyEvent::TargetDown] = {.subject = "{{target}}", .body = "{{records}}"};
  auto r = check_notify_config(bad_template);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "template target-down body: unknown variable \"records\" at byte 0");
  // The error never quotes the URL: a webhook URL may carry its secret.
  auto secret = ok;
  secret.webhooks[0].url = "gopher://user:hunter2@x/";
  ASSERT_FALSE(check_notify_config(secret));
  EXPECT_EQ(check_notify_config(secret).error().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace renkei
