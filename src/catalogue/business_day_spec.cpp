#include "renkei/catalogue/business_day_spec.hpp"

#include <charconv>
#include <cstdio>
#include <optional>
#include <vector>

#include "renkei/text.hpp"

namespace renkei {
namespace {

constexpr std::string_view kPrefix = "bd:";

std::optional<unsigned> number(std::string_view s) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "9:00" or "09:00".
std::optional<std::chrono::minutes> parse_time(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() - colon != 3)
    return std::nullopt;
  auto h = number(s.substr(0, colon));
  auto m = number(s.substr(colon + 1));
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return std::chrono::hours{*h} + std::chrono::minutes{*m};
}

}  // namespace

bool BusinessDaySpec::is_spec(std::string_view text) { return trim(text).starts_with(kPrefix); }

std::expected<BusinessDaySpec, std::string> BusinessDaySpec::parse(std::string_view text) {
  const std::string t = trim(text);
  auto fail = [&](const std::string& why) {
    return std::unexpected("business-day schedule '" + t + "': " + why);
  };
  if (!std::string_view(t).starts_with(kPrefix))
    return fail("must start with 'bd:' (e.g. 'bd:3 09:00' or 'bd:last 18:00')");
  std::vector<std::string> words;
  for (auto& w : split(std::string_view(t).substr(kPrefix.size()), ' '))
    if (!w.empty()) words.push_back(w);
  if (words.size() != 2)
    return fail("expected a day and a time, as in 'bd:3 09:00' or 'bd:last 18:00'");

  BusinessDaySpec spec;
  if (words[0] == "last") {
    spec.last = true;
  } else if (auto n = number(words[0]); n && *n >= 1 && *n <= kMaxNth) {
    spec.nth = *n;
  } else {
    return fail("day '" + words[0] + "' is neither 'last' nor a number 1-" + std::to_string(kMaxNth));
  }
  if (auto tod = parse_time(words[1]))
    spec.time_of_day = *tod;
  else
    return fail("time '" + words[1] + "' is not HH:MM (00:00-23:59)");
  return spec;
}

std::string BusinessDaySpec::str() const {
  char time[8];
  std::snprintf(time, sizeof time, "%02d:%02d", static_cast<int>(time_of_day.count() / 60),
                static_cast<int>(time_of_day.count() % 60));
  return std::string(kPrefix) + (last ? "last" : std::to_string(nth)) + " " + time;
}

}  // namespace renkei
