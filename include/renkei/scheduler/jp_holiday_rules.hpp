#pragma once
// Japanese public holidays as 国民の祝日に関する法律 defines them, computed rather than
// listed so that the calendar never runs out: fixed days, Happy Monday days, 春分/秋分
// by the standard approximation, and the two kinds of rest day the law derives from
// them (振替休日, 国民の休日). One-off days set by special laws are not derivable; they
// come from config/calendar/holiday-exceptions.yaml (see holiday_exceptions.hpp).
#include <chrono>
#include <string>
#include <vector>

namespace renkei {

// The equinox formula's constants hold for these years only; the calendar knows no
// public holidays outside them.
inline constexpr int kFirstHolidayYear = 1980;
inline constexpr int kLastHolidayYear = 2099;

enum class HolidayKind {
  National,    // 国民の祝日 (including days a special law declares one)
  Substitute,  // 振替休日: a 国民の祝日 fell on a Sunday
  Citizens,    // 国民の休日: a day between two 国民の祝日
};

struct Holiday {
  std::chrono::sys_days day;
  std::string name;  // as 内閣府 lists it: 元日, 成人の日, 振替休日, 国民の休日 …
  HolidayKind kind = HolidayKind::National;
};

// The 国民の祝日 of one year by the rules in force that year, sorted by day; empty
// outside kFirstHolidayYear..kLastHolidayYear.
std::vector<Holiday> national_holidays(int year);

// Adds the 振替休日 and 国民の休日 that follow from a sorted list of 国民の祝日 (the
// list must already hold any special-law days, since they produce rest days too) and
// returns everything sorted by day.
std::vector<Holiday> with_rest_days(std::vector<Holiday> nationals);

}  // namespace renkei
