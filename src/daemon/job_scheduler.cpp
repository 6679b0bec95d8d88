#include "job_scheduler.hpp"

#include <algorithm>

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "renkei/hub_clock.hpp"
#include "renkei/outside_value.hpp"
#include "renkei/scheduler/date_text.hpp"
#include "renkei/scheduler/job_plan.hpp"
#include "renkei/scheduler/run_spec.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {

using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// A hook's output kept for the history, before escaping (which may quadruple it).
constexpr std::size_t kHookOutputKept = 16 * 1024;

// A run that starts this long after its occurrence was missed by a downtime.
constexpr auto kCatchUpAfter = 2min;

nlohmann::ordered_json run_json(const JobRun& r) {
  auto j = nlohmann::ordered_json::parse(to_json(r));
  auto when = [](std::int64_t s) {
    return s ? nlohmann::ordered_json(format_tokyo(sys_seconds(seconds(s)))) : nlohmann::ordered_json(nullptr);
  };
  for (const char* k : {"scheduled_at", "deadline_at", "started_at", "finished_at", "acked_at"}) j[k] = when(j[k]);
  return j;
}

JobScheduler::Answer error(int status, const std::string& message) { return {status, {{"error", message}}}; }

HistoryEntry history_entry_of(const JobRun& r) {
  HistoryEntry e;
  e.kind = HistoryKind::Run;
  e.interface = r.route;
  e.business_date = r.business_date;
  e.run_id = r.id();
  e.files = r.files;
  e.records = r.records;
  e.outcome = std::string(to_string(r.state));
  e.reason = r.detail;
  e.started_ms = r.started_at * 1000;
  e.finished_ms = r.finished_at * 1000;
  e.operator_name = r.requested_by;
  e.trigger = std::string(to_string(r.trigger));
  e.hub = r.owner;
  return e;
}

bool collected_on_arrival(const RouteDef& r, const Catalogue& c) {
  return r.method == Method::Auto && r.schedule && collect_mode(r, c.hub) == CollectMode::OnArrival;
}

}  // namespace

JobScheduler::JobScheduler(const RuntimeHolder& runtime, StateStore& store, LeaderElection& election,
                           CollectGate& gate, HubMetrics& metrics, AuditLog& audit, std::string owner,
                           HistoryLog* history)
    : runtime_(runtime),
      store_(store),
      election_(election),
      gate_(gate),
      metrics_(metrics),
      audit_(audit),
      owner_(std::move(owner)),
      history_(history) {}

void JobScheduler::configure(const Catalogue& c, std::shared_ptr<const JpCalendar> calendar) {
  std::set<int> gated;
  for (const auto& r : c.routes)
    if (!r.hooks.empty()) metrics_.hook_failures(r.id);
  for (const auto& r : c.routes)
    if (collected_by_runs(r, c.hub)) gated.insert(r.id);
  gate_.set_gated(std::move(gated));
  std::lock_guard lock(mu_);
  calendar_ = std::move(calendar);
}

std::shared_ptr<const JpCalendar> JobScheduler::calendar() const {
  std::lock_guard lock(mu_);
  return calendar_;
}

void JobScheduler::run() {
  pthread_setname_np(pthread_self(), "renkei:sched");
  while (!stopping_) {
    tick();
    for (int i = 0; i < 5 && !stopping_; ++i) std::this_thread::sleep_for(100ms);
  }
  std::lock_guard lock(mu_);
  // Runs still going stay `running` on renkei.state: this hub (same owner) or the next
  // leader picks them up; carrying again is harmless, the target skips a known batch.
  for (auto& a : active_)
    if (a.gate_open) gate_.close_gate(a.run.route);
}

