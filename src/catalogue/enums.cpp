#include "renkei/catalogue/enums.hpp"

#include <array>

namespace renkei {
namespace {

constexpr std::array<std::string_view, 2> kMethods{"auto", "manual"};
constexpr std::array<std::string_view, 5> kTimings{"realtime", "daily", "monthly", "yearly", "adhoc"};
constexpr std::array<std::string_view, 2> kArrows{"→", "←"};
constexpr std::array<std::string_view, 4> kRules{"run", "skip", "next-business-day",
                                                 "previous-business-day"};

template <class E, std::size_t N>
std::optional<E> find(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Method m) { return kMethods[static_cast<std::size_t>(m)]; }
std::string_view to_string(Timing t) { return kTimings[static_cast<std::size_t>(t)]; }
std::string_view to_string(Arrow a) { return kArrows[static_cast<std::size_t>(a)]; }
std::string_view to_string(BusinessDayRule r) { return kRules[static_cast<std::size_t>(r)]; }

std::optional<Method> parse_method(std::string_view s) { return find<Method>(kMethods, s); }
std::optional<Timing> parse_timing(std::string_view s) { return find<Timing>(kTimings, s); }
std::optional<Arrow> parse_arrow(std::string_view s) { return find<Arrow>(kArrows, s); }
std::optional<BusinessDayRule> parse_business_day_rule(std::string_view s) {
  return find<BusinessDayRule>(kRules, s);
}

std::span<const std::string_view> method_names() { return kMethods; }
std::span<const std::string_view> timing_names() { return kTimings; }
std::span<const std::string_view> business_day_rule_names() { return kRules; }

bool is_scheduled(Timing t) {
  return t == Timing::Daily || t == Timing::Monthly || t == Timing::Yearly;
}

bool is_valid_profile_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!(s.front() >= 'a' && s.front() <= 'z')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

}  // namespace renkei
