// The scheduler's decisions with an injected "now": which runs start, catch-up after a
// downtime (all / latest), deadlines, and when a manual row is overdue.
#include <gtest/gtest.h>

#include "renkei/scheduler/job_plan.hpp"
#include "renkei/scheduler/run_spec.hpp"
#include "scheduler_test_support.hpp"

namespace renkei {
namespace {

using testing::date;
// When the hub first knew the manual routes of these tests.
const std::optional<std::chrono::sys_seconds> kSince = testing::tokyo(2026, 1, 1, 0, 0);
using testing::tokyo;

RunSpec spec(const char* text, BusinessDayRule rule = BusinessDayRule::Skip) {
  auto s = parse_run_spec(text, rule);
  EXPECT_TRUE(s) << text;
  return *s;
}

std::vector<std::string> dates(const std::vector<Occurrence>& occ) {
  std::vector<std::string> out;
  for (const auto& o : occ) out.push_back(to_string(o.business_date));
  return out;
}

JobRun run_of(int route, const char* day, RunState state) {
  JobRun r;
  r.route = route;
  r.business_date = day;
  r.state = state;
  return r;
}

TEST(DeadlineOf, TimeOfDayIsTheFirstSuchTimeAtOrAfterTheRun) {
  Occurrence at22{tokyo(2026, 11, 25, 22, 0), date(2026, 11, 25)};
  EXPECT_EQ(deadline_of(at22, std::nullopt), at22.at);
  EXPECT_EQ(deadline_of(at22, Deadline{false, 23 * 60}), tokyo(2026, 11, 25, 23, 0));
  // "09:00" after a 22:00 run is the next morning.
  EXPECT_EQ(deadline_of(at22, Deadline{false, 9 * 60}), tokyo(2026, 11, 26, 9, 0));
  EXPECT_EQ(deadline_of(at22, Deadline{true, 90}), tokyo(2026, 11, 25, 23, 30));
}

TEST(OccurrencesToStart, DowntimeAcrossAHolidayWeekendStartsEachMissedBusinessDayOnce) {
  JpCalendar cal;
  JobState state;
  // Down from Thu 2026-11-19 23:00 to Tue 11-24 23:00: Fri 20 runs, Sat/Sun skip,
  // Mon 23 is 勤労感謝の日 (skip), Tue 24 runs.
  auto due = occurrences_to_start(9, spec("0 22 * * *"), CatchUp::All, cal, state, tokyo(2026, 11, 19, 23, 0),
                                  tokyo(2026, 11, 24, 23, 0));
  EXPECT_EQ(dates(due), (std::vector<std::string>{"2026-11-20", "2026-11-24"}));
  auto latest = occurrences_to_start(9, spec("0 22 * * *"), CatchUp::Latest, cal, state, tokyo(2026, 11, 19, 23, 0),
                                     tokyo(2026, 11, 24, 23, 0));
  EXPECT_EQ(dates(latest), (std::vector<std::string>{"2026-11-24"}));
}

TEST(OccurrencesToStart, ADateThatAlreadyHasARunIsNeverStartedAgain) {
  JpCalendar cal;
  JobState state;
  state.put(run_of(9, "2026-11-20", RunState::Succeeded));
  state.put(run_of(10, "2026-11-24", RunState::Running));  // another route: no effect
  auto due = occurrences_to_start(9, spec("0 22 * * *"), CatchUp::All, cal, state, tokyo(2026, 11, 19, 23, 0),
                                  tokyo(2026, 11, 24, 23, 0));
  EXPECT_EQ(dates(due), (std::vector<std::string>{"2026-11-24"}));
}

TEST(OccurrencesToStart, NextBusinessDayAfterTheYearEndClosure) {
  JpCalendar cal;
  JobState state;
  // Monthly on the 1st, next business day: 2027-01-01 falls in the closure (12/29-1/3),
  // 1/4 is a Monday.
  auto due = occurrences_to_start(20, spec("0 6 1 * *", BusinessDayRule::NextBusinessDay), CatchUp::All, cal, state,
                                  tokyo(2026, 12, 20, 0, 0), tokyo(2027, 1, 5, 0, 0));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(to_string(due[0].business_date), "2027-01-04");
  EXPECT_EQ(due[0].at, tokyo(2027, 1, 4, 6, 0));
}

TEST(OccurrencesToStart, NothingBeforeTheFirstOccurrence) {
  JpCalendar cal;
  JobState state;
  EXPECT_TRUE(occurrences_to_start(9, spec("0 22 * * *"), CatchUp::All, cal, state, tokyo(2026, 11, 25, 21, 0),
                                   tokyo(2026, 11, 25, 21, 59, 59))
                  .empty());
  // The boundary belongs to the interval's end: (from, to].
  EXPECT_EQ(dates(occurrences_to_start(9, spec("0 22 * * *"), CatchUp::All, cal, state, tokyo(2026, 11, 25, 21, 0),
                                       tokyo(2026, 11, 25, 22, 0))),
            (std::vector<std::string>{"2026-11-25"}));
}

TEST(ManualDue, OverdueFromTheDueTimeUntilTheDatesRunIsAcknowledged) {
  JpCalendar cal;
  JobState state;
  const auto monthly = spec("0 6 1 * *", BusinessDayRule::NextBusinessDay);
  const std::optional<Deadline> by17{Deadline{false, 17 * 60}};
  // 2026-11-01 is a Sunday: due Mon 11-02 06:00, deadline 17:00 that day.
  auto before = manual_due(40, monthly, by17, cal, state, kSince, tokyo(2026, 11, 2, 16, 59));
  ASSERT_TRUE(before);
  EXPECT_EQ(to_string(before->occurrence.business_date), "2026-11-02");
  EXPECT_EQ(before->due_at, tokyo(2026, 11, 2, 17, 0));
  EXPECT_FALSE(before->overdue);

  auto after = manual_due(40, monthly, by17, cal, state, kSince, tokyo(2026, 11, 2, 17, 0));
  EXPECT_TRUE(after->overdue);
  // A run that succeeded is not enough: the hand-off must be acknowledged.
  JobRun run = run_of(40, "2026-11-02", RunState::Succeeded);
  state.put(run);
  EXPECT_TRUE(manual_due(40, monthly, by17, cal, state, kSince, tokyo(2026, 11, 3, 9, 0))->overdue);
  run.acked_by = "tanaka";
  run.acked_at = tokyo(2026, 11, 3, 9, 5).time_since_epoch().count();
  state.put(run);
  EXPECT_FALSE(manual_due(40, monthly, by17, cal, state, kSince, tokyo(2026, 11, 3, 9, 6))->overdue);
  // Next month's obligation starts fresh.
  auto december = manual_due(40, monthly, by17, cal, state, kSince, tokyo(2026, 12, 1, 17, 30));
  EXPECT_EQ(to_string(december->occurrence.business_date), "2026-12-01");
  EXPECT_TRUE(december->overdue);
}

TEST(ManualDue, OccurrencesBeforeTheHubKnewTheRouteAreNotOverdue) {
  JpCalendar cal;
  JobState state;
  const auto daily = spec("0 22 * * *");
  const auto now = tokyo(2026, 11, 26, 9, 0);
  // Unknown start: nothing overdue. Known since Thursday morning: Wednesday's 22:00
  // was before it. Known since Wednesday noon: overdue.
  EXPECT_FALSE(manual_due(3, daily, std::nullopt, cal, state, std::nullopt, now)->overdue);
  EXPECT_FALSE(manual_due(3, daily, std::nullopt, cal, state, tokyo(2026, 11, 26, 8, 0), now)->overdue);
  EXPECT_TRUE(manual_due(3, daily, std::nullopt, cal, state, tokyo(2026, 11, 25, 12, 0), now)->overdue);
}

TEST(ManualDue, YearlyRowLooksBackAYearAndLeapDaysWork) {
  JpCalendar cal;
  JobState state;
  // Yearly on 2/29 (leap years only), run even on non-business days.
  auto leap = spec("0 9 29 2 *", BusinessDayRule::Run);
  auto due = manual_due(50, leap, std::nullopt, cal, state, kSince, tokyo(2028, 3, 15, 0, 0));
  ASSERT_TRUE(due);
  EXPECT_EQ(to_string(due->occurrence.business_date), "2028-02-29");
  EXPECT_TRUE(due->overdue);
  // Within a year of no occurrence (2027 has no 2/29) there is nothing due.
  EXPECT_FALSE(manual_due(50, leap, std::nullopt, cal, state, kSince, tokyo(2027, 6, 1, 0, 0)));
}

TEST(JobStateTest, AppliesRunsAndCursorsAndIgnoresWhatItCannotRead) {
  JobState state;
  JobRun r = run_of(9, "2026-11-25", RunState::Running);
  r.files = 2;
  r.records = 10;
  state.apply(r.key(), to_json(r));
  r.state = RunState::Succeeded;
  r.finished_at = 1764075600;
  state.apply(r.key(), to_json(r));
  state.apply(cursor_key(9), cursor_json(std::chrono::sys_seconds(std::chrono::seconds(1764075000))));
  state.apply("run/009/2026-11-26", "{not json");
  state.apply("run/010/2026-11-25", to_json(r));  // key and body disagree
  state.apply("something/else", "{}");
  state.apply("cursor/99999999999", cursor_json(std::chrono::sys_seconds(std::chrono::seconds(1))));  // no route
  ASSERT_NE(state.find(9, "2026-11-25"), nullptr);
  EXPECT_EQ(state.find(9, "2026-11-25")->state, RunState::Succeeded);
  EXPECT_EQ(state.find(9, "2026-11-25")->records, 10u);
  EXPECT_EQ(state.last_success(9), 1764075600);
  EXPECT_EQ(state.cursor(9)->time_since_epoch().count(), 1764075000);
  EXPECT_EQ(state.ignored(), 4u);
  EXPECT_TRUE(state.running().empty());
}

// manual-overdue told once per hand-off, across restarts: the latest due told per route.
TEST(JobStateTest, RemembersWhichHandOffsOverdueWasToldFor) {
  JobState state;
  EXPECT_EQ(overdue_told_key(17), "told/017");
  state.apply(overdue_told_key(17), overdue_told_json(1764075600));
  EXPECT_TRUE(state.overdue_told(17, 1764075600));
  EXPECT_FALSE(state.overdue_told(17, 1764162000));  // the next hand-off is told again
  EXPECT_FALSE(state.overdue_told(18, 1764075600));
  state.apply(overdue_told_key(17), overdue_told_json(1764162000));
  EXPECT_TRUE(state.overdue_told(17, 1764162000));
  EXPECT_FALSE(state.overdue_told(17, 1764075600));
  state.apply("told/017", "{\"due\":\"soon\"}");
  state.apply("told/xyz", overdue_told_json(1));
  EXPECT_EQ(state.ignored(), 2u);
  EXPECT_TRUE(state.overdue_told(17, 1764162000));
}

TEST(JobRunTest, IdsAndDatesOperatorsType) {
  JobRun r = run_of(9, "2026-11-25", RunState::Succeeded);
  EXPECT_EQ(r.id(), "009-20261125");
  EXPECT_EQ(r.key(), "run/009/2026-11-25");
  EXPECT_EQ(run_date_of("009-20261125", 9), "2026-11-25");
  EXPECT_EQ(run_date_of("2026-11-25", 9), "2026-11-25");
  EXPECT_FALSE(run_date_of("010-20261125", 9));  // another route's run
  EXPECT_FALSE(run_date_of("009-20260230", 9));  // no such date
  auto back = job_run_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id(), r.id());
  EXPECT_EQ(back->state, RunState::Succeeded);
}

TEST(JobRunJson, AFinishingOutcomeRoundTripsAndANonFinalOneIsRefused) {
  JobRun r;
  r.route = 17;
  r.business_date = "2026-11-26";
  r.finishing = RunState::Failed;
  auto back = job_run_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->state, RunState::Running);
  EXPECT_EQ(back->finishing, RunState::Failed);
  r.finishing.reset();
  back = job_run_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->finishing);
  std::string text = to_json(r);
  text.insert(text.size() - 1, ",\"finishing\":\"running\"");
  EXPECT_FALSE(job_run_from_json(text));
}

