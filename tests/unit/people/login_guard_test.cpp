#include <gtest/gtest.h>

#include "renkei/people/login_guard.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;

TEST(LoginGuard, FiveFailuresWithinTheWindowLockTheNameForItsTime) {
  LoginGuard g;
  const auto t0 = LoginGuard::Clock::time_point{} + 1000h;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.failed("tanaka", t0 + std::chrono::minutes(i)));
  EXPECT_EQ(g.locked_for("tanaka", t0 + 4min), 0);
  EXPECT_TRUE(g.failed("tanaka", t0 + 4min));
  EXPECT_EQ(g.locked_for("tanaka", t0 + 4min), 15 * 60);
  EXPECT_EQ(g.locked_for("suzuki", t0 + 4min), 0);  // names are apart
  EXPECT_GT(g.locked_for("tanaka", t0 + 18min), 0);
  EXPECT_EQ(g.locked_for("tanaka", t0 + 19min), 0);
}

TEST(LoginGuard, FailuresSpreadBeyondTheWindowOrASuccessStartAgain) {
  LoginGuard g;
  const auto t0 = LoginGuard::Clock::time_point{} + 1000h;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.failed("tanaka", t0 + i * 1s));
  // The fifth comes after the window of the first: counting starts again.
  EXPECT_FALSE(g.failed("tanaka", t0 + 16min));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(g.failed("tanaka", t0 + 16min + i * 1s));
  g.succeeded("tanaka");
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.failed("tanaka", t0 + 17min + i * 1s));
  EXPECT_EQ(g.locked_for("tanaka", t0 + 17min + 5s), 0);
}

TEST(LoginGuard, TrackedNamesAreBounded) {
  LoginGuard g(LoginGuard::Options{.max_failures = 2, .window = 15min, .lock_for = 15min, .max_names = 3});
  const auto t0 = LoginGuard::Clock::time_point{} + 1000h;
  g.failed("a", t0);
  g.failed("b", t0 + 1s);
  g.failed("c", t0 + 2s);
  g.failed("d", t0 + 3s);  // "a" is forgotten to make room
  EXPECT_FALSE(g.failed("a", t0 + 4s));
  EXPECT_TRUE(g.failed("d", t0 + 5s));
}

}  // namespace
}  // namespace renkei
