// Webhooks end to end on loopback: what the POST looks like, and that failures are
// retried with backoff, counted, and given up on after max_attempts.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "notifier.hpp"
#include "notify_test_support.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using test::Recorder;
using test::TestHttpServer;

std::string temp_file(const std::string& content) {
  auto path = std::filesystem::temp_directory_path() /
              ("renkei-notify-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::ofstream(path) << content;
  return path;
}

NotifyConfig one_webhook(const std::string& url) {
  NotifyConfig c;
  c.webhooks.push_back(WebhookChannel{.name = "chat", .url = url, .timeout = 2000ms});
  c.first_backoff = 20ms;
  return c;
}

TEST(Webhook, PostsJsonOfTheVariablesWithEventAndText) {
  TestHttpServer server({200});
  auto token = temp_file("s3cret-token\nsecond line ignored\n");
  NotifyConfig c = one_webhook(server.url("/hooks/renkei?room=ops"));
  c.webhooks[0].headers = {{"X-Renkei-Test", "1"}};
  c.webhooks[0].bearer_token_file = token;
  c.templates[NotifyEvent::RunFailed] = {.subject = "unused", .body = "{{interface}} 失敗: {{reason}}"};
  Recorder rec;
  {
    Notifier n(c, rec.counters());
    n.notify(NotifyEvent::RunFailed, {{"interface", "IF015"},
                                      {"interface_name", "住民記録→税"},
                                      {"run_id", "r-42"},
                                      {"reason", "line1\nline2"},
                                      {"event", "spoofed"}});
    ASSERT_TRUE(rec.wait([&] { return rec.sent() == 1; }));
  }
  std::filesystem::remove(token);
  EXPECT_EQ(rec.failed(), 0u);
  EXPECT_EQ(rec.dropped(), 0u);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const auto& r = reqs[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hooks/renkei?room=ops");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("authorization"), "Bearer s3cret-token");
  EXPECT_EQ(r.headers.at("x-renkei-test"), "1");
  EXPECT_EQ(r.headers.count("expect"), 0u);

  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.at("event"), "run-failed");  // the notifier's, not the caller's
  EXPECT_EQ(j.at("interface"), "IF015");
  EXPECT_EQ(j.at("interface_name"), "住民記録→税");
  EXPECT_EQ(j.at("run_id"), "r-42");
  EXPECT_EQ(j.at("reason"), "line1\nline2");  // JSON carries it safely as it is
  EXPECT_TRUE(j.at("at").get<std::string>().size() >= 20) << j.dump();
  EXPECT_EQ(j.at("text"), "IF015 失敗: line1\\x0Aline2");  // the rendered body: one line
}

TEST(Webhook, RetriesA500WithBackoffUntilA200) {
  TestHttpServer server({500, 500, 200});
  Recorder rec;
  auto start = std::chrono::steady_clock::now();
  Notifier n(one_webhook(server.url("/hook")), rec.counters());
  n.notify(NotifyEvent::DlqGrowth, {{"interface", "IF003"}, {"count", "7"}});
  ASSERT_TRUE(rec.wait([&] { return rec.sent() == 1; }));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(rec.failed(), 2u);
  EXPECT_EQ(rec.dropped(), 0u);
  EXPECT_TRUE(rec.wait([&] { return n.pending() == 0; }));
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].body, reqs[2].body);  // the same notification, not a new one
  EXPECT_GE(took, 20ms + 40ms);           // 20 ms, then doubled
}

TEST(Webhook, GivesUpAfterMaxAttempts) {
  TestHttpServer server({503});
  Recorder rec;
  NotifyConfig c = one_webhook(server.url("/hook"));
  c.max_attempts = 3;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::TargetDown, {{"target", "tax-db"}});
  ASSERT_TRUE(rec.wait([&] { return rec.dropped() == 1; }));
  EXPECT_EQ(rec.dropped("attempts exhausted"), 1u);
  EXPECT_EQ(rec.failed(), 2u);
  EXPECT_EQ(rec.sent(), 0u);
  EXPECT_EQ(server.request_count(), 3u);
}

TEST(Webhook, AChannelInBackoffDoesNotHoldUpAnother) {
  TestHttpServer down({500});
  TestHttpServer up({200});
  NotifyConfig c;
  c.webhooks = {WebhookChannel{.name = "down", .url = down.url("/"), .timeout = 2000ms},
                WebhookChannel{.name = "up", .url = up.url("/"), .timeout = 2000ms}};
  c.first_backoff = 1000ms;
  c.max_attempts = 2;
  Recorder rec;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::RunMissing, {{"interface", "IF001"}});
  ASSERT_TRUE(rec.wait([&] { return rec.failed("down") == 1 && rec.sent("up") == 1; }));
  // "down" now waits 1 s for its retry; a new notification for "up" must not wait with it.
  auto start = std::chrono::steady_clock::now();
  n.notify(NotifyEvent::RunMissing, {{"interface", "IF002"}});
  ASSERT_TRUE(rec.wait([&] { return rec.sent("up") == 2; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

TEST(Webhook, AnUnreadableTokenFileIsAFailedAttemptNotACrash) {
  TestHttpServer server({200});
  NotifyConfig c = one_webhook(server.url("/hook"));
  c.webhooks[0].bearer_token_file = "/nonexistent/renkei-token";
  c.max_attempts = 2;
  Recorder rec;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::HookFailed, {{"hook", "after-run"}});
  ASSERT_TRUE(rec.wait([&] { return rec.dropped("attempts exhausted") == 1; }));
  EXPECT_EQ(server.request_count(), 0u);  // no request without its token
}

TEST(Webhook, EventsNotListedAreNotSent) {
  TestHttpServer server({200});
  NotifyConfig c = one_webhook(server.url("/hook"));
  c.events = {NotifyEvent::RunFailed};
  Recorder rec;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::DlqGrowth, {});
  n.notify(NotifyEvent::RunFailed, {});
  ASSERT_TRUE(rec.wait([&] { return rec.sent() == 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_EQ(nlohmann::json::parse(server.requests()[0].body).at("event"), "run-failed");
}

}  // namespace
}  // namespace renkei