TEST(JobStateTest, KeepsWhatBecameOfEachBatchAndRefusesKeysItCannotRead) {
  JobState state;
  state.apply(batch_outcome_key(9, "RJ20261125.csv-1a2b"), to_json(BatchOutcome{true, "", 1764075600}));
  state.apply(batch_outcome_key(9, "RJ20261126.csv-3c4d"), to_json(BatchOutcome{false, "bad-record", 1764162000}));
  // A later outcome of the same batch replaces the earlier one (a restart settles it again).
  state.apply(batch_outcome_key(9, "RJ20261126.csv-3c4d"), to_json(BatchOutcome{false, "batch-incomplete", 1764162100}));
  state.apply("batch/009/", to_json(BatchOutcome{true, "", 1}));          // no batch id
  state.apply("batch/abc/x", to_json(BatchOutcome{true, "", 1}));         // route not a number
  state.apply("batch/12345/x", to_json(BatchOutcome{true, "", 1}));       // more digits than a route has
  state.apply(batch_outcome_key(9, "y"), R"({"outcome":"maybe"})");        // no such outcome
  state.apply(batch_outcome_key(9, "z"), "{not json");
  EXPECT_EQ(batch_outcome_key(9, "RJ.csv-1"), "batch/009/RJ.csv-1");
  const BatchOutcome* ok = state.batch_outcome(9, "RJ20261125.csv-1a2b");
  ASSERT_NE(ok, nullptr);
  EXPECT_TRUE(ok->delivered);
  EXPECT_EQ(ok->at, 1764075600);
  const BatchOutcome* held = state.batch_outcome(9, "RJ20261126.csv-3c4d");
  ASSERT_NE(held, nullptr);
  EXPECT_FALSE(held->delivered);
  EXPECT_EQ(held->reason, "batch-incomplete");
  EXPECT_EQ(state.batch_outcome(10, "RJ20261125.csv-1a2b"), nullptr);  // another route's
  EXPECT_EQ(state.batch_outcome(9, "y"), nullptr);
  EXPECT_EQ(state.ignored(), 5u);
}

