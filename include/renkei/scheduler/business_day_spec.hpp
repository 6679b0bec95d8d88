#pragma once
// Schedules cron cannot say: "the n-th business day of the month" and "the last business
// day of the month", written "bd:3 09:00" and "bd:last 18:00" (Asia/Tokyo wall clock).
//
// NOTE for the catalogue: routes.yaml cannot use this syntax yet, because the
// catalogue's schedule validator (src/catalogue/config_loader.cpp) only accepts cron.
// It should accept what parse_run_spec (run_spec.hpp) accepts; until then this is
// reachable only from code.
#include <chrono>
#include <expected>
#include <string>
#include <string_view>

namespace renkei {

struct BusinessDaySpec {
  static constexpr unsigned kMaxNth = 23;  // no month has more weekdays

  bool last = false;  // the month's last business day; otherwise the nth
  unsigned nth = 1;   // 1..kMaxNth
  std::chrono::minutes time_of_day{0};

  // True when the text is meant as a business-day spec (starts with "bd:"), so that a
  // parse error can be reported as this kind's rather than cron's.
  static bool is_spec(std::string_view text);
  // The error quotes the text and says which part is wrong.
  static std::expected<BusinessDaySpec, std::string> parse(std::string_view text);
  std::string str() const;  // "bd:3 09:00", "bd:last 18:00"

  bool operator==(const BusinessDaySpec&) const = default;
};

}  // namespace renkei
