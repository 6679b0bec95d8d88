#pragma once
// `schedule.file_date`: how a route's file names carry their business date, so that a
// run collects only the files of its own date (a catch-up after downtime then takes each
// day's file in that day's run, not everything waiting in the first one).
//
// The pattern is a strftime-like text with %Y (2026), %y (26), %m (11), %d (25) and %%;
// a file belongs to the run for date D when its name contains the pattern written for D.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace renkei {

// nullopt when usable, otherwise what is wrong with it (for a file:line diagnostic).
std::optional<std::string> check_file_date_pattern(std::string_view pattern);

// The pattern written for `date` ("RJ%Y%m%d" → "RJ20261125"). The pattern must have
// passed check_file_date_pattern.
std::string format_file_date(std::string_view pattern, std::chrono::year_month_day date);

// True when `file_name` holds the business date `date` written as `pattern`.
bool file_name_has_date(std::string_view file_name, std::string_view pattern, std::chrono::year_month_day date);

}  // namespace renkei
