#include "renkei/scheduler/next_run.hpp"

#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {
namespace {

using namespace std::chrono;

// A Tokyo calendar date as a day count, so date arithmetic stays in one type.
sys_days tokyo_date(local_seconds t) { return sys_days{floor<days>(t).time_since_epoch()}; }
local_seconds tokyo_time(sys_days date, minutes tod) {
  return local_days{date.time_since_epoch()} + tod;
}

constexpr sys_days kHorizon{year{kLastHolidayYear} / December / 31d};

bool cron_fires_on(const CronExpr& cron, sys_days d) {
  const year_month_day ymd{d};
  if (!cron.months.test(static_cast<unsigned>(ymd.month()))) return false;
  const bool dom = cron.days_of_month.test(static_cast<unsigned>(ymd.day()));
  const bool dow = cron.days_of_week.test(weekday{d}.c_encoding());
  // cron's rule: when both day fields are restricted, a day matching either one fires.
  if (cron.any_day_of_month || cron.any_day_of_week) return dom && dow;
  return dom || dow;
}

// Whether the schedule has runs on date b. Under next-business-day, b collects its own
// nominal date and those of the non-business days just before it; under
// previous-business-day, those just after it. Collecting per run date rather than
// mapping per nominal date is what makes several nominal dates one run.
bool runs_on(const CronSchedule& s, const JpCalendar& cal, sys_days b) {
  switch (s.rule) {
    case BusinessDayRule::Run:
      return cron_fires_on(s.cron, b);
    case BusinessDayRule::Skip:
      return cal.is_business_day(b) && cron_fires_on(s.cron, b);
    case BusinessDayRule::NextBusinessDay:
      if (!cal.is_business_day(b)) return false;
      if (cron_fires_on(s.cron, b)) return true;
      for (sys_days d = b - days{1}; !cal.is_business_day(d); d -= days{1})
        if (cron_fires_on(s.cron, d)) return true;
      return false;
    case BusinessDayRule::PreviousBusinessDay:
      if (!cal.is_business_day(b)) return false;
      if (cron_fires_on(s.cron, b)) return true;
      for (sys_days d = b + days{1}; !cal.is_business_day(d); d += days{1})
        if (cron_fires_on(s.cron, d)) return true;
      return false;
  }
  return false;
}

std::vector<minutes> times_of_day(const CronExpr& cron) {
  std::vector<minutes> out;
  for (unsigned h = 0; h < 24; ++h)
    if (cron.hours.test(h))
      for (unsigned m = 0; m < 60; ++m)
        if (cron.minutes.test(m)) out.push_back(hours{h} + minutes{m});
  return out;
}

std::optional<Occurrence> next_cron(const CronSchedule& s, const JpCalendar& cal, local_seconds now) {
  const auto times = times_of_day(s.cron);
  if (times.empty()) return std::nullopt;
  for (sys_days b = tokyo_date(now); b <= kHorizon; b += days{1}) {
    if (!runs_on(s, cal, b)) continue;
    for (auto t : times)
      if (tokyo_time(b, t) > now) return Occurrence{AsiaTokyo::to_sys(tokyo_time(b, t)), b};
  }
  return std::nullopt;
}

std::optional<Occurrence> next_business_day_spec(const BusinessDaySpec& s, const JpCalendar& cal,
                                                 local_seconds now) {
  const year_month_day today{tokyo_date(now)};
  for (year_month m = today.year() / today.month(); m <= year{kLastHolidayYear} / December;
       m += months{1}) {
    // A month with fewer business days than asked for has no run.
    const auto day = s.last ? cal.last_business_day(m) : cal.nth_business_day(m, s.nth);
    if (!day) continue;
    if (const auto at = tokyo_time(sys_days{*day}, s.time_of_day); at > now)
      return Occurrence{AsiaTokyo::to_sys(at), *day};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Occurrence> next_run(const RunSpec& spec, const JpCalendar& calendar, sys_seconds now) {
  const local_seconds local = AsiaTokyo::to_local(now);
  if (!JpCalendar::covers(year_month_day{tokyo_date(local)})) return std::nullopt;
  if (const auto* cron = std::get_if<CronSchedule>(&spec)) return next_cron(*cron, calendar, local);
  return next_business_day_spec(std::get<BusinessDaySpec>(spec), calendar, local);
}

std::vector<Occurrence> occurrences_between(const RunSpec& spec, const JpCalendar& calendar,
                                            sys_seconds from, sys_seconds to) {
  std::vector<Occurrence> out;
  for (auto o = next_run(spec, calendar, from); o && o->at <= to; o = next_run(spec, calendar, o->at))
    out.push_back(*o);
  return out;
}

std::vector<PlannedRun> upcoming_runs(const RunSpec& spec, const JpCalendar& calendar, sys_seconds now,
                                      std::size_t n) {
  std::vector<PlannedRun> out;
  const auto* cron = std::get_if<CronSchedule>(&spec);
  auto why = [&](sys_days d) { return PlannedRun::Date{year_month_day{d}, calendar.closed_because(d).value_or("")}; };
  // Skipped nominal dates count from today, then from the day after the previous run.
  sys_days since = tokyo_date(AsiaTokyo::to_local(now));
  for (auto o = next_run(spec, calendar, now); o && out.size() < n; o = next_run(spec, calendar, o->at)) {
    PlannedRun run{*o, {}, {}};
    const sys_days b{o->business_date};
    if (cron && cron->rule == BusinessDayRule::NextBusinessDay) {
      for (sys_days d = b - days{1}; !calendar.is_business_day(d); d -= days{1})
        if (cron_fires_on(cron->cron, d)) run.moved_from.insert(run.moved_from.begin(), why(d));
    } else if (cron && cron->rule == BusinessDayRule::PreviousBusinessDay) {
      for (sys_days d = b + days{1}; !calendar.is_business_day(d); d += days{1})
        if (cron_fires_on(cron->cron, d)) run.moved_from.push_back(why(d));
    } else if (cron && cron->rule == BusinessDayRule::Skip) {
      for (sys_days d = since; d < b; d += days{1})
        if (!calendar.is_business_day(d) && cron_fires_on(cron->cron, d)) run.skipped.push_back(why(d));
    }
    since = b + days{1};
    out.push_back(std::move(run));
  }
  return out;
}

}  // namespace renkei
