#include "renkei/scheduler/jp_calendar.hpp"

#include <algorithm>

namespace renkei {
namespace {

using namespace std::chrono;

bool by_day(const Holiday& a, const Holiday& b) { return a.day < b.day; }

}  // namespace

JpCalendar::JpCalendar(const CalendarOptions& options)
    : year_end_(options.closures.year_end), closure_days_(options.closures.days) {
  // Every year is computed up front (a few thousand entries): lookups stay cheap and the
  // object never changes after construction, so sharing it needs no lock.
  std::vector<Holiday> nationals;
  for (int y = kFirstHolidayYear; y <= kLastHolidayYear; ++y) {
    auto year = national_holidays(y);
    nationals.insert(nationals.end(), std::make_move_iterator(year.begin()),
                     std::make_move_iterator(year.end()));
  }
  // Exceptions change the 祝日 before rest days are derived: a special-law 祝日 makes
  // 振替休日 and 国民の休日 like any other (2019-04-30, 2019-05-02, 2021-08-09).
  for (const auto& e : options.exceptions) {
    std::erase_if(nationals, [&](const Holiday& h) { return h.day == e.day; });
    if (e.action == HolidayException::Action::Add)
      nationals.push_back({e.day, e.name, HolidayKind::National});
  }
  std::stable_sort(nationals.begin(), nationals.end(), by_day);
  holidays_ = with_rest_days(std::move(nationals));

  std::stable_sort(closure_days_.begin(), closure_days_.end(),
                   [](const ClosureDay& a, const ClosureDay& b) { return a.day < b.day; });
}

bool JpCalendar::covers(year_month_day date) {
  const int y = static_cast<int>(date.year());
  return y >= kFirstHolidayYear && y <= kLastHolidayYear;
}

const Holiday* JpCalendar::find(sys_days day) const {
  auto it = std::lower_bound(holidays_.begin(), holidays_.end(), day,
                             [](const Holiday& h, sys_days d) { return h.day < d; });
  return it != holidays_.end() && it->day == day ? &*it : nullptr;
}

const ClosureDay* JpCalendar::find_closure(sys_days day) const {
  auto it = std::lower_bound(closure_days_.begin(), closure_days_.end(), day,
                             [](const ClosureDay& c, sys_days d) { return c.day < d; });
  return it != closure_days_.end() && it->day == day ? &*it : nullptr;
}

bool JpCalendar::is_holiday(year_month_day date) const { return find(sys_days{date}) != nullptr; }

std::optional<std::string> JpCalendar::holiday_name(year_month_day date) const {
  if (const Holiday* h = find(sys_days{date})) return h->name;
  return std::nullopt;
}

std::vector<Holiday> JpCalendar::holidays_in(year y) const {
  const sys_days first{y / January / 1d}, next{(y + years{1}) / January / 1d};
  std::vector<Holiday> out;
  for (const auto& h : holidays_)
    if (h.day >= first && h.day < next) out.push_back(h);
  return out;
}

bool JpCalendar::in_year_end_closure(year_month_day date) const {
  return year_end_ && year_end_->contains(date.month() / date.day());
}

bool JpCalendar::is_business_day(year_month_day date) const {
  const weekday wd{sys_days{date}};
  return wd != Saturday && wd != Sunday && !in_year_end_closure(date) && !is_holiday(date) &&
         !find_closure(sys_days{date});
}

std::optional<JpCalendar::ClosedReason> JpCalendar::closed_reason(year_month_day date) const {
  if (const Holiday* h = find(sys_days{date})) {
    switch (h->kind) {
      case HolidayKind::National: return ClosedReason{ClosedKind::Holiday, h->name};
      case HolidayKind::Substitute: return ClosedReason{ClosedKind::Substitute, h->name};
      case HolidayKind::Citizens: return ClosedReason{ClosedKind::Citizens, h->name};
    }
  }
  if (const ClosureDay* c = find_closure(sys_days{date})) return ClosedReason{ClosedKind::Closure, c->name};
  if (in_year_end_closure(date)) return ClosedReason{ClosedKind::YearEnd, "年末年始休業"};
  const weekday wd{sys_days{date}};
  if (wd == Saturday) return ClosedReason{ClosedKind::Weekend, "土曜日"};
  if (wd == Sunday) return ClosedReason{ClosedKind::Weekend, "日曜日"};
  return std::nullopt;
}

std::optional<std::string> JpCalendar::closed_because(year_month_day date) const {
  if (auto r = closed_reason(date)) return std::move(r->name);
  return std::nullopt;
}

// Both walks end within weeks: weekends, holidays and a closure of at most 31 days
// (YearEndClosure::problem) never cover a whole month, and closure days are finite.
year_month_day JpCalendar::next_business_day(year_month_day date) const {
  sys_days d = sys_days{date} + days{1};
  while (!is_business_day(d)) d += days{1};
  return d;
}

year_month_day JpCalendar::previous_business_day(year_month_day date) const {
  sys_days d = sys_days{date} - days{1};
  while (!is_business_day(d)) d -= days{1};
  return d;
}

std::optional<year_month_day> JpCalendar::nth_business_day(year_month month, unsigned n) const {
  if (n == 0) return std::nullopt;
  const sys_days end{month / last};
  for (sys_days d{month / 1d}; d <= end; d += days{1})
    if (is_business_day(d) && --n == 0) return d;
  return std::nullopt;
}

std::optional<year_month_day> JpCalendar::last_business_day(year_month month) const {
  const sys_days first{month / 1d};
  for (sys_days d{month / last}; d >= first; d -= days{1})
    if (is_business_day(d)) return d;
  return std::nullopt;
}

}  // namespace renkei
