#pragma once
// The scheduler's decisions as pure functions of schedule, calendar, state and an
// injected "now" (tests need no clock): which occurrences to start, when a run's data
// is due, and whether a manual (手動) row is overdue.
#include <chrono>
#include <optional>
#include <vector>

#include "renkei/catalogue/model.hpp"
#include "renkei/scheduler/job_run.hpp"
#include "renkei/scheduler/next_run.hpp"

namespace renkei {

// When a run at `occ` stops waiting for data: the deadline's wall-clock time at or after
// the run, or the delay after it; without a deadline, the run's own time.
std::chrono::sys_seconds deadline_of(const Occurrence& occ, const std::optional<Deadline>& deadline);

// The occurrences in (cursor, now] to start now, given the route's catch-up policy, minus
// those whose business date already has a run in `state` (a restart or a second hub
// never starts a date twice).
std::vector<Occurrence> occurrences_to_start(int route, const RunSpec& spec, CatchUp policy,
                                             const JpCalendar& calendar, const JobState& state,
                                             std::chrono::sys_seconds cursor, std::chrono::sys_seconds now);

// A manual row's current obligation: its latest occurrence at or before `now` and when
// the hand-off is due (the deadline, else the occurrence itself).
struct ManualDue {
  Occurrence occurrence;
  std::chrono::sys_seconds due_at;
  bool overdue = false;            // now >= due_at and the date's run not acknowledged
};
// `since`: when the hub cluster first knew the route (its cursor). Occurrences before it
// were nobody's to do through the hub, so a new installation is not overdue everywhere
// at once; with no `since` yet nothing is overdue.
std::optional<ManualDue> manual_due(int route, const RunSpec& spec, const std::optional<Deadline>& deadline,
                                    const JpCalendar& calendar, const JobState& state,
                                    std::optional<std::chrono::sys_seconds> since, std::chrono::sys_seconds now);

}  // namespace renkei
