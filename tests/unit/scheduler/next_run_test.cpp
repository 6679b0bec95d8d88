// When schedules fire, with an injected "now": the imported daily/monthly/yearly defaults
// across weekends, holidays, 振替休日 and the year-end closure, the previous-business-day
// rule at month starts, leap years, month ends, business-day specs and catch-up.
#include <gtest/gtest.h>

#include "renkei/scheduler/next_run.hpp"
#include "scheduler_test_support.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using testing::tokyo;
using Rule = BusinessDayRule;

RunSpec spec(std::string_view text, Rule rule = Rule::Run) {
  auto s = parse_run_spec(text, rule);
  if (!s) {
    ADD_FAILURE() << s.error();
    return BusinessDaySpec{};
  }
  return *s;
}

std::string shown(const Occurrence& o) {
  return format_tokyo(o.at) + " for " + to_string(o.business_date);
}

std::string next(const RunSpec& s, const JpCalendar& cal, std::chrono::sys_seconds now) {
  auto o = next_run(s, cal, now);
  return o ? shown(*o) : "none";
}

std::vector<std::string> between(const RunSpec& s, const JpCalendar& cal, std::chrono::sys_seconds from,
                                 std::chrono::sys_seconds to) {
  std::vector<std::string> out;
  for (const auto& o : occurrences_between(s, cal, from, to)) out.push_back(shown(o));
  return out;
}

JpCalendar with_year_end(std::optional<YearEndClosure> closure) {
  CalendarOptions o;
  o.closures.year_end = closure;
  return JpCalendar{o};
}

const JpCalendar cal;  // rules only, closed 12/29-1/3: 2024-2028 need no exceptions

TEST(NextRun, DailySkipJumpsAWeekendWithHolidayAndSubstitute) {
  const auto daily = spec("0 22 * * *", Rule::Skip);
  // Fri 02-09, then Sat, Sun 建国記念の日, Mon 振替休日.
  EXPECT_EQ(next(daily, cal, tokyo(2024, 2, 9, 21, 59, 59)), "2024-02-09T22:00:00+09:00 for 2024-02-09");
  EXPECT_EQ(next(daily, cal, tokyo(2024, 2, 9, 22, 0)), "2024-02-13T22:00:00+09:00 for 2024-02-13");
  EXPECT_EQ(next(daily, cal, tokyo(2024, 2, 11, 12, 0)), "2024-02-13T22:00:00+09:00 for 2024-02-13");
  // `run` ignores the calendar.
  EXPECT_EQ(next(spec("0 22 * * *"), cal, tokyo(2024, 2, 9, 22, 0)),
            "2024-02-10T22:00:00+09:00 for 2024-02-10");
}

TEST(NextRun, NextBusinessDayMakesOneRunOfSeveralNominalDates) {
  const auto daily = spec("0 22 * * *", Rule::NextBusinessDay);
  EXPECT_EQ(between(daily, cal, tokyo(2024, 2, 9, 21, 0), tokyo(2024, 2, 14, 23, 0)),
            (std::vector<std::string>{"2024-02-09T22:00:00+09:00 for 2024-02-09",
                                      "2024-02-13T22:00:00+09:00 for 2024-02-13",
                                      "2024-02-14T22:00:00+09:00 for 2024-02-14"}));
}

TEST(NextRun, PreviousBusinessDayNeverRunsInThePastOrTwice) {
  const auto daily = spec("0 9 * * *", Rule::PreviousBusinessDay);
  // Sat, Sun and Mon (振替休日) all belong to Friday 09:00, which is already past.
  EXPECT_EQ(next(daily, cal, tokyo(2024, 2, 9, 10, 0)), "2024-02-13T09:00:00+09:00 for 2024-02-13");
  EXPECT_EQ(between(daily, cal, tokyo(2024, 2, 8, 10, 0), tokyo(2024, 2, 13, 10, 0)),
            (std::vector<std::string>{"2024-02-09T09:00:00+09:00 for 2024-02-09",
                                      "2024-02-13T09:00:00+09:00 for 2024-02-13"}));
}

TEST(NextRun, MonthlyNextBusinessDay) {
  const auto monthly = spec("0 6 1 * *", Rule::NextBusinessDay);
  // 2025-02-01 is a Saturday.
  EXPECT_EQ(next(monthly, cal, tokyo(2025, 1, 15, 0, 0)), "2025-02-03T06:00:00+09:00 for 2025-02-03");
  // 2026-01-01 元日 (Thu), 01-02 closure, then the weekend.
  EXPECT_EQ(next(monthly, cal, tokyo(2025, 12, 2, 0, 0)), "2026-01-05T06:00:00+09:00 for 2026-01-05");
  EXPECT_EQ(next(monthly, with_year_end(std::nullopt), tokyo(2025, 12, 2, 0, 0)),
            "2026-01-02T06:00:00+09:00 for 2026-01-02");
  // A holiday mid-week: 2026-02-11 建国記念の日 (Wed).
  EXPECT_EQ(next(spec("0 6 11 * *", Rule::NextBusinessDay), cal, tokyo(2026, 2, 1, 0, 0)),
            "2026-02-12T06:00:00+09:00 for 2026-02-12");
}

