#pragma once
// The wall clock the scheduler reckons with. Normally the system clock; a test can start
// it at another instant and run it faster (RENKEI_TEST_CLOCK="2026-11-25T21:59:50+09:00"
// and RENKEI_TEST_CLOCK_RATE=60), so that a nightly run or a two-day downtime takes
// seconds. renkeid logs a warning when it is set; production never sets it.
#include <chrono>
#include <optional>
#include <string>

namespace renkei {

std::chrono::system_clock::time_point hub_now();
std::chrono::sys_seconds hub_now_seconds();
// What the test clock is set to ("" when it is the real clock), for the start-up log.
std::string hub_clock_description();

// "2026-11-25T21:59:50+09:00" / "…Z" → the instant; nullopt for anything else.
std::optional<std::chrono::sys_seconds> parse_instant(const std::string& text);

}  // namespace renkei