void JobScheduler::tick() {
  RuntimePtr rt = runtime_.get();
  if (!rt) return;
  const Catalogue& c = *rt->catalogue;
  std::unique_lock lock(mu_);
  if (!calendar_) return;
  if (auto r = store_.refresh(state_); !r) {
    static steady_clock::time_point last_warned;
    if (steady_clock::now() - last_warned > 60s) {
      spdlog::warn("scheduler: reading {}: {}; runs wait", kStateTopic, r.error().message);
      last_warned = steady_clock::now();
    }
    return;
  }
  const auto now = hub_now_seconds();
  if (!adopted_own_) {
    for (const auto& run : state_.running())
      if (run.owner == owner_) adopt(run);
    adopted_own_ = true;
  }
  // Readiness waits for this view; planning below may wait for the broker's acks.
  if (!has_published_) publish(c, now);
  const bool leader = election_.leader();
  if (leader && election_.term() != term_) {
    term_ = election_.term();
    // The previous leader's unfinished scheduled runs are this hub's now.
    for (const auto& run : state_.running())
      if (run.trigger != RunTrigger::Manual) adopt(run);
  }
  if (!leader) {
    for (auto it = active_.begin(); it != active_.end();) {
      if (it->run.trigger == RunTrigger::Manual) {
        ++it;
        continue;
      }
      if (it->gate_open) gate_.close_gate(it->run.route);
      active_keys_.erase(it->run.key());
      it = active_.erase(it);
    }
  }
  if (leader) plan_scheduled(c, now);
  advance(c, now);
  if (leader) prune_batch_outcomes(now);
  publish(c, now);
}

void JobScheduler::prune_batch_outcomes(sys_seconds now) {
  if (now < next_prune_) return;
  constexpr std::size_t kPerPass = 1000;  // a backlog goes in passes, a tick each
  const auto cutoff = (now - kBatchOutcomeKept).time_since_epoch().count();
  auto old = state_.batch_outcomes_before(cutoff, kPerPass);
  next_prune_ = old.size() < kPerPass ? now + std::chrono::hours(1) : now;
  for (const auto& [route, batch] : old) {
    // Gone here at once; should the delete not reach the broker, a restart reads the
    // outcome again and the next pass deletes it again.
    state_.erase_batch_outcome(route, batch);
    store_.erase_async(batch_outcome_key(route, batch), [route](const std::optional<BusError>& e) {
      if (e) spdlog::warn("route {}: deleting an old batch outcome from {}: {}", interface_label(route), kStateTopic,
                          e->message);
    });
  }
  if (!old.empty()) spdlog::info("scheduler: {} batch outcomes older than {} days deleted from {}", old.size(),
                                 kBatchOutcomeKept.count(), kStateTopic);
}

void JobScheduler::plan_scheduled(const Catalogue& c, sys_seconds now) {
  // First sight of a route: its schedule starts now, history is not made up (nor counted
  // as overdue, for a manual row). A first start sees most routes so: written at once.
  std::vector<int> first_seen;
  std::vector<std::pair<std::string, std::string>> cursors;
  for (const auto& r : c.routes)
    if (r.schedule && run_spec_of(*r.schedule) && !state_.cursor(r.id)) {
      first_seen.push_back(r.id);
      cursors.emplace_back(cursor_key(r.id), cursor_json(now));
    }
  if (!cursors.empty()) {
    auto written = store_.write_all(cursors);
    for (std::size_t i = 0; i < written.size(); ++i)
      if (written[i]) state_.set_cursor(first_seen[i], now);
  }
  for (const auto& r : c.routes) {
    if (!r.schedule) continue;
    auto spec = run_spec_of(*r.schedule);
    if (!spec) continue;  // the catalogue refused it already
    auto cursor = state_.cursor(r.id);
    if (!cursor) continue;  // not written above: tried again next tick
    if (std::find(first_seen.begin(), first_seen.end(), r.id) != first_seen.end()) continue;
    // A manual row's cursor stays where the hub first saw it: people run those.
    if (r.method != Method::Auto) continue;
    auto due = occurrences_to_start(r.id, *spec, r.schedule->catch_up, *calendar_, state_, *cursor, now);
    bool written = true;
    for (const auto& o : due) {
      JobRun run;
      run.route = r.id;
      run.business_date = to_string(o.business_date);
      run.trigger = now - o.at > kCatchUpAfter ? RunTrigger::CatchUp : RunTrigger::Schedule;
      run.scheduled_at = o.at.time_since_epoch().count();
      run.deadline_at = deadline_of(o, r.schedule->deadline).time_since_epoch().count();
      run.started_at = now.time_since_epoch().count();
      run.owner = owner_;
      if (!record(run)) {
        written = false;
        break;
      }
      spdlog::info("route {}: run {} started ({}, business date {})", interface_label(r.id), run.id(),
                   to_string(run.trigger), run.business_date);
      adopt(run);
    }
    // The cursor moves only past occurrences whose runs are on renkei.state.
    if (written && (!due.empty() || now - *cursor > 1h))
      if (store_.write(cursor_key(r.id), cursor_json(now))) state_.set_cursor(r.id, now);
  }
}

