#include "renkei/scheduler/job_plan.hpp"

#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {

using namespace std::chrono;

sys_seconds deadline_of(const Occurrence& occ, const std::optional<Deadline>& deadline) {
  if (!deadline) return occ.at;
  if (deadline->relative) return occ.at + minutes(deadline->minutes);
  // The first time the Tokyo clock shows the deadline at or after the run.
  auto date = AsiaTokyo::date_of(occ.at);
  auto at = AsiaTokyo::at(date, minutes(deadline->minutes));
  if (at < occ.at) at = AsiaTokyo::at(year_month_day{sys_days{date} + days{1}}, minutes(deadline->minutes));
  return at;
}

std::vector<Occurrence> occurrences_to_start(int route, const RunSpec& spec, CatchUp policy,
                                             const JpCalendar& calendar, const JobState& state,
                                             sys_seconds cursor, sys_seconds now) {
  auto all = occurrences_between(spec, calendar, cursor, now);
  if (policy == CatchUp::Latest && all.size() > 1) all.erase(all.begin(), all.end() - 1);
  std::vector<Occurrence> out;
  for (const auto& o : all)
    if (!state.find(route, to_string(o.business_date))) out.push_back(o);
  return out;
}

std::optional<ManualDue> manual_due(int route, const RunSpec& spec, const std::optional<Deadline>& deadline,
                                    const JpCalendar& calendar, const JobState& state,
                                    std::optional<sys_seconds> since, sys_seconds now) {
  // Widen the look back only as far as the schedule needs: a daily row finds its latest
  // occurrence within days, a yearly one within a year.
  std::optional<Occurrence> latest;
  for (auto back : {days{8}, days{40}, days{400}}) {
    auto occ = occurrences_between(spec, calendar, now - back, now);
    if (!occ.empty()) {
      latest = occ.back();
      break;
    }
  }
  if (!latest) return std::nullopt;
  ManualDue due{*latest, deadline_of(*latest, deadline), false};
  const JobRun* run = state.find(route, to_string(latest->business_date));
  const bool acknowledged = run && run->acked_at != 0;
  due.overdue = since && latest->at >= *since && now >= due.due_at && !acknowledged;
  return due;
}

}  // namespace renkei
