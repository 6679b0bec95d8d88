// NotifyWatch: dead letters new since the last check make one dlq-growth per route and
// check; a target down for target_down_after_s without a break makes one target-down,
// and another only after it was up again.
#include "notify_watch.hpp"

#include <gtest/gtest.h>

#include "renkei/catalogue/config_loader.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using Clock = NotifyWatch::Clock;

std::string var(const NotifyWatch::Event& e, const std::string& name) {
  for (const auto& [k, v] : e.vars)
    if (k == name) return v;
  return "(none)";
}

class Watch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = load_catalogue(RENKEI_SOURCE_DIR "/config");
    ASSERT_TRUE(cat.has_value());
    c_ = **cat;
    c_.hub.notify.dlq_check_s = 60;
    c_.hub.notify.target_down_after_s = 600;
  }
  Catalogue c_;
  NotifyWatch w_;
  Clock::time_point t0_ = Clock::now();
};

TEST_F(Watch, DeadLettersNewSinceTheLastCheckAreOneEventPerRoute) {
  EXPECT_TRUE(w_.check(c_, {{9, 0}, {17, 2}}, {}, t0_).empty());  // the first look only primes
  EXPECT_TRUE(w_.check(c_, {{9, 5}, {17, 2}}, {}, t0_ + 30s).empty());  // not yet dlq_check_s
  auto e = w_.check(c_, {{9, 5}, {17, 2}}, {}, t0_ + 61s);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].event, NotifyEvent::DlqGrowth);
  EXPECT_EQ(var(e[0], "interface"), "009");
  EXPECT_EQ(var(e[0], "count"), "5");
  EXPECT_EQ(var(e[0], "route_dlq_count"), "5");
  EXPECT_TRUE(w_.check(c_, {{9, 5}, {17, 2}}, {}, t0_ + 125s).empty());  // nothing new
  e = w_.check(c_, {{9, 7}, {17, 3}}, {}, t0_ + 190s);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(var(e[0], "count"), "2");
  EXPECT_EQ(var(e[0], "route_dlq_count"), "7");
  EXPECT_EQ(var(e[1], "interface"), "017");
  EXPECT_EQ(var(e[1], "count"), "1");
}

TEST_F(Watch, ATargetDownLongEnoughIsToldOnceUntilItIsUpAgain) {
  const std::map<std::string, bool> down{{"vrs", false}, {"eltax", true}};
  EXPECT_TRUE(w_.check(c_, {}, down, t0_).empty());
  EXPECT_TRUE(w_.check(c_, {}, down, t0_ + 599s).empty());
  auto e = w_.check(c_, {}, down, t0_ + 600s);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].event, NotifyEvent::TargetDown);
  EXPECT_NE(var(e[0], "target").find("(vrs)"), std::string::npos) << var(e[0], "target");
  EXPECT_EQ(var(e[0], "minutes"), "10");
  EXPECT_TRUE(w_.check(c_, {}, down, t0_ + 1200s).empty());  // once
  // Up for a moment: the clock starts again.
  EXPECT_TRUE(w_.check(c_, {}, {{"vrs", true}}, t0_ + 1201s).empty());
  EXPECT_TRUE(w_.check(c_, {}, down, t0_ + 1202s).empty());
  EXPECT_TRUE(w_.check(c_, {}, down, t0_ + 1801s).empty());
  EXPECT_EQ(w_.check(c_, {}, down, t0_ + 1802s).size(), 1u);
}

}  // namespace
}  // namespace renkei
