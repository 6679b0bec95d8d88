// Business days: weekends, holidays, the year-end closure (default and configured) and
// the city's own closure days; stepping to the next/previous one and counting them.
#include <gtest/gtest.h>

#include "renkei/scheduler/jp_calendar.hpp"
#include "scheduler_test_support.hpp"

namespace renkei {
namespace {

using testing::date;

JpCalendar without_year_end() {
  CalendarOptions o;
  o.closures.year_end.reset();
  return JpCalendar{o};
}

TEST(JpCalendar, WeekendsHolidaysAndTheYearEndAreNoBusinessDays) {
  const JpCalendar cal;
  EXPECT_TRUE(cal.is_business_day(date(2024, 2, 9)));    // Friday
  EXPECT_FALSE(cal.is_business_day(date(2024, 2, 10)));  // Saturday
  EXPECT_FALSE(cal.is_business_day(date(2024, 2, 11)));  // Sunday, 建国記念の日
  EXPECT_FALSE(cal.is_business_day(date(2024, 2, 12)));  // 振替休日
  EXPECT_TRUE(cal.is_business_day(date(2024, 2, 13)));
  EXPECT_FALSE(cal.is_business_day(date(2026, 9, 22)));  // 国民の休日
  for (auto d : {date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 2)}) {
    EXPECT_FALSE(cal.is_business_day(d)) << to_string(d);
    EXPECT_TRUE(cal.in_year_end_closure(d)) << to_string(d);
    EXPECT_FALSE(cal.is_holiday(d)) << to_string(d);  // closed, but no public holiday
  }
  EXPECT_TRUE(cal.is_business_day(date(2025, 12, 26)));
  EXPECT_TRUE(cal.is_business_day(date(2026, 1, 5)));
  EXPECT_FALSE(cal.is_holiday(date(2026, 1, 5)));
}

TEST(JpCalendar, YearEndClosureIsConfigurable) {
  const JpCalendar open = without_year_end();
  EXPECT_TRUE(open.is_business_day(date(2025, 12, 29)));
  EXPECT_TRUE(open.is_business_day(date(2026, 1, 2)));
  EXPECT_FALSE(open.is_business_day(date(2026, 1, 1)));  // 元日 stays a holiday

  CalendarOptions o;
  o.closures.year_end = YearEndClosure{std::chrono::December / 28, std::chrono::January / 4};
  const JpCalendar longer(o);
  EXPECT_FALSE(longer.is_business_day(date(2026, 12, 28)));  // Monday
  EXPECT_TRUE(longer.is_business_day(date(2027, 1, 5)));
  EXPECT_FALSE(longer.is_business_day(date(2027, 1, 4)));   // Monday
  EXPECT_TRUE(longer.is_business_day(date(2026, 12, 25)));
}

TEST(JpCalendar, ClosureSpansAreChecked) {
  EXPECT_FALSE(YearEndClosure{}.problem());
  EXPECT_FALSE((YearEndClosure{std::chrono::August / 13, std::chrono::August / 15}.problem()));
  EXPECT_TRUE((YearEndClosure{std::chrono::December / 1, std::chrono::January / 31}.problem()));
  EXPECT_TRUE((YearEndClosure{std::chrono::February / 30, std::chrono::March / 1}.problem()));
  const YearEndClosure summer{std::chrono::August / 13, std::chrono::August / 15};
  EXPECT_TRUE(summer.contains(std::chrono::August / 14));
  EXPECT_FALSE(summer.contains(std::chrono::December / 31));
}

TEST(JpCalendar, ExtraClosureDaysAndWhyADayIsClosed) {
  CalendarOptions o;
  o.closures.days = {{std::chrono::sys_days{date(2026, 8, 17)}, "庁舎電気設備点検"},
                     {std::chrono::sys_days{date(2026, 3, 2)}, "システム更改"}};
  const JpCalendar cal(o);
  EXPECT_FALSE(cal.is_business_day(date(2026, 8, 17)));
  EXPECT_FALSE(cal.is_business_day(date(2026, 3, 2)));
  EXPECT_FALSE(cal.is_holiday(date(2026, 8, 17)));
  EXPECT_EQ(cal.closed_because(date(2026, 8, 17)), "庁舎電気設備点検");
  EXPECT_EQ(cal.closed_because(date(2026, 1, 1)), "元日");
  EXPECT_EQ(cal.closed_because(date(2025, 12, 30)), "年末年始休業");
  EXPECT_EQ(cal.closed_because(date(2026, 8, 15)), "土曜日");
  EXPECT_EQ(cal.closed_because(date(2026, 8, 16)), "日曜日");
  EXPECT_EQ(cal.closed_because(date(2026, 8, 18)), std::nullopt);
  EXPECT_EQ(to_string(cal.next_business_day(date(2026, 8, 14))), "2026-08-18");
}

TEST(JpCalendar, NextAndPreviousBusinessDayAreStrict) {
  const JpCalendar cal;
  EXPECT_EQ(to_string(cal.next_business_day(date(2024, 2, 9))), "2024-02-13");
  EXPECT_EQ(to_string(cal.next_business_day(date(2024, 2, 13))), "2024-02-14");
  EXPECT_EQ(to_string(cal.previous_business_day(date(2024, 2, 13))), "2024-02-09");
  EXPECT_EQ(to_string(cal.next_business_day(date(2025, 12, 26))), "2026-01-05");
  EXPECT_EQ(to_string(cal.previous_business_day(date(2026, 1, 5))), "2025-12-26");
  EXPECT_EQ(to_string(cal.next_business_day(date(2025, 5, 2))), "2025-05-07");  // Golden Week
  EXPECT_EQ(to_string(without_year_end().next_business_day(date(2025, 12, 31))), "2026-01-02");
}

TEST(JpCalendar, NthAndLastBusinessDayOfAMonth) {
  const JpCalendar cal;
  using std::chrono::year;
  using namespace std::chrono_literals;
  // Golden Week: 05-01, 05-02, then nothing until 05-07 (2025) / 05-07, 05-08 (2026).
  EXPECT_EQ(to_string(*cal.nth_business_day(2025y / std::chrono::May, 3)), "2025-05-07");
  EXPECT_EQ(to_string(*cal.nth_business_day(2026y / std::chrono::May, 3)), "2026-05-08");
  EXPECT_EQ(to_string(*cal.nth_business_day(2026y / std::chrono::January, 1)), "2026-01-05");
  EXPECT_EQ(to_string(*without_year_end().nth_business_day(2026y / std::chrono::January, 1)), "2026-01-02");
  EXPECT_EQ(cal.nth_business_day(2025y / std::chrono::February, 20), std::nullopt);  // it has 18
  EXPECT_EQ(to_string(*cal.nth_business_day(2025y / std::chrono::February, 18)), "2025-02-28");
  EXPECT_EQ(cal.nth_business_day(2025y / std::chrono::February, 0), std::nullopt);

  EXPECT_EQ(to_string(*cal.last_business_day(2025y / std::chrono::February)), "2025-02-28");
  EXPECT_EQ(to_string(*cal.last_business_day(2028y / std::chrono::February)), "2028-02-29");
  EXPECT_EQ(to_string(*cal.last_business_day(2025y / std::chrono::August)), "2025-08-29");  // 31st a Sunday
  EXPECT_EQ(to_string(*cal.last_business_day(2025y / std::chrono::December)), "2025-12-26");
  EXPECT_EQ(to_string(*without_year_end().last_business_day(2025y / std::chrono::December)),
            "2025-12-31");
}

}  // namespace
}  // namespace renkei
