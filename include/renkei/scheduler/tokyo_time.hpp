#pragma once
// The hub's time zone, Asia/Tokyo, as a constant offset of +09:00. Japan has kept no
// daylight saving time since 1951, so a fixed offset is exact for every date a schedule
// can reach and needs no tz database (libstdc++ 12 has none). There is deliberately no
// zone parameter anywhere in the scheduler: a second zone would need real tz rules.
#include <chrono>
#include <string>
#include <string_view>

namespace renkei {

struct AsiaTokyo {
  static constexpr std::string_view name = "Asia/Tokyo";
  static constexpr std::chrono::seconds utc_offset = std::chrono::hours{9};

  static constexpr std::chrono::local_seconds to_local(std::chrono::sys_seconds t) {
    return std::chrono::local_seconds{t.time_since_epoch() + utc_offset};
  }
  static constexpr std::chrono::sys_seconds to_sys(std::chrono::local_seconds t) {
    return std::chrono::sys_seconds{t.time_since_epoch() - utc_offset};
  }
  // The Tokyo calendar date an instant falls on.
  static constexpr std::chrono::year_month_day date_of(std::chrono::sys_seconds t) {
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(to_local(t))};
  }
  // The instant of a Tokyo wall-clock time on a Tokyo date.
  static constexpr std::chrono::sys_seconds at(std::chrono::year_month_day date,
                                               std::chrono::minutes time_of_day) {
    return to_sys(std::chrono::local_days{date} + time_of_day);
  }
};

// "2025-02-25T22:00:00+09:00": what logs and the API show for a run's time.
std::string format_tokyo(std::chrono::sys_seconds t);

}  // namespace renkei
