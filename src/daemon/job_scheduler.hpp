#pragma once
// Runs the scheduled routes and the manual (手動) ones, on one thread of its own:
//   - the leader (LeaderElection) starts each occurrence of every automatic scheduled
//     route once, recording the run as `running` on renkei.state before it starts and
//     moving the route's cursor after, so a crash or a new leader never skips or doubles
//     an occurrence; after downtime the missed ones run (catch_up: all | latest);
//   - any hub runs what an operator asks for through the API (`renkeictl run`), and
//     records acknowledgements (`renkeictl ack`), each written to the audit log;
//   - a run opens its route's CollectGate, the source runner carries the files waiting
//     in the inbox, and the run ends `succeeded` when nothing is left, `missing` when
//     no data came by its deadline, `failed` when what came could not be carried;
//   - every hub reads the whole state, so each serves the same run list, next-run
//     times and overdue flags (renkei_manual_overdue) from its own API and /metrics.
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "audit_log.hpp"
#include "collect_gate.hpp"
#include "hub_metrics.hpp"
#include "leader_election.hpp"
#include "hook_pool.hpp"
#include "notify_template.hpp"
#include "renkei/notify/notify_config.hpp"
#include "renkei/history/history_log.hpp"
#include "renkei/scheduler/job_run.hpp"
#include "renkei/scheduler/jp_calendar.hpp"
#include "runtime.hpp"
#include "state_store.hpp"
#include "status_page.hpp"

namespace renkei {

class JobScheduler {
 public:
  JobScheduler(const RuntimeHolder& runtime, StateStore& store, LeaderElection& election, CollectGate& gate,
               HubMetrics& metrics, AuditLog& audit, std::string owner, HistoryLog* history = nullptr);

  // Where run-failed, run-missing, hook-failed and manual-overdue go (the hub's notifier);
  // called on the scheduler's thread, so it must not block. Set before run().
  // True when a notifier took it (false: none is configured now).
  using NotifyFn = std::function<bool(NotifyEvent, NotifyVars)>;
  void set_notify(NotifyFn fn) { notify_ = std::move(fn); }
  // A new catalogue or calendar (start and reload).
  void configure(const Catalogue& catalogue, std::shared_ptr<const JpCalendar> calendar);
  void run();
  void stop() { stopping_ = true; }

  // What the API answers: an HTTP status and a JSON body.
  struct Answer {
    int status = 200;
    nlohmann::ordered_json body;
  };
  Answer request_run(int route, const std::optional<std::string>& date, const AuditActor& who);
  Answer acknowledge(int route, const std::string& run_or_date, const AuditActor& who);
  Answer runs(int route, std::size_t limit);
  RouteRuns route_runs(int route) const;
  // The business-day calendar in force (start and reload).
  std::shared_ptr<const JpCalendar> calendar() const;
  // True once renkei.state has been read and every route's runs published: before that the
  // API would answer "no next run" for every scheduled route.
  bool has_published() const { return has_published_.load(); }

 private:
  struct Active {
    JobRun run;
    bool gate_open = false;
    std::optional<JobRun> final_;  // the outcome, until renkei.state has taken it
    bool history_written = false;  // its 転送履歴 entry is on renkei.history
    // Job hooks: the one in progress (on hooks_), and what each did (for the history).
    std::optional<std::future<HookResult>> hook;
    std::string hook_stage;          // the stage `hook` runs for
    bool finishing_recorded = false; // renkei.state has the outcome (JobRun::finishing)
    // The run's 転送履歴 entry on its way: 0 waiting for the broker, 1 written, 2 refused.
    std::shared_ptr<std::atomic<int>> history_ack;
    bool before_done = false;
    bool after_done = false;
    std::vector<HookNote> hook_notes;
    std::string last_batch, last_file;  // of the units carried, for RENKEI_BATCH_ID/RENKEI_FILE
  };
  // Starts `spec` for the run (once) and answers its result once it has one; nullopt while
  // it runs. Never waits for it.
  std::optional<HookResult> poll_hook(Active& a, const HookSpec& spec, std::string_view stage);

  void tick();
  void plan_scheduled(const Catalogue& c, std::chrono::sys_seconds now);
  void adopt(const JobRun& run);
  void advance(const Catalogue& c, std::chrono::sys_seconds now);
  // A drained run's result from what became of the batches it carried; nullopt while
  // some are still on their way.
  std::optional<std::pair<RunState, std::string>> delivery_outcome(const Catalogue& c, int route,
                                                                    const CollectGate::Tally& t,
                                                                    std::chrono::sys_seconds now,
                                                                    std::chrono::sys_seconds deadline);
  // Writes the run to renkei.state and, once the broker has it, to the local view.
  bool record(const JobRun& run);
  void publish(const Catalogue& c, std::chrono::sys_seconds now);
  // The leader deletes batch outcomes older than kBatchOutcomeKept from renkei.state.
  void prune_batch_outcomes(std::chrono::sys_seconds now);
  bool runnable(const RouteDef& r, std::string& why) const;
  std::optional<std::string> default_date(const RouteDef& r, std::chrono::sys_seconds now) const;

  const RuntimeHolder& runtime_;
  StateStore& store_;
  LeaderElection& election_;
  CollectGate& gate_;
  HubMetrics& metrics_;
  AuditLog& audit_;
  const std::string owner_;
  HistoryLog* history_;
  std::atomic<bool> stopping_{false};
  HookPool hooks_{2};  // job hooks never run on the scheduler's thread
  NotifyFn notify_;
  std::set<std::pair<int, std::int64_t>> overdue_told_;  // (route, due): each hand-off told once
  // The variables every notification of a run carries.
  NotifyVars run_vars(const Catalogue& c, const JobRun& run) const;

  mutable std::mutex mu_;  // everything below
  JobState state_;
  std::shared_ptr<const JpCalendar> calendar_;
  std::deque<Active> active_;           // runs this hub carries, oldest first; one per route at a time
  std::set<std::string> active_keys_;
  uint64_t term_ = 0;                   // the leadership term the scheduled runs belong to
  bool adopted_own_ = false;
  std::chrono::sys_seconds next_prune_{};
  mutable std::mutex published_mu_;  // the status snapshot: never waits for the broker
  std::map<int, RouteRuns> published_;
  std::atomic<bool> has_published_{false};
};

}  // namespace renkei
