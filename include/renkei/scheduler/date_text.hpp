#pragma once
// Calendar dates as text: the one spelling (YYYY-MM-DD, and MM-DD for yearly days) used
// in the calendar files, log lines and test expectations. libstdc++ 12 cannot format
// chrono calendar types yet, hence these.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace renkei {

std::string to_string(std::chrono::year_month_day date);  // "2024-02-12"
std::string to_string(std::chrono::month_day day);        // "12-29"

// Only the exact form, zero-padded, and only dates that exist ("2025-02-29" is refused).
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
std::optional<std::chrono::month_day> parse_month_day(std::string_view text);

}  // namespace renkei
