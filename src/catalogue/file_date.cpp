#include "renkei/catalogue/file_date.hpp"

#include <cstdio>

namespace renkei {

std::optional<std::string> check_file_date_pattern(std::string_view pattern) {
  bool year = false, month = false, day = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '/' || c == '\0') return "a file name cannot hold '/' or NUL";
    if (c != '%') continue;
    if (i + 1 == pattern.size()) return "ends with a lone '%'";
    switch (pattern[++i]) {
      case 'Y': case 'y': year = true; break;
      case 'm': month = true; break;
      case 'd': day = true; break;
      case '%': break;
      default:
        return "'%" + std::string(1, pattern[i]) + "' is not supported (use %Y, %y, %m, %d or %%)";
    }
  }
  // Without all three a name would match the runs of several dates.
  if (!year || !month || !day) return "needs a year (%Y or %y), a month (%m) and a day (%d)";
  return std::nullopt;
}

std::string format_file_date(std::string_view pattern, std::chrono::year_month_day date) {
  std::string out;
  char buf[8];
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    switch (pattern[++i]) {
      case 'Y': std::snprintf(buf, sizeof buf, "%04d", static_cast<int>(date.year())); break;
      case 'y': std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(date.year()) % 100); break;
      case 'm': std::snprintf(buf, sizeof buf, "%02u", static_cast<unsigned>(date.month())); break;
      case 'd': std::snprintf(buf, sizeof buf, "%02u", static_cast<unsigned>(date.day())); break;
      default: buf[0] = pattern[i]; buf[1] = '\0'; break;
    }
    out += buf;
  }
  return out;
}

bool file_name_has_date(std::string_view file_name, std::string_view pattern, std::chrono::year_month_day date) {
  return file_name.find(format_file_date(pattern, date)) != std::string_view::npos;
}

}  // namespace renkei