void JobScheduler::adopt(const JobRun& run) {
  if (!active_keys_.insert(run.key()).second) return;
  Active a;
  a.run = run;
  if (run.finishing) {
    // Its outcome was decided (and its before hook done) by the hub that carried it
    // before; only the after hook and the history are left.
    JobRun done = run;
    done.state = *run.finishing;
    done.finishing.reset();
    a.final_ = done;
    a.before_done = true;
    a.finishing_recorded = true;
  }
  active_.push_back(std::move(a));
}

bool JobScheduler::record(const JobRun& run) {
  if (auto r = store_.write(run.key(), to_json(run)); !r) {
    spdlog::warn("scheduler: recording run {}: {}", run.id(), r.error().message);
    return false;
  }
  state_.put(run);
  return true;
}

void JobScheduler::advance(const Catalogue& c, sys_seconds now) {
  std::set<int> busy;  // one run per route at a time: the gate is the route's
  for (auto it = active_.begin(); it != active_.end();) {
    Active& a = *it;
    const int id = a.run.route;
    if (busy.contains(id)) {
      ++it;
      continue;
    }
    busy.insert(id);
    const RouteDef* r = c.route(id);
    const sys_seconds deadline{seconds(a.run.deadline_at)};
    std::optional<std::pair<RunState, std::string>> outcome;
    if (a.final_) {
      // Finished, but renkei.state did not take the result yet.
    } else if (r && r->hooks.before && !a.before_done) {
      // Nothing is collected before `before` has succeeded.
      if (auto res = poll_hook(a, *r->hooks.before, "before")) {
        a.before_done = true;
        if (!res->ok()) outcome = {RunState::Failed, "hook before: " + res->reason()};
      }
    } else if (!r) {
      outcome = {RunState::Failed, "the route is no longer in the catalogue"};
    } else if (collected_on_arrival(*r, c) && !gate_.gated(id)) {
      // Data moves as it comes; the run only checks that some came for this date.
      auto since = sys_seconds(seconds(a.run.scheduled_at)) - days(1);
      if (auto spec = run_spec_of(*r->schedule)) {
        auto before = occurrences_between(*spec, *calendar_, since - days(400), sys_seconds(seconds(a.run.scheduled_at)) - 1s);
        if (!before.empty()) since = before.back().at;
      }
      auto carried = gate_.last_carried(id);
      if (carried && *carried >= since) {
        a.run.files = std::max<std::uint64_t>(a.run.files, 1);
        outcome = {RunState::Succeeded, ""};
      } else if (now >= deadline) {
        outcome = {RunState::Missing, "no data arrived since " + format_tokyo(since) + " by the deadline " +
                                          format_tokyo(deadline)};
      }
    } else if (!a.gate_open) {
      gate_.open_gate(id, a.run.business_date);
      a.gate_open = true;
    } else if (auto t = gate_.tally(id)) {
      a.run.files = t->files;
      a.run.records = t->records;
      const bool drained = t->scans >= 1 && !t->left_over;
      if (drained && t->files > 0) outcome = delivery_outcome(c, id, *t, now, deadline);
      else if (now >= deadline && t->files == 0 && t->error) outcome = {RunState::Failed, *t->error};
      else if (drained && now >= deadline)
        outcome = {RunState::Missing, "no data in the source's inbox by the deadline " + format_tokyo(deadline)};
    } else {
      gate_.open_gate(id, a.run.business_date);  // closed from elsewhere (a reload): open again
    }
    if (outcome) {
      if (a.gate_open) {
        auto t = gate_.close_gate(id);
        a.gate_open = false;
        if (!t.batch_ids.empty()) a.last_batch = t.batch_ids.back();
        if (!t.file_names.empty()) a.last_file = t.file_names.back();
        if (outcome->first != RunState::Missing || t.files > 0) {
          a.run.files = std::max(a.run.files, t.files);
          a.run.records = std::max(a.run.records, t.records);
        }
      }
      JobRun done = a.run;
      done.state = outcome->first;
      done.detail = outcome->second;
      done.finished_at = now.time_since_epoch().count();
      a.final_ = done;
    }
    if (a.final_) {
      // The after hook sees the outcome; the history then says what it did.
      const HookSpec* after = nullptr;
      if (r) after = a.final_->state == RunState::Succeeded ? (r->hooks.after_success ? &*r->hooks.after_success : nullptr)
                                                            : (r->hooks.after_failure ? &*r->hooks.after_failure : nullptr);
      if (after && !a.after_done && !a.finishing_recorded) {
        // The outcome goes to renkei.state first: a restart while the hook runs must not
        // collect again or decide anew.
        JobRun mark = a.run;
        mark.finishing = a.final_->state;
        mark.files = a.final_->files;
        mark.records = a.final_->records;
        mark.detail = a.final_->detail;
        if (!record(mark)) {
          ++it;
          continue;
        }
        a.finishing_recorded = true;
      }
      if (after && !a.after_done) {
        auto res = poll_hook(a, *after, a.final_->state == RunState::Succeeded ? "after_success" : "after_failure");
        if (!res) {
          ++it;
          continue;
        }
        a.after_done = true;
      }
      // The history first: a crash between the two finishes the run again after the
      // restart and writes a second entry, never none.
      if (history_ && !a.history_written) {
        // Produced once and waited for across ticks, never under the lock; written again
        // only after the broker refused it.
        if (!a.history_ack) {
          HistoryEntry entry = history_entry_of(*a.final_);
          entry.hooks = a.hook_notes;
          auto ack = std::make_shared<std::atomic<int>>(0);
          a.history_ack = ack;
          history_->append(entry, [ack](const std::optional<BusError>& err) { ack->store(err ? 2 : 1); });
        }
        const int st = a.history_ack->load();
        if (st == 2) {
          spdlog::warn("route {}: run {}: 転送履歴 refused; writing it again", interface_label(id), a.final_->id());
          a.history_ack.reset();
        }
        if (st != 1) {
          ++it;
          continue;
        }
        a.history_written = true;
      }
      if (!record(*a.final_)) {
        ++it;
        continue;
      }
      const JobRun& f = *a.final_;
      metrics_.job_runs(id, std::string(to_string(f.state))).inc();
      if (notify_ && (f.state == RunState::Failed || f.state == RunState::Missing))
        notify_(f.state == RunState::Failed ? NotifyEvent::RunFailed : NotifyEvent::RunMissing, run_vars(c, f));
      if (f.state == RunState::Succeeded)
        spdlog::info("route {}: run {} succeeded ({} files, {} records)", interface_label(id), f.id(), f.files, f.records);
      else
        spdlog::warn("route {}: run {} {}: {}", interface_label(id), f.id(), to_string(f.state), f.detail);
      active_keys_.erase(f.key());
      it = active_.erase(it);
      continue;
    }
    ++it;
  }
}

