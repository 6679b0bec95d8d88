#include <gtest/gtest.h>

#include "renkei/catalogue/cron_expr.hpp"

namespace renkei {
namespace {

TEST(CronExpr, ParsesListsRangesStepsAndNames) {
  auto e = CronExpr::parse("*/15 9-17 1,15 JAN-MAR mon-fri");
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->minutes.count(), 4u);
  EXPECT_TRUE(e->minutes.test(45));
  EXPECT_EQ(e->hours.count(), 9u);
  EXPECT_TRUE(e->days_of_month.test(15));
  EXPECT_FALSE(e->days_of_month.test(2));
  EXPECT_TRUE(e->months.test(3));
  EXPECT_FALSE(e->months.test(4));
  EXPECT_TRUE(e->days_of_week.test(1));
  EXPECT_FALSE(e->days_of_week.test(0));
  EXPECT_FALSE(e->any_day_of_month);
}

TEST(CronExpr, SundayIsZeroOrSeven) {
  auto e = CronExpr::parse("0 0 * * 7");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->days_of_week.test(0));
  EXPECT_TRUE(e->any_day_of_month);
}

TEST(CronExpr, ErrorsNameTheField) {
  auto e = CronExpr::parse("0 25 * * *");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("hour"), std::string::npos) << e.error();
  EXPECT_NE(e.error().find("25"), std::string::npos);

  auto f = CronExpr::parse("0 22 * *");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().find("4 fields"), std::string::npos) << f.error();

  EXPECT_FALSE(CronExpr::parse("0 22 31-1 * *"));
  EXPECT_FALSE(CronExpr::parse("0 22 * * */0"));
  EXPECT_FALSE(CronExpr::parse("x 22 * * *"));
  EXPECT_FALSE(CronExpr::parse("0 22 0 * *"));
}

}  // namespace
}  // namespace renkei
