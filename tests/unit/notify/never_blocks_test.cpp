// notify() never blocks the hub, whatever the target does; the queue is bounded; stop()
// is prompt even with a send hanging and retries pending.
#include <gtest/gtest.h>

#include "notifier.hpp"
#include "notify_test_support.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using test::Recorder;
using test::SilentListener;

TEST(NeverBlocks, AHungTargetNeitherBlocksNotifyNorStop) {
  SilentListener hung;  // accepts the connection, never answers
  NotifyConfig c;
  c.webhooks.push_back(WebhookChannel{
      .name = "hung", .url = "http://127.0.0.1:" + std::to_string(hung.port()) + "/hook", .timeout = 200ms});
  c.queue_limit = 3;
  c.max_attempts = 5;
  c.first_backoff = 20ms;
  Recorder rec;
  auto n = std::make_unique<Notifier>(c, rec.counters());

  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) n->notify(NotifyEvent::TargetDown, {{"target", "t" + std::to_string(i)}});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 50ms) << "notify() waited for the target";
  // Three deliveries unfinished at most (in flight and waiting included): seven refused.
  EXPECT_EQ(rec.dropped("queue full"), 7u);
  EXPECT_EQ(n->pending(), 3u);

  std::this_thread::sleep_for(100ms);  // let the worker be inside a hanging send
  start = std::chrono::steady_clock::now();
  n->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms) << "stop() waited for the hung target";
  EXPECT_EQ(rec.sent(), 0u);
  EXPECT_EQ(n->pending(), 0u);
  EXPECT_EQ(rec.dropped("stopped"), 3u);  // nothing vanishes uncounted
  n->notify(NotifyEvent::TargetDown, {});
  EXPECT_EQ(rec.dropped("stopped"), 4u);
  n.reset();  // the destructor after stop() is fine too
}

TEST(NeverBlocks, StopAbandonsASendInProgressLongBeforeItsTimeout) {
  SilentListener hung;
  NotifyConfig c;
  c.webhooks.push_back(WebhookChannel{
      .name = "hung", .url = "http://127.0.0.1:" + std::to_string(hung.port()) + "/", .timeout = 30s});
  Recorder rec;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::TargetDown, {});
  std::this_thread::sleep_for(200ms);  // the request is out, the answer never comes
  auto start = std::chrono::steady_clock::now();
  n.stop();
  // curl asks the progress callback about once a second: well under the 30 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(rec.dropped("stopped"), 1u);
}

TEST(NeverBlocks, StopInterruptsALongBackoff) {
  test::TestHttpServer server({500});
  NotifyConfig c;
  c.webhooks.push_back(WebhookChannel{.name = "w", .url = server.url("/"), .timeout = 1000ms});
  c.first_backoff = 60s;
  Recorder rec;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::RunFailed, {});
  ASSERT_TRUE(rec.wait([&] { return rec.failed() == 1; }));
  auto start = std::chrono::steady_clock::now();
  n.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(rec.dropped("stopped"), 1u);
}

TEST(NeverBlocks, ACounterThatThrowsDoesNotKillTheWorker) {
  test::TestHttpServer server({200});
  NotifyConfig c;
  c.webhooks.push_back(WebhookChannel{.name = "w", .url = server.url("/"), .timeout = 1000ms});
  std::atomic<int> calls{0};
  NotifyCounters counters{.sent = [&](std::string_view, NotifyEvent) {
                            ++calls;
                            throw std::runtime_error("metrics broke");
                          },
                          .failed = {},
                          .dropped = {}};
  Notifier n(c, counters);
  n.notify(NotifyEvent::RunFailed, {});
  n.notify(NotifyEvent::RunFailed, {});
  auto until = std::chrono::steady_clock::now() + 5s;
  while (calls < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(server.request_count(), 2u);
}

}  // namespace
}  // namespace renkei
