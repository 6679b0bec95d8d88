#pragma once
// Schedules cron cannot say: "the n-th business day of the month" and "the last business
// day of the month", written "bd:3 09:00" and "bd:last 18:00" (Asia/Tokyo wall clock).
// routes.yaml writes them in a schedule's `cron:` key; the catalogue checks them with
// parse(), the scheduler computes with them (scheduler/run_spec.hpp).
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
