#pragma once
// `renkeictl calendar [YEAR | --from D --to D] [--json]`: every day that is not a business
// day, with its reason, and the business days per month, from the calendar the scheduler
// reckons with (the rules, config/calendar's exceptions and closures).
#include <optional>
#include <ostream>
#include <string>

namespace renkei::cli {

struct CalendarQuery {
  std::optional<int> year;          // a whole year; neither this nor from/to: this year in Tokyo
  std::optional<std::string> from;  // YYYY-MM-DD, with `to`
  std::optional<std::string> to;
  bool json = false;
};

// Exit 0; 1 when the calendar files are invalid; 2 for a range that is not one.
int cmd_calendar(const std::string& config, const CalendarQuery& q, std::ostream& out, std::ostream& err);

}  // namespace renkei::cli
