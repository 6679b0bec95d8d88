// The rules against the calendars 内閣府 publishes ("国民の祝日について"): every 祝日,
// 振替休日 and 国民の休日 of each year, so that a missing or an extra day both fail.
#include <gtest/gtest.h>

#include "renkei/scheduler/jp_holiday_rules.hpp"
#include "scheduler_test_support.hpp"

namespace renkei {
namespace {

using testing::DatedNames;
using testing::date;
using testing::holidays_of;

TEST(JpHolidays, Published2024) {
  const DatedNames expected = {
      {"2024-01-01", "元日"},         {"2024-01-08", "成人の日"},     {"2024-02-11", "建国記念の日"},
      {"2024-02-12", "振替休日"},     {"2024-02-23", "天皇誕生日"},   {"2024-03-20", "春分の日"},
      {"2024-04-29", "昭和の日"},     {"2024-05-03", "憲法記念日"},   {"2024-05-04", "みどりの日"},
      {"2024-05-05", "こどもの日"},   {"2024-05-06", "振替休日"},     {"2024-07-15", "海の日"},
      {"2024-08-11", "山の日"},       {"2024-08-12", "振替休日"},     {"2024-09-16", "敬老の日"},
      {"2024-09-22", "秋分の日"},     {"2024-09-23", "振替休日"},     {"2024-10-14", "スポーツの日"},
      {"2024-11-03", "文化の日"},     {"2024-11-04", "振替休日"},     {"2024-11-23", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays_of(JpCalendar{}, 2024), expected);
}

TEST(JpHolidays, Published2025) {
  const DatedNames expected = {
      {"2025-01-01", "元日"},         {"2025-01-13", "成人の日"},     {"2025-02-11", "建国記念の日"},
      {"2025-02-23", "天皇誕生日"},   {"2025-02-24", "振替休日"},     {"2025-03-20", "春分の日"},
      {"2025-04-29", "昭和の日"},     {"2025-05-03", "憲法記念日"},   {"2025-05-04", "みどりの日"},
      {"2025-05-05", "こどもの日"},   {"2025-05-06", "振替休日"},     {"2025-07-21", "海の日"},
      {"2025-08-11", "山の日"},       {"2025-09-15", "敬老の日"},     {"2025-09-23", "秋分の日"},
      {"2025-10-13", "スポーツの日"}, {"2025-11-03", "文化の日"},     {"2025-11-23", "勤労感謝の日"},
      {"2025-11-24", "振替休日"},
  };
  EXPECT_EQ(holidays_of(JpCalendar{}, 2025), expected);
}

TEST(JpHolidays, Published2026) {
  const DatedNames expected = {
      {"2026-01-01", "元日"},         {"2026-01-12", "成人の日"},     {"2026-02-11", "建国記念の日"},
      {"2026-02-23", "天皇誕生日"},   {"2026-03-20", "春分の日"},     {"2026-04-29", "昭和の日"},
      {"2026-05-03", "憲法記念日"},   {"2026-05-04", "みどりの日"},   {"2026-05-05", "こどもの日"},
      {"2026-05-06", "振替休日"},     {"2026-07-20", "海の日"},       {"2026-08-11", "山の日"},
      {"2026-09-21", "敬老の日"},     {"2026-09-22", "国民の休日"},   {"2026-09-23", "秋分の日"},
      {"2026-10-12", "スポーツの日"}, {"2026-11-03", "文化の日"},     {"2026-11-23", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays_of(JpCalendar{}, 2026), expected);
}

TEST(JpHolidays, Published2027) {
  const DatedNames expected = {
      {"2027-01-01", "元日"},         {"2027-01-11", "成人の日"},     {"2027-02-11", "建国記念の日"},
      {"2027-02-23", "天皇誕生日"},   {"2027-03-21", "春分の日"},     {"2027-03-22", "振替休日"},
      {"2027-04-29", "昭和の日"},     {"2027-05-03", "憲法記念日"},   {"2027-05-04", "みどりの日"},
      {"2027-05-05", "こどもの日"},   {"2027-07-19", "海の日"},       {"2027-08-11", "山の日"},
      {"2027-09-20", "敬老の日"},     {"2027-09-23", "秋分の日"},     {"2027-10-11", "スポーツの日"},
      {"2027-11-03", "文化の日"},     {"2027-11-23", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays_of(JpCalendar{}, 2027), expected);
}

// Equinox days as announced (官報) for years where the day shifts.
TEST(JpHolidays, EquinoxFormulaMatchesAnnouncedDays) {
  const JpCalendar cal;
  for (auto d : {date(2010, 3, 21), date(2011, 3, 21), date(2012, 3, 20), date(2014, 3, 21),
                 date(2028, 3, 20)})
    EXPECT_EQ(cal.holiday_name(d), "春分の日") << to_string(d);
  for (auto d : {date(2011, 9, 23), date(2012, 9, 22), date(2016, 9, 22), date(2028, 9, 22),
                 date(2029, 9, 23)})
    EXPECT_EQ(cal.holiday_name(d), "秋分の日") << to_string(d);
}

// The law has changed; each year must follow the text in force then.
TEST(JpHolidays, EarlierVersionsOfTheLaw) {
  const JpCalendar cal;
  EXPECT_EQ(cal.holiday_name(date(1988, 4, 29)), "天皇誕生日");
  EXPECT_EQ(cal.holiday_name(date(1988, 5, 4)), "国民の休日");    // the first one
  EXPECT_EQ(cal.holiday_name(date(1989, 4, 29)), "みどりの日");
  EXPECT_EQ(cal.holiday_name(date(1992, 5, 4)), "振替休日");      // not 国民の休日 before 2007
  EXPECT_FALSE(cal.is_holiday(date(2003, 5, 4)));                  // a Sunday was no 国民の休日
  EXPECT_EQ(cal.holiday_name(date(2006, 5, 4)), "国民の休日");
  EXPECT_EQ(cal.holiday_name(date(2007, 4, 29)), "昭和の日");
  EXPECT_EQ(cal.holiday_name(date(2007, 5, 4)), "みどりの日");
  EXPECT_EQ(cal.holiday_name(date(2008, 5, 6)), "振替休日");      // 05-04 Sunday, 05-05 a 祝日
  EXPECT_EQ(cal.holiday_name(date(2009, 5, 6)), "振替休日");      // 05-03 Sunday
  EXPECT_EQ(cal.holiday_name(date(2009, 9, 22)), "国民の休日");
  EXPECT_EQ(cal.holiday_name(date(1999, 1, 15)), "成人の日");
  EXPECT_EQ(cal.holiday_name(date(2000, 1, 10)), "成人の日");
  EXPECT_EQ(cal.holiday_name(date(1999, 10, 10)), "体育の日");
  EXPECT_EQ(cal.holiday_name(date(2019, 10, 14)), "体育の日");
  EXPECT_FALSE(cal.is_holiday(date(1995, 7, 20)));
  EXPECT_EQ(cal.holiday_name(date(1996, 7, 20)), "海の日");
  EXPECT_EQ(cal.holiday_name(date(2002, 9, 15)), "敬老の日");
  EXPECT_EQ(cal.holiday_name(date(2003, 7, 21)), "海の日");
  EXPECT_FALSE(cal.is_holiday(date(2015, 8, 11)));
  EXPECT_EQ(cal.holiday_name(date(2016, 8, 11)), "山の日");
  EXPECT_EQ(cal.holiday_name(date(2018, 12, 23)), "天皇誕生日");
  EXPECT_EQ(cal.holiday_name(date(2018, 12, 24)), "振替休日");
  EXPECT_FALSE(cal.is_holiday(date(2019, 12, 23)));  // 2019 had no 天皇誕生日
  EXPECT_EQ(cal.holiday_name(date(2032, 9, 21)), "国民の休日");
}

TEST(JpHolidays, OnlyTheFormulasYearsAreKnown) {
  EXPECT_TRUE(national_holidays(1979).empty());
  EXPECT_EQ(national_holidays(1980).size(), 12u);
  EXPECT_EQ(national_holidays(2099).size(), 16u);
  EXPECT_TRUE(national_holidays(2100).empty());
  EXPECT_FALSE(JpCalendar::covers(date(2100, 1, 1)));
  EXPECT_TRUE(JpCalendar::covers(date(2099, 12, 31)));
}

}  // namespace
}  // namespace renkei
