#include "renkei/hub_clock.hpp"

#include <cstdio>
#include <cstdlib>

namespace renkei {

using namespace std::chrono;

namespace {

struct TestClock {
  std::optional<sys_seconds> start;
  double rate = 1.0;
  steady_clock::time_point began = steady_clock::now();
};

const TestClock& test_clock() {
  static const TestClock clock = [] {
    TestClock c;
    if (const char* at = std::getenv("RENKEI_TEST_CLOCK")) c.start = parse_instant(at);
    if (const char* r = std::getenv("RENKEI_TEST_CLOCK_RATE")) {
      double v = std::strtod(r, nullptr);
      if (v > 0 && v <= 10000) c.rate = v;
    }
    return c;
  }();
  return clock;
}

}  // namespace

std::optional<sys_seconds> parse_instant(const std::string& text) {
  int y, mo, d, h, mi, s;
  char sign = 0;
  int oh = 0, om = 0, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) return std::nullopt;
  std::string rest = text.substr(static_cast<std::size_t>(n));
  if (rest == "Z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) == 2) {
    sign = rest[0];
  } else {
    return std::nullopt;
  }
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  auto local = sys_days{date} + hours{h} + minutes{mi} + seconds{s};
  auto offset = hours{oh} + minutes{om};
  return time_point_cast<seconds>(sign == '-' ? local + offset : local - offset);
}

system_clock::time_point hub_now() {
  const auto& c = test_clock();
  if (!c.start) return system_clock::now();
  auto elapsed = duration<double>(steady_clock::now() - c.began) * c.rate;
  return *c.start + duration_cast<system_clock::duration>(elapsed);
}

sys_seconds hub_now_seconds() { return floor<seconds>(hub_now()); }

std::string hub_clock_description() {
  const auto& c = test_clock();
  if (!c.start) return "";
  return std::string("TEST CLOCK: started at ") + std::getenv("RENKEI_TEST_CLOCK") + ", rate " +
         std::to_string(c.rate);
}

}  // namespace renkei
