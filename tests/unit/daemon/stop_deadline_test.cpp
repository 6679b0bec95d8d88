// StopDeadline: a drain that finishes in time calls the deadline off; one that does not
// ends the process at the limit with exit 0 and says why.
#include "stop_deadline.hpp"

#include "renkei/json_log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

namespace renkei {
namespace {

TEST(StopDeadline, ExpiresOnceTheLimitHasPassed) {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration at{};
  {
    StopDeadline d(100ms, [&] {
      std::lock_guard lock(mu);
      ++calls;
      at = std::chrono::steady_clock::now() - start;
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return calls > 0; }));
  }
  EXPECT_EQ(calls, 1);
  EXPECT_GE(at, 100ms);
}

TEST(StopDeadline, ADrainThatFinishesInTimeCallsItOff) {
  std::atomic<int> calls{0};
  const auto start = std::chrono::steady_clock::now();
  { StopDeadline d(300ms, [&] { ++calls; }); }
  // Destroying it does not wait out the limit either.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(calls.load(), 0);
}

TEST(StopDeadlineDeathTest, TheDefaultEndsTheProcessWithZeroAndSaysWhy) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        // renkeid's format, on stderr where the death test looks (renkeid logs to stdout).
        spdlog::set_default_logger(spdlog::stderr_logger_mt("stop-deadline-test"));
        use_json_logs();
        StopDeadline d(200ms);
        std::this_thread::sleep_for(30s);  // the stuck drain
        std::_Exit(3);
      },
      testing::ExitedWithCode(0), "did not finish within hub.stop_timeout_s \\(0.2 s\\)");
}

}  // namespace
}  // namespace renkei
