#pragma once
// The Japanese business-day calendar the scheduler reckons with: a business day is a
// weekday that is neither a public holiday (rules + exceptions, see jp_holiday_rules.hpp)
// nor inside the year-end closure nor one of the city's extra closure days. Immutable
// once built, so one instance can be shared by every route and thread.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "renkei/scheduler/closures.hpp"
#include "renkei/scheduler/holiday_exceptions.hpp"
#include "renkei/scheduler/jp_holiday_rules.hpp"

namespace renkei {

struct CalendarOptions {
  std::vector<HolidayException> exceptions;  // applied as given; load_holiday_exceptions checks them
  Closures closures;
};

class JpCalendar {
 public:
  // Public holidays by the rules alone, closed 12/29-1/3. Without the exceptions file,
  // 2019-2021 differ from the real calendar.
  JpCalendar() : JpCalendar(CalendarOptions{}) {}
  explicit JpCalendar(const CalendarOptions& options);

  // Whether public holidays are known for the date's year (kFirstHolidayYear..kLastHolidayYear);
  // outside, only weekends and closures make a day a non-business day.
  static bool covers(std::chrono::year_month_day date);

  bool is_holiday(std::chrono::year_month_day date) const;
  std::optional<std::string> holiday_name(std::chrono::year_month_day date) const;
  std::vector<Holiday> holidays_in(std::chrono::year year) const;

  bool in_year_end_closure(std::chrono::year_month_day date) const;
  bool is_business_day(std::chrono::year_month_day date) const;
  // Why a date is not a business day, or nullopt for a business day; where several
  // reasons meet, the first of: a holiday, a closure day, the year-end closure, the weekend.
  enum class ClosedKind { Holiday, Substitute, Citizens, Closure, YearEnd, Weekend };
  struct ClosedReason {
    ClosedKind kind;
    std::string name;  // holiday name, closure name, 年末年始休業, 土曜日, 日曜日
  };
  std::optional<ClosedReason> closed_reason(std::chrono::year_month_day date) const;
  // Its name alone: for log lines about moved or skipped runs.
  std::optional<std::string> closed_because(std::chrono::year_month_day date) const;

  // Strictly after / strictly before `date`.
  std::chrono::year_month_day next_business_day(std::chrono::year_month_day date) const;
  std::chrono::year_month_day previous_business_day(std::chrono::year_month_day date) const;
  // n counts from 1; nullopt when the month has fewer business days.
  std::optional<std::chrono::year_month_day> nth_business_day(std::chrono::year_month month,
                                                              unsigned n) const;
  std::optional<std::chrono::year_month_day> last_business_day(std::chrono::year_month month) const;

 private:
  const Holiday* find(std::chrono::sys_days day) const;
  const ClosureDay* find_closure(std::chrono::sys_days day) const;

  std::vector<Holiday> holidays_;  // sorted by day
  std::optional<YearEndClosure> year_end_;
  std::vector<ClosureDay> closure_days_;  // sorted by day
};

}  // namespace renkei
