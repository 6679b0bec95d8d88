#pragma once
// Holidays the law's rules cannot derive: days a special law makes a 祝日 for one year
// (2019 即位の日), and the years a special law moved a 祝日 (the 2020 and 2021 Olympic
// moves of 海の日, スポーツの日 and 山の日). The shipped list is
// config/calendar/holiday-exceptions.yaml; the file's header explains its format.
#include <chrono>
#include <string>
#include <vector>

#include "renkei/diagnostic.hpp"

namespace renkei {

struct HolidayException {
  enum class Action { Add, Remove };
  Action action = Action::Add;
  std::chrono::sys_days day;
  std::string name;  // of the 祝日 added, or of the one removed (checked against the rules)
};

// Reads and checks the file: every entry names a date within the calendar's years, adds
// a day the rules do not already make a 祝日, or removes one they do under that very
// name; no date twice. All problems come back at once as `shown_as:line: message`.
Result<std::vector<HolidayException>> load_holiday_exceptions(const std::string& path,
                                                              const std::string& shown_as);

}  // namespace renkei
