#include "calendar_command.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "renkei/catalogue/config_loader.hpp"
#include "renkei/scheduler/calendar_config.hpp"
#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/jp_calendar.hpp"
#include "renkei/scheduler/tokyo_time.hpp"
#include "report.hpp"

namespace renkei::cli {
namespace {

using namespace std::chrono;

// Ten years of days is the most one listing shows (a mistyped year stays readable).
constexpr int kMaxDays = 3653;

struct ClosedDay {
  year_month_day date;
  std::string kind;    // holiday, substitute, citizens, closure, year-end, weekend
  std::string reason;  // the holiday's or closure's name, 年末年始休業, 土曜日, 日曜日
};

const char* weekday_ja(year_month_day d) {
  static constexpr const char* names[] = {"日", "月", "火", "水", "木", "金", "土"};
  return names[weekday{sys_days{d}}.c_encoding()];
}

const char* kind_of(JpCalendar::ClosedKind k) {
  using K = JpCalendar::ClosedKind;
  switch (k) {
    case K::Holiday: return "holiday";
    case K::Substitute: return "substitute";
    case K::Citizens: return "citizens";
    case K::Closure: return "closure";
    case K::YearEnd: return "year-end";
    case K::Weekend: return "weekend";
  }
  return "closed";
}

std::string month_text(year_month ym) {
  return to_string(year_month_day{ym / 1d}).substr(0, 7);
}

}  // namespace

int cmd_calendar(const std::string& config, const CalendarQuery& q, std::ostream& out, std::ostream& err) {
  year_month_day first, last;
  if (q.from || q.to) {
    if (!q.from || !q.to || q.year) {
      err << "calendar: give a YEAR, or both --from and --to\n";
      return kUsage;
    }
    auto f = parse_date(*q.from), t = parse_date(*q.to);
    if (!f || !t) {
      err << "calendar: --" << (f ? "to" : "from") << " is not a date (YYYY-MM-DD)\n";
      return kUsage;
    }
    first = *f;
    last = *t;
  } else {
    const int y = q.year ? *q.year : static_cast<int>(AsiaTokyo::date_of(floor<seconds>(system_clock::now())).year());
    first = year{y} / January / 1d;
    last = year{y} / December / 31d;
  }
  if (sys_days{last} < sys_days{first}) {
    err << "calendar: --to is before --from\n";
    return kUsage;
  }
  if ((sys_days{last} - sys_days{first}).count() >= kMaxDays) {
    err << "calendar: at most " << kMaxDays << " days (ten years) at a time\n";
    return kUsage;
  }

  auto cat = load_catalogue(config);
  if (!cat) return report(cat.error(), err);
  const auto& dir = (*cat)->hub.calendar_dir;
  auto options = load_calendar_options(dir, dir);
  if (!options) return report(options.error(), err);
  const JpCalendar cal(*options);

  std::vector<ClosedDay> closed;
  std::map<year_month, std::pair<int, int>> months;  // business days, days
  std::vector<int> uncovered;
  for (sys_days d = sys_days{first}; d <= sys_days{last}; d += days{1}) {
    const year_month_day ymd{d};
    auto& m = months[ymd.year() / ymd.month()];
    ++m.second;
    if (!JpCalendar::covers(ymd) && (uncovered.empty() || uncovered.back() != static_cast<int>(ymd.year())))
      uncovered.push_back(static_cast<int>(ymd.year()));
    if (auto why = cal.closed_reason(ymd)) closed.push_back({ymd, kind_of(why->kind), std::move(why->name)});
    else ++m.first;
  }
  int business = 0;
  for (const auto& [ym, m] : months) business += m.first;
  for (int y : uncovered)
    err << "calendar: public holidays are known for " << kFirstHolidayYear << "-" << kLastHolidayYear
        << " only; " << y << " shows weekends and closures alone\n";

  if (q.json) {
    auto j = nlohmann::ordered_json::object();
    j["from"] = to_string(first);
    j["to"] = to_string(last);
    j["calendar_dir"] = dir;
    j["holidays_known"] = uncovered.empty();
    j["business_days"] = business;
    auto arr = nlohmann::ordered_json::array();
    for (const auto& c : closed)
      arr.push_back({{"date", to_string(c.date)}, {"weekday", weekday_ja(c.date)}, {"kind", c.kind}, {"reason", c.reason}});
    j["closed"] = std::move(arr);
    auto ms = nlohmann::ordered_json::array();
    for (const auto& [ym, m] : months)
      ms.push_back({{"month", month_text(ym)}, {"days", m.second}, {"business_days", m.first}});
    j["months"] = std::move(ms);
    out << j.dump(2) << "\n";
    return kOk;
  }
  out << "calendar " << to_string(first) << " .. " << to_string(last) << " (" << dir << "): " << business
      << " business days, " << closed.size() << " days closed\n";
  for (const auto& c : closed) {
    std::string kind = c.kind;
    kind.resize(std::max<std::size_t>(kind.size(), 10), ' ');
    out << to_string(c.date) << " " << weekday_ja(c.date) << "  " << kind << "  " << c.reason << "\n";
  }
  out << "\nmonth    business days / days\n";
  for (const auto& [ym, m] : months) out << month_text(ym) << "  " << m.first << " / " << m.second << "\n";
  return kOk;
}

}  // namespace renkei::cli