TEST(JobStateTest, ATombstoneDeletesAnOutcomeAndOldOutcomesAreFoundForPruning) {
  JobState state;
  state.apply(batch_outcome_key(9, "old-1"), to_json(BatchOutcome{true, "", 1000}));
  state.apply(batch_outcome_key(9, "old-2"), to_json(BatchOutcome{false, "bad-record", 1500}));
  state.apply(batch_outcome_key(12, "old-3"), to_json(BatchOutcome{true, "", 1999}));
  state.apply(batch_outcome_key(9, "recent"), to_json(BatchOutcome{true, "", 2000}));
  ASSERT_EQ(state.batch_outcomes(), 4u);

  // Settled strictly before the cutoff, and never more than asked for.
  auto old = state.batch_outcomes_before(2000, 10);
  ASSERT_EQ(old.size(), 3u);
  for (const auto& [route, batch] : old) EXPECT_NE(batch, "recent");
  EXPECT_EQ(state.batch_outcomes_before(2000, 2).size(), 2u);
  EXPECT_TRUE(state.batch_outcomes_before(1000, 10).empty());

  // The leader's delete, read back from renkei.state (a null value arrives empty).
  state.apply(batch_outcome_key(9, "old-1"), "");
  EXPECT_EQ(state.batch_outcome(9, "old-1"), nullptr);
  EXPECT_EQ(state.batch_outcomes(), 3u);
  // A delete of a batch never seen, or replayed twice, is harmless and not a bad key.
  state.apply(batch_outcome_key(9, "old-1"), "");
  state.apply(batch_outcome_key(9, "never"), "");
  EXPECT_EQ(state.ignored(), 0u);
  state.erase_batch_outcome(12, "old-3");
  EXPECT_EQ(state.batch_outcome(12, "old-3"), nullptr);
  ASSERT_EQ(state.batch_outcomes_before(2000, 10).size(), 1u);
  EXPECT_NE(state.batch_outcome(9, "recent"), nullptr);
}

}  // namespace
}  // namespace renkei
