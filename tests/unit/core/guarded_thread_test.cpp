#include "renkei/guarded_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace renkei {
namespace {

using namespace std::chrono_literals;

TEST(GuardedThreadTest, ALoopThatThrowsStartsAgainAndIsCounted) {
  const auto before = guarded_thread_restarts().load();
  int turns = 0;
  // Throws twice, then returns: the guard must run it a third time and then return.
  std::thread t([&] {
    run_guarded("renkei:test", [&] {
      if (++turns < 3) throw std::runtime_error("turn failed");
    }, [] { return false; }, 1ms);
  });
  t.join();
  EXPECT_EQ(turns, 3);
  EXPECT_EQ(guarded_thread_restarts().load() - before, 2u);
}

TEST(GuardedThreadTest, AStopEndsTheLoopInsteadOfRestartingIt) {
  std::atomic<bool> stopping{false};
  std::atomic<int> turns{0};
  std::thread t([&] {
    run_guarded("renkei:test", [&] {
      ++turns;
      stopping = true;
      throw 42;  // not even a std::exception
    }, [&] { return stopping.load(); }, 10s);
  });
  t.join();  // would wait the 10 s pause (and loop again) if the stop were not seen
  EXPECT_EQ(turns.load(), 1);
}

TEST(GuardedThreadTest, RunCatchingGivesTheEscapedTextOfWhatWasThrown) {
  EXPECT_FALSE(run_catching([] {}));
  auto text = run_catching([] { throw std::runtime_error("bad\nline\xff"); });
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find('\n'), std::string::npos);
  EXPECT_EQ(text->find('\xff'), std::string::npos);
  EXPECT_NE(text->find("bad"), std::string::npos);
  EXPECT_TRUE(run_catching([] { throw 1; }));
}

}  // namespace
}  // namespace renkei