TEST(NextRun, YearlyNextBusinessDay) {
  const auto yearly = spec("0 6 1 4 *", Rule::NextBusinessDay);
  EXPECT_EQ(next(yearly, cal, tokyo(2025, 4, 2, 0, 0)), "2026-04-01T06:00:00+09:00 for 2026-04-01");
  EXPECT_EQ(next(yearly, cal, tokyo(2026, 4, 1, 6, 0)), "2027-04-01T06:00:00+09:00 for 2027-04-01");
  // 2028-04-01 is a Saturday.
  EXPECT_EQ(next(yearly, cal, tokyo(2027, 4, 1, 6, 0)), "2028-04-03T06:00:00+09:00 for 2028-04-03");
}

TEST(NextRun, PreviousBusinessDayAtMonthStart) {
  const auto monthly = spec("0 6 1 * *", Rule::PreviousBusinessDay);
  // 2025-03-01 is a Saturday: its run is Friday 02-28, before the nominal date.
  EXPECT_EQ(next(monthly, cal, tokyo(2025, 2, 20, 0, 0)), "2025-02-28T06:00:00+09:00 for 2025-02-28");
  EXPECT_EQ(next(monthly, cal, tokyo(2025, 2, 28, 6, 0)), "2025-04-01T06:00:00+09:00 for 2025-04-01");
  // 2026-01-01's run goes back over the closure and a weekend into the old year.
  EXPECT_EQ(next(monthly, cal, tokyo(2025, 12, 1, 7, 0)), "2025-12-26T06:00:00+09:00 for 2025-12-26");
  EXPECT_EQ(between(monthly, cal, tokyo(2025, 1, 31, 0, 0), tokyo(2025, 4, 30, 0, 0)),
            (std::vector<std::string>{"2025-01-31T06:00:00+09:00 for 2025-01-31",
                                      "2025-02-28T06:00:00+09:00 for 2025-02-28",
                                      "2025-04-01T06:00:00+09:00 for 2025-04-01"}));
}

TEST(NextRun, LeapDay) {
  EXPECT_EQ(next(spec("0 6 29 2 *", Rule::Skip), cal, tokyo(2025, 1, 1, 0, 0)),
            "2028-02-29T06:00:00+09:00 for 2028-02-29");
  // 2032-02-29 is a Sunday.
  EXPECT_EQ(next(spec("0 6 29 2 *", Rule::Skip), cal, tokyo(2028, 2, 29, 6, 0)),
            "2036-02-29T06:00:00+09:00 for 2036-02-29");
  EXPECT_EQ(next(spec("0 6 29 2 *", Rule::NextBusinessDay), cal, tokyo(2028, 2, 29, 6, 0)),
            "2032-03-01T06:00:00+09:00 for 2032-03-01");
  EXPECT_EQ(next(spec("0 6 29 2 *", Rule::PreviousBusinessDay), cal, tokyo(2028, 2, 29, 6, 0)),
            "2032-02-27T06:00:00+09:00 for 2032-02-27");
}

TEST(NextRun, LastBusinessDayOfTheMonth) {
  const auto month_end = spec("bd:last 18:00");
  EXPECT_EQ(next(month_end, cal, tokyo(2025, 2, 1, 0, 0)), "2025-02-28T18:00:00+09:00 for 2025-02-28");
  EXPECT_EQ(next(month_end, cal, tokyo(2025, 2, 28, 18, 0)), "2025-03-31T18:00:00+09:00 for 2025-03-31");
  EXPECT_EQ(next(month_end, cal, tokyo(2028, 2, 1, 0, 0)), "2028-02-29T18:00:00+09:00 for 2028-02-29");
  // 2025-08-31 is a Sunday.
  EXPECT_EQ(next(month_end, cal, tokyo(2025, 8, 1, 0, 0)), "2025-08-29T18:00:00+09:00 for 2025-08-29");
  EXPECT_EQ(next(month_end, cal, tokyo(2025, 12, 1, 0, 0)), "2025-12-26T18:00:00+09:00 for 2025-12-26");
  EXPECT_EQ(next(month_end, with_year_end(std::nullopt), tokyo(2025, 12, 1, 0, 0)),
            "2025-12-31T18:00:00+09:00 for 2025-12-31");
}