NotifyVars JobScheduler::run_vars(const Catalogue& c, const JobRun& run) const {
  const RouteDef* r = c.route(run.route);
  NotifyVars v{{"interface", interface_label(run.route)}, {"interface_name", r ? r->name : std::string()},
               {"business_date", run.business_date}, {"hub", owner_}};
  if (run.started_at) {
    v.emplace_back("run_id", run.id());
    v.emplace_back("outcome", std::string(to_string(run.state)));
    if (!run.detail.empty()) v.emplace_back("reason", run.detail);
    v.emplace_back("count", std::to_string(run.records));
  }
  return v;
}

std::optional<HookResult> JobScheduler::poll_hook(Active& a, const HookSpec& spec, std::string_view stage) {
  if (a.hook && a.hook_stage != stage) {
    // Another stage's hook (the configuration changed meanwhile): let it end, drop its result.
    if (a.hook->wait_for(std::chrono::seconds(0)) != std::future_status::ready) return std::nullopt;
    a.hook.reset();
  }
  const JobRun& run = a.final_ ? *a.final_ : a.run;
  if (!a.hook) {
    a.hook_stage = std::string(stage);
    HookEnv env{{"RENKEI_INTERFACE", interface_label(run.route)},
                {"RENKEI_BUSINESS_DATE", run.business_date},
                {"RENKEI_RUN_ID", run.id()},
                {"RENKEI_HOOK", std::string(stage)},
                {"RENKEI_BATCH_ID", a.last_batch},
                {"RENKEI_FILE", a.last_file},
                {"RENKEI_FILES", std::to_string(run.files)},
                {"RENKEI_RECORDS", std::to_string(run.records)}};
    if (a.final_) env.emplace_back("RENKEI_OUTCOME", std::string(to_string(a.final_->state)));
    spdlog::info("route {}: run {}: hook {} started", interface_label(run.route), run.id(), stage);
    a.hook = hooks_.submit(HookCommand{spec.argv, std::chrono::seconds(spec.timeout_s)}, std::move(env),
                           kHookOutputKept);
  }
  if (a.hook->wait_for(std::chrono::seconds(0)) != std::future_status::ready) return std::nullopt;
  HookResult res = a.hook->get();
  a.hook.reset();
  // The output goes to the history only (escaped), never to the log: a hook may print
  // anything.
  a.hook_notes.push_back(HookNote{std::string(stage), std::string(to_string(res.outcome)), res.reason(),
                                  escape_for_log(res.output), res.truncated, res.took.count()});
  if (res.ok())
    spdlog::info("route {}: run {}: hook {} succeeded in {} ms", interface_label(run.route), run.id(), stage,
                 res.took.count());
  else
    spdlog::warn("route {}: run {}: hook {} {}", interface_label(run.route), run.id(), stage, res.reason());
  if (!res.ok()) {
    metrics_.hook_failures(run.route).inc();
    if (notify_) {
      RuntimePtr rt = runtime_.get();
      // The hook's reason first: of a repeated name the first wins, not the run's own.
      NotifyVars vars{{"hook", std::string(stage)}, {"reason", res.reason()}};
      for (auto& v : run_vars(*rt->catalogue, run)) vars.push_back(std::move(v));
      notify_(NotifyEvent::HookFailed, std::move(vars));
    }
  }
  return res;
}

