#pragma once
// A five-field cron expression (minute hour day-of-month month day-of-week), as used in
// route schedules. Day-of-week 0 and 7 are Sunday; names (JAN, MON) are accepted.
#include <bitset>
#include <expected>
#include <string>
#include <string_view>

namespace renkei {

struct CronExpr {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;   // bit 1..31
  std::bitset<13> months;          // bit 1..12
  std::bitset<7> days_of_week;     // bit 0 = Sunday
  bool any_day_of_month = false;   // '*' in field 3 (cron's OR rule needs to know)
  bool any_day_of_week = false;    // '*' in field 5

  // The error says which field and why.
  static std::expected<CronExpr, std::string> parse(std::string_view text);
};

}  // namespace renkei
