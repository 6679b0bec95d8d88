#pragma once
// One run of a route for one business date, and the scheduler's state as the compacted
// topic `renkei.state` holds it. A run is identified by route and business date, so a
// second run of the same date is recognised as such and never delivers twice. Nothing
// here ever holds record contents: counts, times, names of operators, reasons.
//
// Keys on renkei.state (after the hub cluster's prefix, see daemon/state_store.hpp):
//   run/<NNN>/<YYYY-MM-DD>   the run's latest JobRun (JSON)
//   cursor/<NNN>             {"to": epoch seconds}: the scheduler has started every
//                            occurrence of the route up to this instant
//   batch/<NNN>/<batch id>   {"outcome": "delivered"|"held", "reason", "at"}: what the
//                            router did with a batch of a scheduled route, so that the run
//                            that carried it (on whichever hub) succeeds only once it is
//                            delivered and fails when it was held; a null value (the
//                            leader's tombstone, kBatchOutcomeKept after `at`) deletes it
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace renkei {

enum class RunState { Running, Succeeded, Failed, Missing };
enum class RunTrigger { Schedule, CatchUp, Manual };

std::string_view to_string(RunState s);
std::string_view to_string(RunTrigger t);
std::optional<RunState> parse_run_state(std::string_view s);
std::optional<RunTrigger> parse_run_trigger(std::string_view s);
inline bool is_final(RunState s) { return s != RunState::Running; }

struct JobRun {
  int route = 0;
  std::string business_date;       // YYYY-MM-DD (Asia/Tokyo)
  RunState state = RunState::Running;
  RunTrigger trigger = RunTrigger::Schedule;
  std::int64_t scheduled_at = 0;   // epoch seconds: the occurrence, or when it was asked for
  std::int64_t deadline_at = 0;    // the data must have come by then, else `missing`
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;    // 0 while running
  std::uint64_t files = 0;         // units carried onto the bus
  std::uint64_t records = 0;
  std::string detail;              // why it failed / is missing; never record contents
  std::string requested_by;        // operator of a manual run
  std::string owner;               // the renkeid instance carrying it
  std::string acked_by;            // operator who acknowledged the hand-off
  std::int64_t acked_at = 0;
  // The outcome, recorded while the run's after hook runs: a hub that adopts the run
  // (a restart, a new leader) finishes it with this outcome and runs the hook again,
  // never collecting or deciding anew.
  std::optional<RunState> finishing{};

  // "009-20261125": what operators type after `renkeictl ack 9`.
  std::string id() const;
  std::string key() const;         // run/009/2026-11-25
};

// "009-20261125" or "2026-11-25" → the business date; nullopt when neither.
std::optional<std::string> run_date_of(std::string_view run_or_date, int route);

std::string to_json(const JobRun& run);
std::optional<JobRun> job_run_from_json(std::string_view text);
std::string cursor_key(int route);
std::string cursor_json(std::chrono::sys_seconds to);

// The due time (epoch seconds) of a manual row's hand-off whose manual-overdue was told:
// one key per route, so a restart or a new leader does not tell it again.
std::string overdue_told_key(int route);
std::string overdue_told_json(std::int64_t due);

// What became of one batch at its target; written by the hub whose router assembled it.
struct BatchOutcome {
  bool delivered = false;
  std::string reason;        // the DLQ reason when held (batch-held's cause, batch-incomplete …)
  std::int64_t at = 0;       // epoch seconds
};

// An outcome is read only while the run that carried the batch is open (its deadline plus
// bus.batch_timeout and a minute): a month and a margin, then the leader deletes it.
inline constexpr std::chrono::days kBatchOutcomeKept{35};

std::string batch_outcome_key(int route, std::string_view batch_id);
std::string to_json(const BatchOutcome& outcome);
std::optional<BatchOutcome> batch_outcome_from_json(std::string_view text);

// The scheduler's view of renkei.state, built by applying its messages in order.
class JobState {
 public:
  // Applies one message of the topic; unknown keys and unreadable values are ignored
  // (a newer renkeid may write more) and counted.
  void apply(std::string_view key, std::string_view value);
  void put(const JobRun& run) { runs_[{run.route, run.business_date}] = run; }

  const JobRun* find(int route, const std::string& business_date) const;
  // The route's runs, newest business date first, at most `limit`.
  std::vector<JobRun> runs_of(int route, std::size_t limit) const;
  const JobRun* latest(int route) const;
  std::optional<std::int64_t> last_success(int route) const;
  std::optional<std::chrono::sys_seconds> cursor(int route) const;
  void set_cursor(int route, std::chrono::sys_seconds to) { cursors_[route] = to.time_since_epoch().count(); }
  std::vector<JobRun> running() const;
  const BatchOutcome* batch_outcome(int route, std::string_view batch_id) const;
  void put_batch_outcome(int route, std::string batch_id, BatchOutcome o) {
    batches_[{route, std::move(batch_id)}] = std::move(o);
  }
  void erase_batch_outcome(int route, std::string_view batch_id);
  // The (route, batch id) of outcomes settled before `cutoff` (epoch seconds), at most `limit`.
  std::vector<std::pair<int, std::string>> batch_outcomes_before(std::int64_t cutoff, std::size_t limit) const;
  std::size_t batch_outcomes() const { return batches_.size(); }
  // Whether manual-overdue was told for the route's hand-off due at `due`.
  bool overdue_told(int route, std::int64_t due) const;
  void set_overdue_told(int route, std::int64_t due) { overdue_told_[route] = due; }
  std::size_t ignored() const { return ignored_; }

 private:
  std::map<std::pair<int, std::string>, JobRun> runs_;
  std::map<std::pair<int, std::string>, BatchOutcome, std::less<>> batches_;
  std::map<int, std::int64_t> cursors_;
  std::map<int, std::int64_t> overdue_told_;
  std::size_t ignored_ = 0;
};

}  // namespace renkei
