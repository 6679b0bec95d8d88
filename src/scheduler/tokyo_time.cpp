#include "renkei/scheduler/tokyo_time.hpp"

#include <cstdio>

namespace renkei {

std::string format_tokyo(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const local_seconds local = AsiaTokyo::to_local(t);
  const local_days day = floor<days>(local);
  const year_month_day date{day};
  const hh_mm_ss<seconds> tod{local - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+09:00", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

}  // namespace renkei