std::optional<std::pair<RunState, std::string>> JobScheduler::delivery_outcome(const Catalogue& c, int route,
                                                                               const CollectGate::Tally& t,
                                                                               sys_seconds now, sys_seconds deadline) {
  // The run succeeds when every file it carried is delivered, on whichever hub's router
  // assembled it (renkei.state); a held one makes it fail, naming the reasons, not the data.
  std::size_t delivered = 0;
  std::size_t held = 0;
  std::set<std::string> reasons;
  for (const auto& batch : t.batch_ids) {
    const BatchOutcome* o = state_.batch_outcome(route, batch);
    if (!o) continue;
    if (o->delivered) ++delivered;
    else {
      ++held;
      reasons.insert(o->reason.empty() ? std::string("held") : o->reason);
    }
  }
  const std::size_t pending = t.batch_ids.size() - delivered - held;
  auto held_text = [&] {
    std::string why;
    for (const auto& r : reasons) why += (why.empty() ? "" : ", ") + r;
    return std::to_string(held) + " of " + std::to_string(t.batch_ids.size()) + " files held (" + why +
           "); their records are on the route's DLQ";
  };
  if (pending == 0) {
    if (held == 0) return std::pair{RunState::Succeeded, std::string()};
    return std::pair{RunState::Failed, held_text()};
  }
  // A batch the router cannot finish is dead-lettered after bus.batch_timeout; a target
  // that keeps refusing is waited for that long past the deadline too.
  const auto grace = std::chrono::duration_cast<seconds>(c.hub.bus.batch_timeout) + 60s;
  if (now < deadline + grace) return std::nullopt;
  std::string why = std::to_string(pending) + " of " + std::to_string(t.batch_ids.size()) +
                    " files carried but not delivered by " + format_tokyo(deadline + grace);
  if (held > 0) why += "; " + held_text();
  return std::pair{RunState::Failed, why};
}

