// The calendar's files: the shipped exceptions reproduce 2019-2021 as published, and
// every kind of bad entry is reported as file:line: message, all in one pass.
#include <gtest/gtest.h>

#include <fstream>

#include "renkei/scheduler/calendar_config.hpp"
#include "renkei/scheduler/closures.hpp"
#include "renkei/scheduler/holiday_exceptions.hpp"
#include "scheduler_test_support.hpp"
#include "support/temp_dir.hpp"

namespace renkei {
namespace {

using testing::DatedNames;
using testing::date;
using testing::holidays_of;

std::string write(const testing::TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) out.push_back(d.str());
  return out;
}

JpCalendar shipped_calendar() {
  auto options = load_calendar_options(RENKEI_SOURCE_DIR "/config/calendar");
  if (!options) {
    for (const auto& m : messages(options.error())) ADD_FAILURE() << m;
    return JpCalendar{};
  }
  return JpCalendar{*options};
}

TEST(CalendarFiles, ShippedExceptionsGive2019AsPublished) {
  const DatedNames expected = {
      {"2019-01-01", "元日"},       {"2019-01-14", "成人の日"},   {"2019-02-11", "建国記念の日"},
      {"2019-03-21", "春分の日"},   {"2019-04-29", "昭和の日"},   {"2019-04-30", "国民の休日"},
      {"2019-05-01", "天皇の即位の日"}, {"2019-05-02", "国民の休日"}, {"2019-05-03", "憲法記念日"},
      {"2019-05-04", "みどりの日"}, {"2019-05-05", "こどもの日"}, {"2019-05-06", "振替休日"},
      {"2019-07-15", "海の日"},     {"2019-08-11", "山の日"},     {"2019-08-12", "振替休日"},
      {"2019-09-16", "敬老の日"},   {"2019-09-23", "秋分の日"},   {"2019-10-14", "体育の日"},
      {"2019-10-22", "即位礼正殿の儀の行われる日"}, {"2019-11-03", "文化の日"},
      {"2019-11-04", "振替休日"},   {"2019-11-23", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays_of(shipped_calendar(), 2019), expected);
}

TEST(CalendarFiles, ShippedExceptionsGiveTheOlympicYearsAsPublished) {
  const auto cal = shipped_calendar();
  const DatedNames expected2020 = {
      {"2020-01-01", "元日"},       {"2020-01-13", "成人の日"},   {"2020-02-11", "建国記念の日"},
      {"2020-02-23", "天皇誕生日"}, {"2020-02-24", "振替休日"},   {"2020-03-20", "春分の日"},
      {"2020-04-29", "昭和の日"},   {"2020-05-03", "憲法記念日"}, {"2020-05-04", "みどりの日"},
      {"2020-05-05", "こどもの日"}, {"2020-05-06", "振替休日"},   {"2020-07-23", "海の日"},
      {"2020-07-24", "スポーツの日"}, {"2020-08-10", "山の日"},   {"2020-09-21", "敬老の日"},
      {"2020-09-22", "秋分の日"},   {"2020-11-03", "文化の日"},   {"2020-11-23", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays_of(cal, 2020), expected2020);
  const DatedNames expected2021 = {
      {"2021-01-01", "元日"},       {"2021-01-11", "成人の日"},   {"2021-02-11", "建国記念の日"},
      {"2021-02-23", "天皇誕生日"}, {"2021-03-20", "春分の日"},   {"2021-04-29", "昭和の日"},
      {"2021-05-03", "憲法記念日"}, {"2021-05-04", "みどりの日"}, {"2021-05-05", "こどもの日"},
      {"2021-07-22", "海の日"},     {"2021-07-23", "スポーツの日"}, {"2021-08-08", "山の日"},
      {"2021-08-09", "振替休日"},   {"2021-09-20", "敬老の日"},   {"2021-09-23", "秋分の日"},
      {"2021-11-03", "文化の日"},   {"2021-11-23", "勤労感謝の日"},
  };
  EXPECT_EQ(holidays_of(cal, 2021), expected2021);
  // The files change nothing in the years the rules get right on their own.
  EXPECT_EQ(holidays_of(cal, 2025), holidays_of(JpCalendar{}, 2025));
  EXPECT_TRUE(cal.in_year_end_closure(date(2025, 12, 29)));
}

TEST(CalendarFiles, BadExceptionsAreReportedWithFileAndLine) {
  testing::TempDir dir;
  const auto path = write(dir, "ex.yaml",
                          "exceptions:\n"               // 1
                          "  - date: 2020-02-30\n"      // 2
                          "    add: 幻の日\n"           // 3
                          "  - date: 2020-07-21\n"      // 4
                          "    remove: 海の日\n"        // 5
                          "  - date: 2020-07-20\n"      // 6
                          "    remove: 山の日\n"        // 7
                          "  - date: 2020-08-11\n"      // 8
                          "    add: 山の日\n"           // 9
                          "  - date: 2020-07-23\n"      // 10
                          "    add: 海の日\n"           // 11
                          "  - date: 2020-07-24\n"      // 12
                          "    add: スポーツの日\n"     // 13
                          "    remove: スポーツの日\n"  // 14
                          "  - date: 2020-08-10\n"      // 15
                          "  - date: 2020-07-23\n"      // 16
                          "    add: 海の日\n"           // 17
                          "  - date: 2101-01-01\n"      // 18
                          "    add: 未来の日\n"         // 19
                          "  - date: 2021-07-22\n"      // 20
                          "    add: \"  \"\n"           // 21
                          "  - date: 2021-07-23\n"      // 22
                          "    add: スポーツの日\n"     // 23
                          "    nmae: typo\n");          // 24
  auto loaded = load_holiday_exceptions(path, "calendar/ex.yaml");
  ASSERT_FALSE(loaded);
  const std::vector<std::string> expected = {
      "calendar/ex.yaml:2: holiday exception 2020-02-30: field 'date': '2020-02-30' is not a date "
      "(YYYY-MM-DD)",
      "calendar/ex.yaml:5: holiday exception 2020-07-21: field 'remove': 2020-07-21 is no 祝日 by the "
      "rules, so there is nothing to remove",
      "calendar/ex.yaml:7: holiday exception 2020-07-20: field 'remove': 2020-07-20 is 海の日 by the "
      "rules, not 山の日",
      "calendar/ex.yaml:9: holiday exception 2020-08-11: field 'add': 2020-08-11 is already 山の日 by "
      "the rules",
      "calendar/ex.yaml:12: holiday exception 2020-07-24: give either 'add' or 'remove', not both",
      "calendar/ex.yaml:15: holiday exception 2020-08-10: missing 'add: <name>' or 'remove: <name>'",
      "calendar/ex.yaml:16: holiday exception 2020-07-23: field 'date': 2020-07-23 already has an "
      "entry on line 10",
      "calendar/ex.yaml:18: holiday exception 2101-01-01: field 'date': the calendar only knows the "
      "years 1980-2099",
      "calendar/ex.yaml:21: holiday exception 2021-07-22: field 'add': the holiday needs a name",
      "calendar/ex.yaml:24: holiday exception 2021-07-23: unknown field 'nmae'",
  };
  EXPECT_EQ(messages(loaded.error()), expected);
}

TEST(CalendarFiles, ExceptionsFileNeedsItsList) {
  testing::TempDir dir;
  auto a = load_holiday_exceptions(write(dir, "a.yaml", "exception:\n  - date: 2020-07-23\n"), "a.yaml");
  ASSERT_FALSE(a);
  EXPECT_EQ(messages(a.error()),
            (std::vector<std::string>{"a.yaml:1: holiday exceptions: missing required field 'exceptions'",
                                      "a.yaml:1: holiday exceptions: unknown field 'exception'"}));
  auto b = load_holiday_exceptions(write(dir, "b.yaml", "exceptions: [\n"), "b.yaml");
  ASSERT_FALSE(b);
  ASSERT_EQ(b.error().size(), 1u);
  EXPECT_NE(b.error().items()[0].str().find("YAML syntax error"), std::string::npos);
  EXPECT_FALSE(load_holiday_exceptions((dir.path() / "missing.yaml").string(), "missing.yaml"));
  auto empty = load_holiday_exceptions(write(dir, "c.yaml", "exceptions: []\n"), "c.yaml");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(CalendarFiles, ClosuresDefaultCustomOrNone) {
  testing::TempDir dir;
  auto defaults = load_closures(write(dir, "a.yaml", "days: []\n"), "a.yaml");
  ASSERT_TRUE(defaults);
  ASSERT_TRUE(defaults->year_end);
  EXPECT_EQ(defaults->year_end->first, std::chrono::December / 29);
  EXPECT_EQ(defaults->year_end->last, std::chrono::January / 3);

  auto none = load_closures(write(dir, "b.yaml", "year_end: none\n"), "b.yaml");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->year_end);

  auto custom = load_closures(write(dir, "c.yaml",
                                    "year_end:\n  from: 12-28\n  to: 01-04\n"
                                    "days:\n  - date: 2026-08-17\n    name: 庁舎電気設備点検\n"),
                              "c.yaml");
  ASSERT_TRUE(custom);
  ASSERT_TRUE(custom->year_end);
  EXPECT_EQ(custom->year_end->first, std::chrono::December / 28);
  EXPECT_EQ(custom->year_end->last, std::chrono::January / 4);
  ASSERT_EQ(custom->days.size(), 1u);
  EXPECT_EQ(to_string(std::chrono::year_month_day{custom->days[0].day}), "2026-08-17");
  EXPECT_EQ(custom->days[0].name, "庁舎電気設備点検");
}

TEST(CalendarFiles, BadClosuresAreReportedWithFileAndLine) {
  testing::TempDir dir;
  auto bad = load_closures(write(dir, "c.yaml",
                                 "year_end:\n"              // 1
                                 "  from: 12-01\n"          // 2
                                 "  to: 01-31\n"            // 3
                                 "days:\n"                  // 4
                                 "  - date: 2026-08-17\n"   // 5
                                 "    name: 点検\n"         // 6
                                 "  - date: 2026-08-17\n"   // 7
                                 "    name: 点検\n"         // 8
                                 "  - date: 2026-8-18\n"    // 9
                                 "    name: 点検\n"         // 10
                                 "  - date: 2026-08-19\n"   // 11
                                 "holidays: []\n"),         // 12
                           "calendar/c.yaml");
  ASSERT_FALSE(bad);
  const std::vector<std::string> expected = {
      "calendar/c.yaml:2: year_end: the closure 12-01 to 01-31 lasts 62 days; at most 31 are allowed",
      "calendar/c.yaml:7: closure day 2026-08-17: field 'date': 2026-08-17 already has an entry on "
      "line 5",
      "calendar/c.yaml:9: closure day 2026-8-18: field 'date': '2026-8-18' is not a date (YYYY-MM-DD)",
      "calendar/c.yaml:11: closure day 2026-08-19: missing required field 'name'",
      "calendar/c.yaml:12: closures: unknown field 'holidays'",
  };
  EXPECT_EQ(messages(bad.error()), expected);

  auto word = load_closures(write(dir, "d.yaml", "year_end: never\n"), "d.yaml");
  ASSERT_FALSE(word);
  EXPECT_EQ(messages(word.error()),
            (std::vector<std::string>{
                "d.yaml:1: closures: field 'year_end': 'never' is neither 'none' nor a mapping with from/to"}));
  auto day = load_closures(write(dir, "e.yaml", "year_end:\n  from: 13-01\n  to: 01-03\n"), "e.yaml");
  ASSERT_FALSE(day);
  EXPECT_EQ(messages(day.error()),
            (std::vector<std::string>{"e.yaml:2: year_end: field 'from': '13-01' is not a day of the year (MM-DD)"}));
}

TEST(CalendarFiles, ConfigDirReportsBothFilesAndClosuresAreOptional) {
  testing::TempDir dir;
  auto missing = load_calendar_options(dir.path(), "calendar");
  ASSERT_FALSE(missing);
  EXPECT_EQ(messages(missing.error()),
            (std::vector<std::string>{"calendar/holiday-exceptions.yaml: cannot open file"}));

  write(dir, "holiday-exceptions.yaml", "exceptions: []\n");
  auto only_exceptions = load_calendar_options(dir.path());
  ASSERT_TRUE(only_exceptions);
  EXPECT_TRUE(only_exceptions->closures.year_end);

  write(dir, "closures.yaml", "year_end: none\ndays:\n  - date: 2026-08-17\n    name: 点検\n");
  auto both = load_calendar_options(dir.path());
  ASSERT_TRUE(both);
  const JpCalendar cal(*both);
  EXPECT_TRUE(cal.is_business_day(date(2025, 12, 29)));
  EXPECT_FALSE(cal.is_business_day(date(2026, 8, 17)));
  EXPECT_EQ(cal.closed_because(date(2026, 8, 17)), "点検");
}

}  // namespace
}  // namespace renkei
