#include "renkei/scheduler/date_text.hpp"

#include <charconv>
#include <cstdio>

namespace renkei {
namespace {

// Exactly `width` ASCII digits, nothing else.
std::optional<int> digits(std::string_view s, std::size_t width) {
  if (s.size() != width) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.front() == '-' || s.front() == '+')
    return std::nullopt;
  return v;
}

}  // namespace

std::string to_string(std::chrono::year_month_day date) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

std::string to_string(std::chrono::month_day day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u-%02u", static_cast<unsigned>(day.month()),
                static_cast<unsigned>(day.day()));
  return buf;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = digits(text.substr(0, 4), 4);
  auto m = digits(text.substr(5, 2), 2);
  auto d = digits(text.substr(8, 2), 2);
  if (!y || !m || !d) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*m)},
                                   std::chrono::day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::optional<std::chrono::month_day> parse_month_day(std::string_view text) {
  if (text.size() != 5 || text[2] != '-') return std::nullopt;
  auto m = digits(text.substr(0, 2), 2);
  auto d = digits(text.substr(3, 2), 2);
  if (!m || !d) return std::nullopt;
  std::chrono::month_day md{std::chrono::month{static_cast<unsigned>(*m)},
                            std::chrono::day{static_cast<unsigned>(*d)}};
  if (!md.ok()) return std::nullopt;
  return md;
}

}  // namespace renkei
