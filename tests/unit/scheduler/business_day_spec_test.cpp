// "bd:3 09:00" / "bd:last 18:00", and telling them apart from cron in a route's schedule.
#include <gtest/gtest.h>

#include "renkei/catalogue/business_day_spec.hpp"
#include "renkei/scheduler/run_spec.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;

TEST(BusinessDaySpec, ParsesNthAndLast) {
  auto third = BusinessDaySpec::parse("bd:3 09:00");
  ASSERT_TRUE(third) << third.error();
  EXPECT_FALSE(third->last);
  EXPECT_EQ(third->nth, 3u);
  EXPECT_EQ(third->time_of_day, 9h);
  EXPECT_EQ(third->str(), "bd:3 09:00");

  auto last = BusinessDaySpec::parse("  bd:last   18:30 ");
  ASSERT_TRUE(last) << last.error();
  EXPECT_TRUE(last->last);
  EXPECT_EQ(last->time_of_day, 18h + 30min);
  EXPECT_EQ(last->str(), "bd:last 18:30");

  auto early = BusinessDaySpec::parse("bd:23 0:05");
  ASSERT_TRUE(early) << early.error();
  EXPECT_EQ(early->str(), "bd:23 00:05");
}

TEST(BusinessDaySpec, ErrorsSayWhichPart) {
  auto expect_error = [](std::string_view text, std::string_view part) {
    auto r = BusinessDaySpec::parse(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find(part), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("business-day schedule"), std::string::npos) << r.error();
  };
  expect_error("bd:0 09:00", "day '0'");
  expect_error("bd:24 09:00", "day '24'");
  expect_error("bd:first 09:00", "day 'first'");
  expect_error("bd:3 24:00", "time '24:00'");
  expect_error("bd:3 9:5", "time '9:5'");
  expect_error("bd:3 0900", "time '0900'");
  expect_error("bd:last", "expected a day and a time");
  expect_error("bd:3 09:00 extra", "expected a day and a time");
  expect_error("3 09:00", "must start with 'bd:'");
}

TEST(RunSpec, BusinessDaySpecOrCron) {
  auto bd = parse_run_spec("bd:last 18:00", BusinessDayRule::Skip);
  ASSERT_TRUE(bd) << bd.error();
  EXPECT_TRUE(std::holds_alternative<BusinessDaySpec>(*bd));

  Schedule monthly;
  monthly.cron = "0 6 1 * *";
  monthly.on_non_business_day = BusinessDayRule::NextBusinessDay;
  auto cron = run_spec_of(monthly);
  ASSERT_TRUE(cron) << cron.error();
  ASSERT_TRUE(std::holds_alternative<CronSchedule>(*cron));
  EXPECT_EQ(std::get<CronSchedule>(*cron).rule, BusinessDayRule::NextBusinessDay);

  auto bad_bd = parse_run_spec("bd:x 18:00", BusinessDayRule::Run);
  ASSERT_FALSE(bad_bd);
  EXPECT_NE(bad_bd.error().find("business-day schedule"), std::string::npos) << bad_bd.error();
  auto bad_cron = parse_run_spec("0 25 * * *", BusinessDayRule::Run);
  ASSERT_FALSE(bad_cron);
  EXPECT_NE(bad_cron.error().find("hour"), std::string::npos) << bad_cron.error();
}

}  // namespace
}  // namespace renkei