TEST(NextRun, NthBusinessDayAcrossGoldenWeekAndNewYear) {
  const auto third = spec("bd:3 09:00");
  EXPECT_EQ(next(third, cal, tokyo(2025, 4, 30, 0, 0)), "2025-05-07T09:00:00+09:00 for 2025-05-07");
  EXPECT_EQ(next(third, cal, tokyo(2026, 4, 10, 0, 0)), "2026-05-08T09:00:00+09:00 for 2026-05-08");
  EXPECT_EQ(next(third, cal, tokyo(2026, 5, 8, 8, 59)), "2026-05-08T09:00:00+09:00 for 2026-05-08");
  const auto first = spec("bd:1 08:30");
  EXPECT_EQ(next(first, cal, tokyo(2025, 12, 15, 0, 0)), "2026-01-05T08:30:00+09:00 for 2026-01-05");
  EXPECT_EQ(next(first, with_year_end(std::nullopt), tokyo(2025, 12, 15, 0, 0)),
            "2026-01-02T08:30:00+09:00 for 2026-01-02");
  // A month without a 20th business day is passed over: February 2025 has 18.
  EXPECT_EQ(next(spec("bd:20 09:00"), cal, tokyo(2025, 2, 1, 0, 0)),
            "2025-03-31T09:00:00+09:00 for 2025-03-31");  // 03-20 春分の日
}

TEST(NextRun, YearEndClosureDefaultOrConfigured) {
  const auto daily = spec("0 22 * * *", Rule::Skip);
  EXPECT_EQ(next(daily, cal, tokyo(2025, 12, 26, 23, 0)), "2026-01-05T22:00:00+09:00 for 2026-01-05");
  EXPECT_EQ(next(daily, with_year_end(std::nullopt), tokyo(2025, 12, 26, 23, 0)),
            "2025-12-29T22:00:00+09:00 for 2025-12-29");
  const auto longer = with_year_end(YearEndClosure{std::chrono::December / 28, std::chrono::January / 4});
  EXPECT_EQ(next(daily, cal, tokyo(2026, 12, 25, 23, 0)), "2026-12-28T22:00:00+09:00 for 2026-12-28");
  EXPECT_EQ(next(daily, longer, tokyo(2026, 12, 25, 23, 0)), "2027-01-05T22:00:00+09:00 for 2027-01-05");
}

TEST(NextRun, TokyoIsUtcPlusNineAllYear) {
  const auto daily = spec("0 22 * * *");
  // Whatever other zones do in March (US and EU clocks change), 22:00 JST is 13:00 UTC.
  const auto runs = occurrences_between(daily, cal, tokyo(2025, 3, 1, 0, 0), tokyo(2025, 4, 1, 0, 0));
  ASSERT_EQ(runs.size(), 31u);
  for (const auto& o : runs)
    EXPECT_EQ(o.at - std::chrono::floor<std::chrono::days>(o.at), 13h) << shown(o);
  const std::chrono::sys_days mar9{2025y / std::chrono::March / 9d};
  auto o = next_run(daily, cal, mar9 + 12h);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->at, mar9 + 13h);
  // 20:00 UTC on the 9th is 05:00 on the 10th in Tokyo: the run is the 10th's, at 21:00 UTC.
  o = next_run(spec("0 6 * * *"), cal, mar9 + 20h);
  ASSERT_TRUE(o);
  EXPECT_EQ(to_string(o->business_date), "2025-03-10");
  EXPECT_EQ(o->at, mar9 + 21h);
}

TEST(NextRun, TimesWithinADayAndCronsDayRule) {
  const auto twice = spec("30 8,17 * * *", Rule::Skip);
  EXPECT_EQ(next(twice, cal, tokyo(2024, 2, 9, 12, 0)), "2024-02-09T17:30:00+09:00 for 2024-02-09");
  EXPECT_EQ(next(twice, cal, tokyo(2024, 2, 9, 17, 30)), "2024-02-13T08:30:00+09:00 for 2024-02-13");
  EXPECT_EQ(next(spec("* 22 * * *"), cal, tokyo(2024, 2, 9, 22, 0, 30)),
            "2024-02-09T22:01:00+09:00 for 2024-02-09");
  // Both day fields restricted: the 1st or any Monday (2025-02-01 is a Saturday).
  const auto either = spec("0 6 1 * MON");
  EXPECT_EQ(next(either, cal, tokyo(2025, 1, 31, 0, 0)), "2025-02-01T06:00:00+09:00 for 2025-02-01");
  EXPECT_EQ(next(either, cal, tokyo(2025, 2, 1, 6, 0)), "2025-02-03T06:00:00+09:00 for 2025-02-03");
  // Only one restricted: Mondays in March.
  EXPECT_EQ(next(spec("0 6 * 3 MON"), cal, tokyo(2025, 1, 31, 0, 0)),
            "2025-03-03T06:00:00+09:00 for 2025-03-03");
}

