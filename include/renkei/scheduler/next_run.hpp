#pragma once
// When a schedule fires next, and which runs a downtime missed. Pure functions of the
// schedule, the calendar and an injected "now", so that tests need no clock.
//
// A cron schedule fires on its nominal dates at each of its times (Asia/Tokyo). When a
// nominal date is not a business day the rule decides: `run` fires anyway, `skip` drops
// it, `next-business-day` / `previous-business-day` fire at the same times on the
// nearest business day after / before it. Nominal dates that land on the same business
// day and time make one run, never two (a daily next-business-day job runs once on
// Monday for Saturday, Sunday and Monday).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "renkei/scheduler/jp_calendar.hpp"
#include "renkei/scheduler/run_spec.hpp"

namespace renkei {

struct Occurrence {
  std::chrono::sys_seconds at;
  // The Tokyo date of `at`: the business day the run belongs to (with `run`, the nominal
  // date itself, business day or not). Runs are identified by it, so that re-running a
  // business date can be recognised.
  std::chrono::year_month_day business_date;

  bool operator==(const Occurrence&) const = default;
};

// The first occurrence strictly after `now`. nullopt when there is none up to the end of
// the calendar's last year (kLastHolidayYear), e.g. "0 0 30 2 *", or when `now` lies
// outside the years the calendar knows.
std::optional<Occurrence> next_run(const RunSpec& spec, const JpCalendar& calendar,
                                   std::chrono::sys_seconds now);

// Every occurrence in (from, to], in order, each once: the runs a downtime from `from`
// (the last instant the scheduler had accounted for) to `to` (now) missed.
std::vector<Occurrence> occurrences_between(const RunSpec& spec, const JpCalendar& calendar,
                                            std::chrono::sys_seconds from,
                                            std::chrono::sys_seconds to);

// A run ahead, with what the business-day rule did to get there: the nominal dates that
// moved onto it (next-/previous-business-day) and those skipped since the run before it
// (skip), each with the reason the date is not a business day (祝日名, 年末年始休業, 土曜日…).
struct PlannedRun {
  Occurrence occurrence;
  struct Date {
    std::chrono::year_month_day date;
    std::string reason;
  };
  std::vector<Date> moved_from;
  std::vector<Date> skipped;
};

// The next `n` runs after `now` (fewer where the calendar ends).
std::vector<PlannedRun> upcoming_runs(const RunSpec& spec, const JpCalendar& calendar, std::chrono::sys_seconds now,
                                      std::size_t n);

}  // namespace renkei
