#pragma once
// Days the city's offices are closed although the national calendar says otherwise:
// the year-end closure (年末年始休業, by custom 12/29-1/3) and one-off closure days.
// Read from config/calendar/closures.yaml; the file's header explains its format.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "renkei/diagnostic.hpp"

namespace renkei {

// Every year from `first` to `last` inclusive; wraps over New Year when last < first.
struct YearEndClosure {
  std::chrono::month_day first{std::chrono::December / 29};
  std::chrono::month_day last{std::chrono::January / 3};

  bool contains(std::chrono::month_day day) const;
  // Why the closure is unusable, if it is: a day that does not exist, or a span longer
  // than a month (the scheduler relies on a business day never being far away).
  std::optional<std::string> problem() const;
};

struct ClosureDay {
  std::chrono::sys_days day;
  std::string name;  // shown when a run moves or is skipped because of it
};

struct Closures {
  std::optional<YearEndClosure> year_end = YearEndClosure{};  // nullopt: open at New Year
  std::vector<ClosureDay> days;
};

// A missing `year_end` keeps the default 12/29-1/3; `year_end: none` means no closure.
Result<Closures> load_closures(const std::string& path, const std::string& shown_as);

}  // namespace renkei