TEST(NextRun, CatchUpReturnsEachMissedRunOnce) {
  // Down from Friday night before Golden Week 2024 until the Wednesday after.
  const std::vector<std::string> expected = {
      "2024-04-30T22:00:00+09:00 for 2024-04-30", "2024-05-01T22:00:00+09:00 for 2024-05-01",
      "2024-05-02T22:00:00+09:00 for 2024-05-02", "2024-05-07T22:00:00+09:00 for 2024-05-07"};
  const auto from = tokyo(2024, 4, 26, 23, 0), to = tokyo(2024, 5, 8, 0, 0);
  EXPECT_EQ(between(spec("0 22 * * *", Rule::Skip), cal, from, to), expected);
  EXPECT_EQ(between(spec("0 22 * * *", Rule::NextBusinessDay), cal, from, to), expected);
  // (from, to]: a run at `from` was accounted for already, one at `to` is due.
  EXPECT_EQ(between(spec("0 22 * * *", Rule::Skip), cal, tokyo(2024, 4, 30, 22, 0), tokyo(2024, 5, 1, 22, 0)),
            (std::vector<std::string>{"2024-05-01T22:00:00+09:00 for 2024-05-01"}));
  EXPECT_TRUE(between(spec("0 22 * * *"), cal, tokyo(2024, 5, 1, 22, 0), tokyo(2024, 5, 1, 22, 0)).empty());
}

TEST(NextRun, NoneWhenNothingFiresWithinTheCalendar) {
  EXPECT_EQ(next(spec("0 0 30 2 *"), cal, tokyo(2025, 1, 1, 0, 0)), "none");
  EXPECT_EQ(next(spec("0 6 1 * *"), cal, tokyo(2099, 12, 1, 7, 0)), "none");
  EXPECT_EQ(next(spec("bd:last 18:00"), cal, tokyo(2099, 12, 31, 18, 0)), "none");
  EXPECT_EQ(next(spec("0 6 1 * *"), cal, tokyo(2100, 1, 1, 0, 0)), "none");
  EXPECT_EQ(next(spec("0 6 1 * *"), cal, tokyo(1979, 12, 31, 0, 0)), "none");
}

std::string planned(const PlannedRun& r) {
  std::string s = to_string(r.occurrence.business_date);
  for (const auto& d : r.moved_from) s += " moved from " + to_string(d.date) + " " + d.reason;
  for (const auto& d : r.skipped) s += " skipped " + to_string(d.date) + " " + d.reason;
  return s;
}

TEST(UpcomingRuns, SkipSaysWhichDatesFellAwayAndWhy) {
  const auto daily = spec("0 22 * * *", Rule::Skip);
  // Fri 2024-02-09 after 22:00: Sat, Sun 建国記念の日 and Mon 振替休日 have no run.
  auto runs = upcoming_runs(daily, cal, tokyo(2024, 2, 9, 22, 0), 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(planned(runs[0]),
            "2024-02-13 skipped 2024-02-10 土曜日 skipped 2024-02-11 建国記念の日 skipped 2024-02-12 振替休日");
  EXPECT_EQ(planned(runs[1]), "2024-02-14");
  EXPECT_EQ(runs[0].occurrence.at, tokyo(2024, 2, 13, 22, 0));
}

TEST(UpcomingRuns, NextAndPreviousBusinessDaySayWhereARunMovedFrom) {
  // Monthly on the 1st: 2025-01-01 元日 and the year-end closure move it to Mon 01-06.
  auto monthly = upcoming_runs(spec("0 6 1 * *", Rule::NextBusinessDay), cal, tokyo(2024, 12, 15, 0, 0), 3);
  ASSERT_EQ(monthly.size(), 3u);
  EXPECT_EQ(planned(monthly[0]), "2025-01-06 moved from 2025-01-01 元日");
  EXPECT_EQ(planned(monthly[1]), "2025-02-03 moved from 2025-02-01 土曜日");
  EXPECT_EQ(planned(monthly[2]), "2025-03-03 moved from 2025-03-01 土曜日");
  // Previous business day: 2024-06-01 is a Saturday, so the run is on Fri 05-31.
  auto before = upcoming_runs(spec("0 6 1 * *", Rule::PreviousBusinessDay), cal, tokyo(2024, 5, 15, 0, 0), 1);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(planned(before[0]), "2024-05-31 moved from 2024-06-01 土曜日");
  // `run` never moves anything; ten are ten.
  auto plain = upcoming_runs(spec("0 22 * * *"), cal, tokyo(2024, 2, 9, 22, 0), 10);
  ASSERT_EQ(plain.size(), 10u);
  for (const auto& r : plain) EXPECT_TRUE(r.moved_from.empty() && r.skipped.empty()) << planned(r);
}

}  // namespace
}  // namespace renkei
