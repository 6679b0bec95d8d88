#include "renkei/catalogue/cron_expr.hpp"

#include <array>
#include <charconv>
#include <vector>

#include "renkei/text.hpp"

namespace renkei {
namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::array<std::string_view, 12> names;  // index + min = value; empty when unused
};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day-of-month", 1, 31, {}},
    {"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
    {"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
};

std::expected<int, std::string> value(std::string_view s, const FieldSpec& f) {
  std::string up(s);
  for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < f.names.size(); ++i)
    if (!f.names[i].empty() && f.names[i] == up) return static_cast<int>(i) + f.min;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::unexpected("'" + std::string(s) + "' is not a number");
  if (v < f.min || v > f.max)
    return std::unexpected(std::to_string(v) + " is outside " + std::to_string(f.min) + "-" +
                           std::to_string(f.max));
  return v;
}

// Sets bits for one comma-separated field; returns the error text or empty.
std::string parse_field(std::string_view text, const FieldSpec& f, std::vector<bool>& bits,
                        bool& star) {
  star = text == "*";
  for (const auto& part : split(text, ',')) {
    std::string_view range = part;
    int step = 1;
    if (auto slash = range.find('/'); slash != std::string_view::npos) {
      auto st = std::string_view(part).substr(slash + 1);
      auto [p, ec] = std::from_chars(st.data(), st.data() + st.size(), step);
      if (ec != std::errc{} || p != st.data() + st.size() || step < 1)
        return "step '" + std::string(st) + "' is not a positive number";
      range = range.substr(0, slash);
    }
    int lo = f.min, hi = f.max;
    if (range != "*") {
      auto dash = range.find('-');
      auto a = value(range.substr(0, dash), f);
      if (!a) return a.error();
      lo = hi = *a;
      if (dash != std::string_view::npos) {
        auto b = value(range.substr(dash + 1), f);
        if (!b) return b.error();
        hi = *b;
        if (hi < lo) return "range " + std::string(range) + " runs backwards";
      } else if (step > 1) {
        hi = f.max;  // "5/15" means from 5 every 15
      }
    }
    for (int v = lo; v <= hi; v += step) bits[static_cast<std::size_t>(v)] = true;
  }
  return {};
}

}  // namespace

std::expected<CronExpr, std::string> CronExpr::parse(std::string_view text) {
  std::vector<std::string> fields;
  for (auto& w : split(trim(text), ' '))
    if (!w.empty()) fields.push_back(w);
  if (fields.size() != 5)
    return std::unexpected("cron expression '" + std::string(text) + "' has " +
                           std::to_string(fields.size()) +
                           " fields, expected 5 (minute hour day-of-month month day-of-week)");
  CronExpr e;
  for (std::size_t i = 0; i < 5; ++i) {
    std::vector<bool> bits(static_cast<std::size_t>(kFields[i].max) + 1, false);
    bool star = false;
    if (auto err = parse_field(fields[i], kFields[i], bits, star); !err.empty())
      return std::unexpected("cron " + std::string(kFields[i].name) + " field '" + fields[i] +
                             "': " + err);
    for (std::size_t v = 0; v < bits.size(); ++v) {
      if (!bits[v]) continue;
      switch (i) {
        case 0: e.minutes.set(v); break;
        case 1: e.hours.set(v); break;
        case 2: e.days_of_month.set(v); break;
        case 3: e.months.set(v); break;
        case 4: e.days_of_week.set(v % 7); break;
      }
    }
    if (i == 2) e.any_day_of_month = star;
    if (i == 4) e.any_day_of_week = star;
  }
  return e;
}

}  // namespace renkei