void JobScheduler::publish(const Catalogue& c, sys_seconds now) {
  std::map<int, RouteRuns> out;
  for (const auto& r : c.routes) {
    RouteRuns rr;
    if (const JobRun* l = state_.latest(r.id))
      rr.last_run = sys_seconds(seconds(l->finished_at ? l->finished_at : l->started_at));
    if (auto s = state_.last_success(r.id)) metrics_.job_last_success(r.id).set(static_cast<double>(*s));
    if (r.schedule) {
      if (auto spec = run_spec_of(*r.schedule)) {
        if (auto next = next_run(*spec, *calendar_, now)) {
          rr.next_run = next->at;
          metrics_.job_next_run(r.id).set(static_cast<double>(next->at.time_since_epoch().count()));
        }
        if (r.method == Method::Manual) {
          auto due = manual_due(r.id, *spec, r.schedule->deadline, *calendar_, state_, state_.cursor(r.id), now);
          if (due) {
            rr.due = due->due_at;
            rr.overdue = due->overdue;
            // One hub tells (the leader, which starts the scheduled runs too), once per hand-off.
            // What was told is on renkei.state (after the telling: at least once), so a restart
            // or a new leader does not tell the same hand-off again.
            const std::int64_t due_at = due->due_at.time_since_epoch().count();
            const std::pair<int, std::int64_t> key{r.id, due_at};
            if (due->overdue && notify_ && election_.leader() && !state_.overdue_told(r.id, due_at) &&
                !overdue_told_.contains(key)) {
              JobRun pending;
              pending.route = r.id;
              pending.business_date = to_string(due->occurrence.business_date);
              auto vars = run_vars(c, pending);
              vars.emplace_back("at", format_tokyo(due->due_at));
              if (notify_(NotifyEvent::ManualOverdue, std::move(vars))) {  // false: nobody to tell yet
                overdue_told_.insert(key);
                state_.set_overdue_told(r.id, due_at);
                store_.write_async(overdue_told_key(r.id), overdue_told_json(due_at),
                                   [id = r.id](const std::optional<BusError>& e) {
                                     if (e)
                                       spdlog::warn("route {}: manual-overdue told but not recorded on renkei.state "
                                                    "({}); a restart tells it again",
                                                    interface_label(id), e->message);
                                   });
              }
            }
          }
          metrics_.manual_overdue(r.id).set(due && due->overdue ? 1 : 0);
        }
      }
    }
    out[r.id] = rr;
  }
  std::lock_guard lock(published_mu_);
  published_ = std::move(out);
  has_published_ = true;
}

RouteRuns JobScheduler::route_runs(int route) const {
  std::lock_guard lock(published_mu_);
  auto it = published_.find(route);
  return it == published_.end() ? RouteRuns{} : it->second;
}

bool JobScheduler::runnable(const RouteDef& r, std::string& why) const {
  if (r.method == Method::Auto && r.timing == Timing::Realtime) {
    why = "route " + interface_label(r.id) + " is automatic and realtime: it runs continuously, not in runs";
    return false;
  }
  RuntimePtr rt = runtime_.get();
  const std::string& carrier = Catalogue::source_carrier(r);  // the via hop, if it collects
  if (!rt->sources.contains(carrier)) {
    const SystemDef* s = rt->catalogue->system(carrier);
    why = "the source system " + carrier + " (adapter kind " + (s ? s->adapter.kind : "?") +
          ") has nothing a run can collect";
    return false;
  }
  return true;
}

std::optional<std::string> JobScheduler::default_date(const RouteDef& r, sys_seconds now) const {
  if (r.schedule)
    if (auto spec = run_spec_of(*r.schedule))
      if (auto due = manual_due(r.id, *spec, r.schedule->deadline, *calendar_, state_, state_.cursor(r.id), now))
        return to_string(due->occurrence.business_date);
  return to_string(AsiaTokyo::date_of(now));
}

