#include "renkei/scheduler/holiday_exceptions.hpp"

#include <map>
#include <optional>

#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/jp_holiday_rules.hpp"
#include "renkei/text.hpp"
#include "yaml_reader.hpp"  // the catalogue's file:line reporting, shared rather than copied

namespace renkei {
namespace {

using namespace std::chrono;

std::optional<std::string> rule_holiday(sys_days day) {
  for (auto& h : national_holidays(static_cast<int>(year_month_day{day}.year())))
    if (h.day == day) return h.name;
  return std::nullopt;
}

class Reader {
 public:
  Reader(std::string shown, Diagnostics& diags) : shown_(std::move(shown)), diags_(diags) {}

  std::optional<HolidayException> entry(const YAML::Node& node) {
    MapReader m(node, shown_, "holiday exception", diags_);
    if (!m.is_map()) return std::nullopt;
    auto out = read(m);
    m.finish();
    return out;
  }

 private:
  std::optional<HolidayException> read(MapReader& m) {
    std::optional<sys_days> day;
    if (auto text = m.str("date", Need::Required)) {
      m.rename("holiday exception " + *text);
      if (auto d = parse_date(*text); !d)
        m.error("date", "'" + *text + "' is not a date (YYYY-MM-DD)");
      else if (int y = static_cast<int>(d->year()); y < kFirstHolidayYear || y > kLastHolidayYear)
        m.error("date", "the calendar only knows the years " + std::to_string(kFirstHolidayYear) +
                            "-" + std::to_string(kLastHolidayYear));
      else
        day = sys_days{*d};
    }
    auto add = m.str("add");
    auto remove = m.str("remove");
    (void)m.str("note");  // for people reading the file: the law or notice behind the entry
    if (add && remove) {
      m.error_here("give either 'add' or 'remove', not both");
      return std::nullopt;
    }
    if (!add && !remove) {
      m.error_here("missing 'add: <name>' or 'remove: <name>'");
      return std::nullopt;
    }
    const std::string key = add ? "add" : "remove";
    const std::string name = trim(add ? *add : *remove);
    if (name.empty()) {
      m.error(key, "the holiday needs a name");
      return std::nullopt;
    }
    if (!day) return std::nullopt;

    const std::string shown_day = to_string(year_month_day{*day});
    if (auto [it, fresh] = seen_.emplace(*day, m.line()); !fresh) {
      m.error("date", shown_day + " already has an entry on line " + std::to_string(it->second));
      return std::nullopt;
    }
    // Checked against the rules so that a typo or a rule change cannot quietly make an
    // entry mean something else.
    const auto by_rules = rule_holiday(*day);
    if (add && by_rules) {
      m.error(key, shown_day + " is already " + *by_rules + " by the rules");
      return std::nullopt;
    }
    if (remove && !by_rules) {
      m.error(key, shown_day + " is no 祝日 by the rules, so there is nothing to remove");
      return std::nullopt;
    }
    if (remove && *by_rules != name) {
      m.error(key, shown_day + " is " + *by_rules + " by the rules, not " + name);
      return std::nullopt;
    }
    return HolidayException{add ? HolidayException::Action::Add : HolidayException::Action::Remove,
                            *day, name};
  }

  std::string shown_;
  Diagnostics& diags_;
  std::map<sys_days, int> seen_;  // date -> line of its entry
};

}  // namespace

Result<std::vector<HolidayException>> load_holiday_exceptions(const std::string& path,
                                                              const std::string& shown_as) {
  Diagnostics diags;
  auto doc = load_yaml_file(path, shown_as, diags);
  if (!doc) return std::unexpected(diags);

  std::vector<HolidayException> out;
  MapReader top(*doc, shown_as, "holiday exceptions", diags);
  auto list = top.sequence("exceptions", Need::Required);
  top.finish();
  if (list) {
    Reader reader(shown_as, diags);
    for (const auto& node : *list)
      if (auto e = reader.entry(node)) out.push_back(std::move(*e));
  }
  if (!diags.empty()) return std::unexpected(diags);
  return out;
}

}  // namespace renkei
