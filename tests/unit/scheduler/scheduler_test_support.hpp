#pragma once
// Dates and Tokyo times written the way the published calendars write them.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/jp_calendar.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei::testing {

inline std::chrono::year_month_day date(int y, unsigned m, unsigned d) {
  return std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d};
}

// An instant given as Tokyo wall-clock time.
inline std::chrono::sys_seconds tokyo(int y, unsigned m, unsigned d, int hour, int minute,
                                      int second = 0) {
  return AsiaTokyo::at(date(y, m, d), std::chrono::hours{hour} + std::chrono::minutes{minute}) +
         std::chrono::seconds{second};
}

using DatedNames = std::vector<std::pair<std::string, std::string>>;  // YYYY-MM-DD, name

inline DatedNames holidays_of(const JpCalendar& cal, int year) {
  DatedNames out;
  for (const auto& h : cal.holidays_in(std::chrono::year{year}))
    out.emplace_back(to_string(std::chrono::year_month_day{h.day}), h.name);
  return out;
}

}  // namespace renkei::testing
