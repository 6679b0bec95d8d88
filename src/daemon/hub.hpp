#pragma once
// renkeid's parts wired together: bus, producer, source runner, router, admin HTTP,
// metrics, and the catalogue with its reload.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <expected>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "audit_log.hpp"
#include "authenticator.hpp"
#include "bearer_auth.hpp"
#include "collect_gate.hpp"
#include "console.hpp"
#include "dlq_service.hpp"
#include "notifier.hpp"
#include "notify_watch.hpp"
#include "renkei/history/history_log.hpp"
#include "renkei/history/history_reader.hpp"
#include "event_runner.hpp"
#include "job_scheduler.hpp"
#include "leader_election.hpp"
#include "state_store.hpp"
#include "http_server.hpp"
#include "hub_metrics.hpp"
#include "ingest_service.hpp"
#include "renkei/bus.hpp"
#include "renkei/metrics.hpp"
#include "router.hpp"
#include "runtime.hpp"
#include "source_runner.hpp"
#include "users_file.hpp"

namespace renkei {

class Hub {
 public:
  // Starts everything; an error names what could not start.
  static std::expected<std::unique_ptr<Hub>, std::string> start(boost::asio::io_context& io, CataloguePtr catalogue,
                                                                std::string config_path);
  ~Hub();

  // Validates the configuration again and swaps it in; keeps the old one if invalid.
  // True when the new configuration is active.
  bool reload();
  // The configuration is loaded and a broker answered lately.
  bool ready() const { return not_ready_reason().empty(); }
  // Empty when ready; else what /readyz answers.
  std::string not_ready_reason() const;
  // The business-day calendar of config/calendar; the file:line problems are logged.
  static std::expected<std::shared_ptr<const JpCalendar>, std::string> load_calendar(const Catalogue& c);
  // Drains in-flight work, commits, stops the threads.
  void stop();

 private:
  Hub(boost::asio::io_context& io, std::string config_path);
  std::expected<RuntimePtr, std::string> build_runtime(CataloguePtr catalogue);
  std::expected<void, std::string> ensure_topics(const Catalogue& c);
  void add_api_routes();
  void add_run_routes();
  void add_history_routes();
  // Sends through the notifier, if any (false: none configured); never blocks.
  bool notify(NotifyEvent event, NotifyVars vars);
  // Starts a notifier for `config` (none when it has no channel) and stops the old one:
  // at start, and at a reload that changed notify:.
  void replace_notifier(const NotifyConfig& config);
  std::shared_ptr<Notifier> notifier() const;
  // The health thread's look at dead letters and target adapters (NotifyWatch).
  void watch_for_notifications();
  // Runs `h` (which talks to Kafka) on the bus workers, never on the event loop; the
  // client gets 503 when it has not answered within kBusDeadline, or at once when
  // too many such requests wait already.
  AsyncHandler on_bus_workers(Handler h);
  // The audit line of a refused request (AdminHttpOptions::on_refused), written off
  // the event loop.
  void audit_refused(const HttpRequest& req, const HttpResponse& resp);
  // Reads users.yaml again when it changed; a valid new file replaces the people (and
  // the change is audited), an invalid one is logged and the old people stay.
  // True unless the file is invalid. At start the people are only logged, not audited.
  bool check_users(bool audit_change = true);
  // The audit entry's "operator" and how they proved it, from the identity (and the
  // action first, when given); for the
  // shared hub token also the name renkeictl claims (never trusted for anything).
  nlohmann::ordered_json audit_entry(const char* action, const HttpRequest& req, const Identity& who) const;

  boost::asio::io_context& io_;
  std::string config_path_;
  MetricsRegistry registry_;
  HubMetrics metrics_{registry_};
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Producer> producer_;
  RuntimeHolder runtime_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SourceRunner> sources_;
  std::unique_ptr<EventRunner> events_;  // systems that publish record by record (kafka)
  std::unique_ptr<AdminHttpServer> http_;
  BearerAuth auth_;
  Authenticator authn_{auth_};
  UsersFile users_file_;
  std::unique_ptr<DlqService> dlq_;
  mutable std::mutex notifier_mu_;                // notifier_ and notifier_config_ (reload swaps them)
  std::shared_ptr<Notifier> notifier_;            // notify: webhooks and mail (none configured: null)
  NotifyConfig notifier_config_;
  std::set<std::string> targets_seen_;            // sinks whose renkei_target_up was set at first open
  NotifyWatch notify_watch_;                      // dlq-growth and target-down, from the health thread
  std::unique_ptr<HistoryLog> history_;           // 転送履歴 entries onto renkei.history
  std::unique_ptr<HistoryReader> history_reader_; // GET /api/v1/history, the console's page
  std::unique_ptr<IngestService> ingest_;  // POST /ingest/{system} for http adapters
  CollectGate gate_;
  AuditLog audit_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<LeaderElection> election_;
  std::unique_ptr<JobScheduler> scheduler_;
  std::unique_ptr<Console> console_;  // /console/: people's sessions (uses the scheduler and audit)
  std::mutex users_mu_;               // one check_users at a time (health thread, SIGHUP)
  std::thread scheduler_thread_;
  std::thread router_thread_;
  std::thread source_thread_;
  std::thread event_thread_;
  std::thread health_thread_;
  std::atomic<bool> bus_reachable_{false};
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  // Last, so they are joined before anything their tasks use goes away.
  std::unique_ptr<boost::asio::thread_pool> bus_workers_;  // admin handlers that touch Kafka
  std::unique_ptr<boost::asio::thread_pool> audit_worker_; // refusal audit lines (fsync)
  std::atomic<int> bus_waiting_{0};
  std::atomic<int> audit_waiting_{0};
};

}  // namespace renkei
