#include "renkei/scheduler/closures.hpp"

#include <map>

#include "renkei/scheduler/date_text.hpp"
#include "renkei/text.hpp"
#include "yaml_reader.hpp"  // the catalogue's file:line reporting, shared rather than copied

namespace renkei {
namespace {

using namespace std::chrono;

// Day of a leap year, so that 02-29 has a place.
int day_of_year(month_day md) {
  return static_cast<int>((sys_days{2000y / md} - sys_days{2000y / January / 1d}).count()) + 1;
}

std::optional<YearEndClosure> read_year_end(const YAML::Node& node, const std::string& shown,
                                            Diagnostics& diags) {
  MapReader m(node, shown, "year_end", diags);
  YearEndClosure c;
  bool ok = m.is_map();
  for (auto [key, slot] : {std::pair{"from", &c.first}, std::pair{"to", &c.last}}) {
    auto text = m.str(key, Need::Required);
    if (!text) {
      ok = false;
    } else if (auto md = parse_month_day(*text)) {
      *slot = *md;
    } else {
      m.error(key, "'" + *text + "' is not a day of the year (MM-DD)");
      ok = false;
    }
  }
  if (ok)
    if (auto problem = c.problem()) {
      m.error_here(*problem);
      ok = false;
    }
  m.finish();
  return ok ? std::optional(c) : std::nullopt;
}

std::optional<ClosureDay> read_day(const YAML::Node& node, const std::string& shown,
                                   std::map<sys_days, int>& seen, Diagnostics& diags) {
  MapReader m(node, shown, "closure day", diags);
  std::optional<ClosureDay> out;
  auto text = m.str("date", Need::Required);
  if (text) m.rename("closure day " + *text);
  auto name = m.str("name", Need::Required);
  if (text) {
    if (auto d = parse_date(*text); !d) {
      m.error("date", "'" + *text + "' is not a date (YYYY-MM-DD)");
    } else if (auto [it, fresh] = seen.emplace(sys_days{*d}, m.line()); !fresh) {
      m.error("date", *text + " already has an entry on line " + std::to_string(it->second));
    } else if (name && trim(*name).empty()) {
      m.error("name", "the closure needs a name");
    } else if (name) {
      out = ClosureDay{sys_days{*d}, trim(*name)};
    }
  }
  m.finish();
  return out;
}

}  // namespace

bool YearEndClosure::contains(month_day day) const {
  return first <= last ? (first <= day && day <= last) : (day >= first || day <= last);
}

std::optional<std::string> YearEndClosure::problem() const {
  if (!first.ok() || !last.ok()) return "the closure's first or last day does not exist";
  const int a = day_of_year(first), b = day_of_year(last);
  const int span = a <= b ? b - a + 1 : 366 - a + b + 1;
  if (span > 31)
    return "the closure " + to_string(first) + " to " + to_string(last) + " lasts " +
           std::to_string(span) + " days; at most 31 are allowed";
  return std::nullopt;
}

Result<Closures> load_closures(const std::string& path, const std::string& shown_as) {
  Diagnostics diags;
  auto doc = load_yaml_file(path, shown_as, diags);
  if (!doc) return std::unexpected(diags);

  Closures out;
  const YAML::Node& root = *doc;
  MapReader top(root, shown_as, "closures", diags);
  if (top.is_map() && root["year_end"] && root["year_end"].IsScalar()) {
    // `year_end: none` is the one scalar allowed: the offices stay open over New Year.
    if (auto s = top.str("year_end"); s && *s == "none")
      out.year_end.reset();
    else if (s)
      top.error("year_end", "'" + *s + "' is neither 'none' nor a mapping with from/to");
  } else if (auto node = top.map("year_end")) {
    out.year_end = read_year_end(*node, shown_as, diags);
  }
  if (auto list = top.sequence("days")) {
    std::map<sys_days, int> seen;
    for (const auto& node : *list)
      if (auto d = read_day(node, shown_as, seen, diags)) out.days.push_back(std::move(*d));
  }
  top.finish();
  if (!diags.empty()) return std::unexpected(diags);
  return out;
}

}  // namespace renkei
