#include "renkei/scheduler/jp_holiday_rules.hpp"

#include <algorithm>
#include <set>

namespace renkei {
namespace {

using namespace std::chrono;

sys_days on(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }

// Happy Monday days (the law says "第2月曜日" and so on).
sys_days nth_monday(int y, unsigned m, unsigned n) { return sys_days{year{y} / month{m} / Monday[n]}; }

// Day of March (春分) or September (秋分) by the standard approximation
//   floor(base + 0.242194 (y - 1980) - floor((y - 1980) / 4)),
// kept in millionths so that no floating-point rounding can move a day. The law itself
// only says "春分日"; the official day is announced each February for the next year and
// agrees with this formula throughout kFirstHolidayYear..kLastHolidayYear.
unsigned equinox_day(int y, long base_millionths) {
  const long k = y - 1980;  // never negative here, so / is floor
  return static_cast<unsigned>((base_millionths + 242194 * k - 1000000 * (k / 4)) / 1000000);
}

// When the law's amendments took effect.
constexpr sys_days kSubstituteFrom{1973y / April / 12d};  // 振替休日 introduced
constexpr sys_days kCitizensFrom{1985y / December / 27d};  // 国民の休日 introduced
constexpr sys_days k2007Reform{2007y / January / 1d};      // both widened

}  // namespace

std::vector<Holiday> national_holidays(int y) {
  std::vector<Holiday> out;
  if (y < kFirstHolidayYear || y > kLastHolidayYear) return out;
  auto add = [&](sys_days d, const char* name) { out.push_back({d, name, HolidayKind::National}); };

  add(on(y, 1, 1), "元日");
  add(y >= 2000 ? nth_monday(y, 1, 2) : on(y, 1, 15), "成人の日");
  add(on(y, 2, 11), "建国記念の日");
  if (y >= 2020) add(on(y, 2, 23), "天皇誕生日");
  add(on(y, 3, equinox_day(y, 20843100)), "春分の日");
  add(on(y, 4, 29), y >= 2007 ? "昭和の日" : y >= 1989 ? "みどりの日" : "天皇誕生日");
  add(on(y, 5, 3), "憲法記念日");
  // Before 2007, 5/4 was a rest day only as a 国民の休日 between 5/3 and 5/5.
  if (y >= 2007) add(on(y, 5, 4), "みどりの日");
  add(on(y, 5, 5), "こどもの日");
  if (y >= 2003)
    add(nth_monday(y, 7, 3), "海の日");
  else if (y >= 1996)
    add(on(y, 7, 20), "海の日");
  if (y >= 2016) add(on(y, 8, 11), "山の日");
  add(y >= 2003 ? nth_monday(y, 9, 3) : on(y, 9, 15), "敬老の日");
  add(on(y, 9, equinox_day(y, 23248800)), "秋分の日");
  add(y >= 2000 ? nth_monday(y, 10, 2) : on(y, 10, 10), y >= 2020 ? "スポーツの日" : "体育の日");
  add(on(y, 11, 3), "文化の日");
  add(on(y, 11, 23), "勤労感謝の日");
  // 2019 had no 天皇誕生日: the emperor abdicated in April, his successor's is in February.
  if (y >= 1989 && y <= 2018) add(on(y, 12, 23), "天皇誕生日");

  std::stable_sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) { return a.day < b.day; });
  return out;
}

std::vector<Holiday> with_rest_days(std::vector<Holiday> nationals) {
  std::set<sys_days> national;
  for (const auto& h : nationals) national.insert(h.day);
  auto is_national = [&](sys_days d) { return national.contains(d); };

  std::vector<Holiday> rest;
  // Article 3(2): a 国民の祝日 on a Sunday makes the next day that is not a 国民の祝日 a
  // holiday. Until 2006 it was only ever the Monday, and nothing if that was a 祝日.
  std::set<sys_days> substitutes;
  for (const auto& h : nationals) {
    if (h.day < kSubstituteFrom || weekday{h.day} != Sunday) continue;
    sys_days d = h.day + days{1};
    if (h.day >= k2007Reform)
      while (is_national(d)) d += days{1};
    else if (is_national(d))
      continue;
    if (substitutes.insert(d).second) rest.push_back({d, "振替休日", HolidayKind::Substitute});
  }
  // Article 3(3): a day whose day before and day after are both 国民の祝日 is a holiday.
  // Until 2006 a Sunday or a 振替休日 did not count as such a day; since then the text
  // only excludes 祝日, and a 振替休日 keeps its own name.
  for (const auto& h : nationals) {
    const sys_days d = h.day + days{1};
    if (d < kCitizensFrom || is_national(d) || !is_national(d + days{1}) || substitutes.contains(d))
      continue;
    if (d < k2007Reform && weekday{d} == Sunday) continue;
    rest.push_back({d, "国民の休日", HolidayKind::Citizens});
  }

  nationals.insert(nationals.end(), std::make_move_iterator(rest.begin()),
                   std::make_move_iterator(rest.end()));
  std::stable_sort(nationals.begin(), nationals.end(),
                   [](const Holiday& a, const Holiday& b) { return a.day < b.day; });
  return nationals;
}

}  // namespace renkei