JobScheduler::Answer JobScheduler::request_run(int id, const std::optional<std::string>& date,
                                               const AuditActor& who) {
  RuntimePtr rt = runtime_.get();
  const RouteDef* r = rt->catalogue->route(id);
  if (!r) return error(404, "no route " + std::to_string(id));
  std::string why;
  if (!runnable(*r, why)) return error(409, why);
  if (who.name.empty()) return error(400, "no operator: the request's identity has no name");
  if (date && !parse_date(*date)) return error(400, "date '" + *date + "' is not YYYY-MM-DD");
  std::lock_guard lock(mu_);
  if (!calendar_ || !store_.loaded()) return error(503, "the scheduler has not read renkei.state yet");
  const auto now = hub_now_seconds();
  const std::string business_date = date ? *date : *default_date(*r, now);
  if (const JobRun* existing = state_.find(id, business_date)) {
    if (existing->state == RunState::Running)
      return {409, {{"error", "run " + existing->id() + " is already running"}, {"run", run_json(*existing)}}};
    if (existing->state == RunState::Succeeded)
      return {200, {{"already", true}, {"run", run_json(*existing)}}};
  }
  JobRun run;
  run.route = id;
  run.business_date = business_date;
  run.trigger = RunTrigger::Manual;
  run.scheduled_at = run.started_at = run.deadline_at = now.time_since_epoch().count();
  run.requested_by = who.name;
  run.owner = owner_;
  // The audit line comes first: an action nobody can trace afterwards is not taken.
  if (auto a = audit_.write(actor_entry("run", who, {{"interface", interface_label(id)}, {"run", run.id()},
                                                      {"business_date", business_date}}));
      !a)
    return error(503, "audit log: " + a.error());
  if (!record(run)) return error(503, "renkei.state did not take the run; try again");
  spdlog::info("route {}: run {} started by operator request", interface_label(id), run.id());
  adopt(run);
  return {202, {{"run", run_json(run)}}};
}

JobScheduler::Answer JobScheduler::acknowledge(int id, const std::string& run_or_date, const AuditActor& who) {
  RuntimePtr rt = runtime_.get();
  const RouteDef* r = rt->catalogue->route(id);
  if (!r) return error(404, "no route " + std::to_string(id));
  if (who.name.empty()) return error(400, "no operator: the request's identity has no name");
  auto date = run_date_of(run_or_date, id);
  if (!date) return error(400, "'" + run_or_date + "' is neither a run id of route " + interface_label(id) +
                                   " (" + interface_label(id) + "-YYYYMMDD) nor a date (YYYY-MM-DD)");
  std::lock_guard lock(mu_);
  const JobRun* run = state_.find(id, *date);
  if (!run) return error(404, "route " + interface_label(id) + " has no run for " + *date);
  if (run->state != RunState::Succeeded)
    return {409, {{"error", "run " + run->id() + " is " + std::string(to_string(run->state)) +
                                "; only a succeeded run can be acknowledged"},
                  {"run", run_json(*run)}}};
  if (run->acked_at) return {200, {{"already", true}, {"run", run_json(*run)}}};
  if (auto a = audit_.write(actor_entry("ack", who, {{"interface", interface_label(id)}, {"run", run->id()},
                                                      {"business_date", *date}}));
      !a)
    return error(503, "audit log: " + a.error());
  JobRun acked = *run;
  acked.acked_by = who.name;
  acked.acked_at = hub_now_seconds().time_since_epoch().count();
  if (!record(acked)) return error(503, "renkei.state did not take the acknowledgement; try again");
  spdlog::info("route {}: run {} acknowledged", interface_label(id), acked.id());
  publish(*rt->catalogue, hub_now_seconds());
  return {200, {{"run", run_json(acked)}}};
}

JobScheduler::Answer JobScheduler::runs(int id, std::size_t limit) {
  RuntimePtr rt = runtime_.get();
  const RouteDef* r = rt->catalogue->route(id);
  if (!r) return error(404, "no route " + std::to_string(id));
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  {
    std::lock_guard lock(mu_);
    for (const auto& run : state_.runs_of(id, limit)) list.push_back(run_json(run));
  }
  auto rr = route_runs(id);
  auto when = [](const std::optional<StatusTime>& t) {
    return t ? nlohmann::ordered_json(format_tokyo(floor<seconds>(*t))) : nlohmann::ordered_json(nullptr);
  };
  return {200,
          {{"interface", interface_label(id)},
           {"next_run", when(rr.next_run)},
           {"due", when(rr.due)},
           {"overdue", rr.overdue ? nlohmann::ordered_json(*rr.overdue) : nlohmann::ordered_json(nullptr)},
           {"runs", list}}};
}

}  // namespace renkei
