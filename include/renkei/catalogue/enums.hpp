#pragma once
// The typed vocabulary of the 連携一覧, with the exact spellings the config files use.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace renkei {

enum class Method { Auto, Manual };                                  // 自動 / 手動
enum class Timing { Realtime, Daily, Monthly, Yearly, Adhoc };       // 随時 日次 月次 年次 任意
enum class Arrow { Right, Left };                                    // → / ←
enum class BusinessDayRule { Run, Skip, NextBusinessDay, PreviousBusinessDay };

std::string_view to_string(Method m);
std::string_view to_string(Timing t);
std::string_view to_string(Arrow a);
std::string_view to_string(BusinessDayRule r);

// Parsers for the config spelling ("auto", "daily", …); nullopt on anything else.
std::optional<Method> parse_method(std::string_view s);
std::optional<Timing> parse_timing(std::string_view s);
std::optional<Arrow> parse_arrow(std::string_view s);
std::optional<BusinessDayRule> parse_business_day_rule(std::string_view s);

// Every accepted spelling, for "expected one of …" messages.
std::span<const std::string_view> method_names();
std::span<const std::string_view> timing_names();
std::span<const std::string_view> business_day_rule_names();

// A timing the scheduler runs on its own (daily, monthly, yearly) needs a schedule.
bool is_scheduled(Timing t);

// Built-in conversion profiles; any other name is a custom profile in codemaps/profiles/.
inline constexpr std::string_view kProfileJukinet = "jukinet";
inline constexpr std::string_view kProfileUtf8 = "utf8";
inline constexpr std::string_view kProfileNone = "none";
bool is_valid_profile_name(std::string_view s);

}  // namespace renkei
