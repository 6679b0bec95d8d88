#include "hub.hpp"

#include "renkei/history/history_query.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "renkei/adapter.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/guarded_thread.hpp"
#include "renkei/hub_clock.hpp"
#include "renkei/scheduler/calendar_config.hpp"
#include "renkei/outside_value.hpp"
#include "request_guard.hpp"
#include "status_page.hpp"

#ifndef RENKEI_VERSION
#define RENKEI_VERSION "dev"
#endif

namespace renkei {

using namespace std::chrono_literals;

Hub::Hub(boost::asio::io_context& io, std::string config_path) : io_(io), config_path_(std::move(config_path)) {}

std::expected<std::unique_ptr<Hub>, std::string> Hub::start(boost::asio::io_context& io, CataloguePtr catalogue,
                                                            std::string config_path) {
  std::unique_ptr<Hub> hub(new Hub(io, std::move(config_path)));
  const auto& cfg = catalogue->hub;
  hub->registry_.gauge("renkei_build_info", "Version of this renkeid", {{"version", RENKEI_VERSION}}).set(1);
  {
    auto& restarts = hub->registry_.counter("renkei_thread_restarts_total",
                                            "Loops of renkeid's threads started again after an exception");
    hub->registry_.add_collector([&restarts] {
      const auto seen = static_cast<double>(guarded_thread_restarts().load());
      if (seen > restarts.value()) restarts.inc(seen - restarts.value());
    });
  }

  auto bus = make_kafka_bus(cfg.bus);
  if (!bus) return std::unexpected("bus: " + bus.error().message);
  hub->bus_ = std::move(*bus);
  if (hub->bus_->embedded())
    spdlog::warn("EMBEDDED MODE: bus.brokers is empty, using an in-process Kafka mock cluster at {}. "
                 "NOTHING IS DURABLE: records on the bus are lost when renkeid stops. For trials only.",
                 hub->bus_->bootstrap_servers());
  else
    spdlog::info("bus: Kafka at {}", hub->bus_->bootstrap_servers());
  if (!hub->bus_->reachable(10s)) spdlog::warn("bus: no broker answered yet; carrying on, work waits for it");
  if (auto r = hub->ensure_topics(*catalogue); !r) return std::unexpected(r.error());

  auto rt = hub->build_runtime(catalogue);
  if (!rt) return std::unexpected(rt.error());
  hub->runtime_.set(*rt);
  hub->producer_ = hub->bus_->make_producer();
  std::vector<std::string> topics;
  for (const auto& r : catalogue->routes) {
    topics.push_back(r.topic);
    topics.push_back(r.dlq_topic());
  }
  topics.push_back(kStateTopic);  // the scheduler's first tick writes there
  topics.push_back(kHistoryTopic);
  hub->producer_->prepare(topics);
  {
    auto& failed = hub->registry_.counter("renkei_history_write_failures_total",
                                          "History entries renkei.history refused (a run's is retried, a batch's after a restart)");
    hub->history_ = std::make_unique<HistoryLog>(*hub->producer_, cfg.bus.group_id, [&failed] { failed.inc(); });
  }
  hub->history_reader_ = std::make_unique<HistoryReader>(*hub->bus_, cfg.bus.group_id + ".history-reader", cfg.bus.group_id);

  if (auto a = hub->auth_.load(cfg.auth_token_file); !a) return std::unexpected("auth: " + a.error());
  if (auto a = hub->audit_.open(cfg.audit_file); !a) return std::unexpected("audit log: " + a.error());
  hub->users_file_.set_path(cfg.users_file);
  if (!hub->check_users(false)) return std::unexpected("auth: " + cfg.users_file + " is invalid (see above)");
  auto calendar = load_calendar(*catalogue);
  if (!calendar) return std::unexpected(calendar.error());
  if (auto clock = hub_clock_description(); !clock.empty()) spdlog::warn("{}: for tests only", clock);
  hub->state_ = std::make_unique<StateStore>(*hub->bus_, *hub->producer_, cfg.bus.group_id + ".state-reader",
                                             cfg.bus.group_id);
  hub->election_ = std::make_unique<LeaderElection>(*hub->bus_, cfg.bus.group_id + ".scheduler", 6s);
  hub->scheduler_ = std::make_unique<JobScheduler>(hub->runtime_, *hub->state_, *hub->election_, hub->gate_,
                                                   hub->metrics_, hub->audit_, hub->bus_->member_name(),
                                                   hub->history_.get());
  hub->scheduler_->configure(*catalogue, *calendar);
  hub->replace_notifier(cfg.notify.channels);
  Hub* notifying = hub.get();
  hub->scheduler_->set_notify([notifying](NotifyEvent e, NotifyVars v) { return notifying->notify(e, std::move(v)); });
  hub->dlq_ = std::make_unique<DlqService>(*hub->bus_, *hub->producer_, hub->runtime_, cfg.bus.group_id + ".dlq-replay");
  hub->bus_workers_ = std::make_unique<boost::asio::thread_pool>(2);
  hub->audit_worker_ = std::make_unique<boost::asio::thread_pool>(1);
  AdminHttpOptions http_options;
  http_options.max_connections = static_cast<std::size_t>(cfg.http.max_connections);
  {
    auto& refused = hub->registry_.counter("renkei_http_connections_refused_total",
                                           "Admin HTTP connections closed at once for http.max_connections");
    http_options.on_connection_refused = [&refused] { refused.inc(); };
  }
  Hub* self_for_audit = hub.get();
  http_options.on_refused = [self_for_audit](const HttpRequest& req, const HttpResponse& resp) {
    self_for_audit->audit_refused(req, resp);
  };
  if (!cfg.http.tls_cert_file.empty()) {
    auto tls = make_tls_context(cfg.http.tls_cert_file, cfg.http.tls_key_file);
    if (!tls) return std::unexpected("http.tls: " + tls.error());
    http_options.tls = *tls;
  }
  hub->http_ = std::make_unique<AdminHttpServer>(io, http_options);
  // Every API call, reads too, needs the token: the API names routes, runs and dead
  // letters. /metrics, /healthz, /readyz and the status page stay open.
  hub->http_->protect_prefix("/api/v1/", [self_for_audit](const HttpRequest& req) {
    auto who = self_for_audit->authn_.identify(req);
    return who ? std::string() : who.error();
  });
  hub->add_api_routes();
  Hub* self = hub.get();
  add_standard_routes(
      *hub->http_, hub->registry_, [self] { return self->ready(); }, [self] { return self->not_ready_reason(); });
  auto bound = hub->http_->listen(cfg.http.listen);
  if (!bound) return std::unexpected("http: " + bound.error());
  spdlog::info("admin http on {}:{} (/metrics /healthz /readyz){}", bound->address().to_string(), bound->port(),
               http_options.tls ? " over TLS" : "");

  StateStore* state = hub->state_.get();
  hub->router_ = std::make_unique<Router>(
      *hub->bus_, *hub->producer_, hub->runtime_, hub->metrics_,
      [state](int route, const std::string& batch_id, const BatchOutcome& o,
              std::function<void(const std::optional<BusError>&)> done) {
        state->write_async(batch_outcome_key(route, batch_id), to_json(o), std::move(done));
      },
      static_cast<std::size_t>(cfg.bus.memory.lane_queue_kib) * 1024,
      [history = hub->history_.get()](const HistoryEntry& e, std::function<void(const std::optional<BusError>&)> done) {
        history->append(e, std::move(done));
      });
  hub->sources_ = std::make_unique<SourceRunner>(*hub->producer_, hub->runtime_, hub->metrics_, hub->gate_);
  hub->events_ = std::make_unique<EventRunner>(*hub->producer_, hub->runtime_, hub->metrics_);
  hub->election_->start();
  // Named threads: `top -H` and profiles then say which part is busy.
  auto stopping = [self] { return self->stopping_.load(); };
  hub->router_thread_ = std::thread([self, stopping] {
    run_guarded("renkei:router", [self] { self->router_->run(); }, stopping);
  });
  hub->source_thread_ = std::thread([self, stopping] {
    run_guarded("renkei:sources", [self] { self->sources_->run(); }, stopping);
  });
  hub->event_thread_ = std::thread([self, stopping] {
    run_guarded("renkei:events", [self] { self->events_->run(); }, stopping);
  });
  hub->scheduler_thread_ = std::thread([self, stopping] {
    run_guarded("renkei:sched", [self] { self->scheduler_->run(); }, stopping);
  });
  hub->health_thread_ = std::thread([self, stopping] {
    run_guarded("renkei:health", [self] {
      while (!self->stopping_) {
        self->bus_reachable_ = self->bus_->reachable(2s);
        self->check_users();
        self->watch_for_notifications();
        for (int i = 0; i < 20 && !self->stopping_; ++i) std::this_thread::sleep_for(100ms);
      }
    }, stopping);
  });
  return hub;
}

Hub::~Hub() { stop(); }

std::string Hub::not_ready_reason() const {
  if (stopping_) return "stopping";
  if (!bus_reachable_) return "bus not reachable";
  if (!scheduler_ || !scheduler_->has_published()) return "scheduler has not read renkei.state yet";
  return {};
}

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  return HttpResponse{.status = status, .content_type = "application/json", .body = body.dump(2) + "\n"};
}

HttpResponse json_error(int status, const std::string& message) {
  return json_response(status, nlohmann::json{{"error", message}});
}

// How long an admin request waits for Kafka before it gets 503; and how many may wait.
constexpr auto kBusDeadline = std::chrono::seconds(10);
constexpr int kMaxBusWaiting = 16;
constexpr int kMaxAuditWaiting = 1000;

// A number from the query ("from=12&limit=100"); nullopt when absent, error when bad.
std::expected<std::optional<int64_t>, std::string> query_number(const std::string& query, std::string_view key) {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    auto eq = part.find('=');
    if (part.substr(0, eq) != key) continue;
    auto digits = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos)
      return std::unexpected(std::string(key) + " must be a number");
    return std::optional<int64_t>(std::stoll(std::string(digits)));
  }
  return std::optional<int64_t>();
}

// "/api/v1/dlq/12" or "/api/v1/dlq/12/replay" → 12 and the rest.
std::optional<std::pair<int, std::string>> route_id_in(const std::string& path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  std::string_view rest = std::string_view(path).substr(prefix.size());
  auto slash = rest.find('/');
  auto digits = rest.substr(0, slash);
  if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::pair{std::stoi(std::string(digits)), slash == std::string_view::npos ? "" : std::string(rest.substr(slash))};
}

}  // namespace

void Hub::add_api_routes() {
  // GET /api/v1/interfaces and the status page GET / (src/admin/status_page.hpp).
  add_status_routes(
      *http_, [this] { auto rt = runtime_.get(); return rt ? rt->catalogue : nullptr; }, registry_, metrics_.status(),
      [this](int route) { return scheduler_->route_runs(route); });
  static constexpr std::string_view kDlq = "/api/v1/dlq/";
  // GET /api/v1/dlq/{id}?partition=P&from=OFFSET&limit=N: one bounded page (README).
  http_->add_async_prefix_route("GET", std::string(kDlq), on_bus_workers([this](const HttpRequest& req) {
    auto id = route_id_in(req.path, kDlq);
    if (!id || !id->second.empty()) return json_error(404, "expected /api/v1/dlq/{interface id}");
    auto partition = query_number(req.query, "partition");
    auto from = query_number(req.query, "from");
    auto limit = query_number(req.query, "limit");
    for (const auto* q : {&partition, &from, &limit})
      if (!*q) return json_error(400, q->error());
    auto all = query_number(req.query, "all");
    if (!all) return json_error(400, all.error());
    auto r = dlq_->page(id->first, static_cast<int>(std::min<int64_t>(partition->value_or(0), 1'000'000)), *from,
                        static_cast<std::size_t>(limit->value_or(static_cast<int64_t>(DlqService::kDefaultPage))),
                        all->value_or(0) != 0);
    if (!r) return json_error(r.error().status, r.error().message);
    return json_response(200, *r);
  }));
  http_->add_async_prefix_route("POST", std::string(kDlq), on_bus_workers(require_role(authn_, Role::Operator, [this](const HttpRequest& req, const Identity& who) {
    auto id = route_id_in(req.path, kDlq);
    if (!id || id->second != "/replay") return json_error(404, "expected /api/v1/dlq/{interface id}/replay");
    auto entry = audit_entry("dlq-replay", req, who);
    entry["interface"] = interface_label(id->first);
    if (auto a = audit_.write(std::move(entry)); !a)
      return json_error(503, "audit log: " + a.error());
    auto r = dlq_->replay(id->first);
    if (!r && r.error().progress.is_object()) {
      // Some chunks may be replayed (and committed) before the failure: say how far.
      nlohmann::json body = r.error().progress;
      body["error"] = r.error().message;
      return json_response(r.error().status, body);
    }
    if (!r) return json_error(r.error().status, r.error().message);
    return json_response(200, *r);
  })));
  ingest_ = std::make_unique<IngestService>(*http_, io_, *producer_, runtime_, metrics_, auth_);
  add_run_routes();
  add_history_routes();
  RuntimePtr rt = runtime_.get();
  console_ = std::make_unique<Console>(
      Console::Parts{*http_, authn_, audit_, *scheduler_, runtime_, registry_, metrics_,
                     [this](Handler h) { return on_bus_workers(std::move(h)); },
                     !rt->catalogue->hub.http.tls_cert_file.empty(), history_reader_.get(), dlq_.get()},
      rt->catalogue->hub.console);
}

AsyncHandler Hub::on_bus_workers(Handler h) {
  return [this, h = std::make_shared<Handler>(std::move(h))](const HttpRequest& req, Reply reply) {
    if (stopping_) return reply(json_error(503, "stopping"));
    if (bus_waiting_.fetch_add(1) >= kMaxBusWaiting) {
      --bus_waiting_;
      return reply(json_error(503, "busy: too many requests wait for the bus; try again later"));
    }
    // The reply is called once (AdminHttpServer): whichever comes first, answer or deadline.
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, kBusDeadline);
    timer->async_wait([reply](const boost::system::error_code& ec) {
      if (!ec) reply(json_error(503, "the bus did not answer in time; try again later"));
    });
    boost::asio::post(*bus_workers_, [this, h, req, reply, timer] {
      HttpResponse r;
      try {
        r = (*h)(req);
      } catch (const std::exception& e) {
        spdlog::error("api: {} {} failed: {}", escape_for_log(req.method), escape_for_log(req.path), e.what());
        r = json_error(500, "internal error (see the log)");
      } catch (...) {
        spdlog::error("api: {} {} failed with a non-standard exception", escape_for_log(req.method), escape_for_log(req.path));
        r = json_error(500, "internal error (see the log)");
      }
      --bus_waiting_;
      boost::asio::post(io_, [timer] { timer->cancel(); });
      reply(std::move(r));
    });
  };
}

void Hub::audit_refused(const HttpRequest& req, const HttpResponse& resp) {
  // 404 and 405 are not attempts at anything; the rest is someone refused.
  if (resp.status != 400 && resp.status != 401 && resp.status != 403 && resp.status != 413) return;
  if (audit_waiting_.fetch_add(1) >= kMaxAuditWaiting) {
    --audit_waiting_;
    spdlog::warn("audit log: too many refusals waiting; one not written");
    return;
  }
  // The reason is the answer's own ("reason" or "error"); every field from outside is
  // escaped, so the line is valid JSON whatever bytes came in.
  std::string reason;
  auto body = nlohmann::json::parse(resp.body, nullptr, false);
  if (body.is_object()) {
    for (const char* k : {"reason", "error"})
      if (body.contains(k) && body[k].is_string()) {
        reason = body[k].get<std::string>();
        break;
      }
  } else {
    reason = resp.body.substr(0, 200);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  }
  nlohmann::ordered_json entry{{"action", "refused"},
                               {"status", resp.status},
                               {"method", escape_for_log(req.method.substr(0, 16))},
                               {"path", escape_for_log(req.path.substr(0, 200))},
                               {"operator", "unknown"},
                               {"reason", escape_for_log(reason)}};
  // A 403 (or a 400 of someone known) names who was refused; the claim is only a claim.
  // Only someone known may add the name they claim: otherwise anyone could write text of
  // their choosing into the audit log.
  if (auto who = authn_.identify(req)) {
    entry["operator"] = who->name;
    entry["via"] = std::string(via_name(who->via));
    if (auto claimed = claimed_operator(req); claimed && who->via == Identity::Via::HubToken)
      entry["claimed_operator"] = *claimed;
  } else if (auto person = console_ ? console_->session_identity(req) : std::nullopt) {
    entry["operator"] = person->name;
    entry["via"] = "session";
  }
  for (std::string_view prefix : {"/api/v1/dlq/", "/api/v1/interfaces/"})
    if (auto id = route_id_in(req.path, prefix)) entry["interface"] = interface_label(id->first);
  if (req.path.starts_with("/ingest/")) {
    auto rest = std::string_view(req.path).substr(8);
    auto system = safe_header_value("system", rest.substr(0, rest.find('/')), 64);
    if (system && !system->empty()) entry["system"] = std::string(*system);
  }
  boost::asio::post(*audit_worker_, [this, entry = std::move(entry)]() mutable {
    try {
      if (auto a = audit_.write(std::move(entry)); !a) spdlog::error("audit log: {}", a.error());
    } catch (const std::exception& e) {
      spdlog::error("audit log: {}", escape_for_log(e.what()));
    } catch (...) {
      spdlog::error("audit log: an exception that is not a std::exception");
    }
    --audit_waiting_;
  });
}

nlohmann::ordered_json Hub::audit_entry(const char* action, const HttpRequest& req, const Identity& who) const {
  nlohmann::ordered_json e = nlohmann::ordered_json::object();
  if (action) e["action"] = action;
  e["operator"] = who.name;
  e["via"] = std::string(via_name(who.via));
  if (!who.token_id.empty()) e["token"] = who.token_id;
  if (who.via == Identity::Via::HubToken)
    if (auto claimed = claimed_operator(req)) e["claimed_operator"] = *claimed;
  return e;
}

bool Hub::check_users(bool audit_change) {
  std::lock_guard lock(users_mu_);
  auto next = users_file_.poll();
  if (!next) return true;
  if (!*next) {
    for (const auto& d : next->error().sorted()) spdlog::error("{}", d.str());
    spdlog::error("auth: {} is invalid ({} problems); keeping the people read before", users_file_.path(),
                  next->error().size());
    return false;
  }
  auto before = authn_.users();
  auto change = users_change(*before, **next);
  authn_.set_users(std::make_shared<const UserDirectory>(std::move(**next)));
  if (!audit_change) {
    spdlog::info("auth: {} people in {}", authn_.users()->users.size(), users_file_.path());
    return true;
  }
  if (change.empty()) return true;
  spdlog::info("auth: {} read again: {} people", users_file_.path(), authn_.users()->users.size());
  if (console_) console_->people_changed(change);
  nlohmann::ordered_json entry{{"action", "users-changed"}, {"operator", "unknown"}, {"file", users_file_.path()}};
  for (auto& [k, v] : change.items()) entry[k] = v;
  if (auto a = audit_.write(std::move(entry)); !a) spdlog::error("audit log: {}", a.error());
  return true;
}

void Hub::replace_notifier(const NotifyConfig& config) {
  std::shared_ptr<Notifier> next;
  if (!config.webhooks.empty() || !config.mails.empty()) {
    // Counted per channel (an id of hub.yaml), event and outcome; every series from 0.
    auto& reg = registry_;
    auto counter = [&reg](std::string_view channel, NotifyEvent e, const char* outcome) -> Counter& {
      return reg.counter("renkei_notifications_total",
                         "Notifications by channel, event and outcome (sent, failed: will retry, dropped: given up)",
                         {{"channel", std::string(channel)}, {"event", std::string(to_string(e))}, {"outcome", outcome}});
    };
    for (const auto& w : config.webhooks)
      for (NotifyEvent e : all_notify_events)
        for (const char* o : {"sent", "failed", "dropped"}) counter(w.name, e, o);
    for (const auto& m : config.mails)
      for (NotifyEvent e : all_notify_events)
        for (const char* o : {"sent", "failed", "dropped"}) counter(m.name, e, o);
    NotifyCounters counters;
    counters.sent = [counter](std::string_view ch, NotifyEvent e) { counter(ch, e, "sent").inc(); };
    counters.failed = [counter](std::string_view ch, NotifyEvent e) { counter(ch, e, "failed").inc(); };
    counters.dropped = [counter](std::string_view ch, NotifyEvent e, std::string_view why) {
      counter(ch, e, "dropped").inc();
      spdlog::warn("notify: {} to {} given up ({})", to_string(e), escape_for_log(ch), escape_for_log(why));
    };
    next = std::make_shared<Notifier>(config, std::move(counters));
  }
  std::shared_ptr<Notifier> old;
  {
    std::lock_guard lock(notifier_mu_);
    old = std::exchange(notifier_, std::move(next));
    notifier_config_ = config;
  }
  // The old one's retries are given up (counted as dropped, "stopped"); what is new goes
  // to the new channels.
  if (old) old->stop();
  spdlog::info("notify: {} webhook and {} mail channels", config.webhooks.size(), config.mails.size());
}

std::shared_ptr<Notifier> Hub::notifier() const {
  std::lock_guard lock(notifier_mu_);
  return notifier_;
}

bool Hub::notify(NotifyEvent event, NotifyVars vars) {
  auto n = notifier();
  if (!n) return false;
  vars.emplace_back("hub", bus_->member_name());
  n->notify(event, std::move(vars));
  return true;
}

void Hub::watch_for_notifications() {
  if (!notifier()) return;
  RuntimePtr rt = runtime_.get();
  const Catalogue& c = *rt->catalogue;
  std::map<int, std::uint64_t> dead;
  for (const auto& [id, live] : collect_route_live(c, registry_, metrics_.status())) dead[id] = live.dead_letter_total();
  std::map<std::string, bool> up;
  // Down: its adapter did not open, or deliveries to it fail and are being retried.
  for (const auto& [system, sink] : rt->sinks)
    up[system] = metrics_.adapter_up(system).value() > 0 && metrics_.target_up(system).value() > 0;
  for (auto& e : notify_watch_.check(c, dead, up, std::chrono::steady_clock::now())) notify(e.event, std::move(e.vars));
}

void Hub::add_history_routes() {
  // GET /api/v1/history?interface=&from=&to=&outcome=&kind=&before=&limit=: newest first,
  // one bounded page; `next` carries the cursor of the following one (README).
  http_->add_async_prefix_route("GET", "/api/v1/history", on_bus_workers([this](const HttpRequest& req) {
    if (req.path != "/api/v1/history") return json_error(404, "expected /api/v1/history");
    auto q = parse_history_query(req.query);
    if (!q) return json_error(400, q.error());
    auto page = history_reader_->page(q->filter, q->before, q->limit);
    if (!page) return json_error(503, std::string(kHistoryTopic) + ": " + page.error().message);
    nlohmann::ordered_json entries = nlohmann::ordered_json::array();
    for (const auto& e : page->entries) entries.push_back(to_api_json(e));
    nlohmann::ordered_json next = nullptr;
    if (page->next_before) next = {{"before", *page->next_before}};
    return json_response(200, nlohmann::ordered_json{{"entries", std::move(entries)},
                                                     {"next", std::move(next)},
                                                     {"scanned", page->scanned},
                                                     {"unreadable", page->unreadable}});
  }));
}

void Hub::add_run_routes() {
  static constexpr std::string_view kIf = "/api/v1/interfaces/";
  // GET /api/v1/interfaces/{id}/runs: the route's recent runs, next run and due date.
  http_->add_async_prefix_route("GET", std::string(kIf), on_bus_workers([this](const HttpRequest& req) {
    auto id = route_id_in(req.path, kIf);
    if (!id || id->second != "/runs") return json_error(404, "expected /api/v1/interfaces/{id}/runs");
    auto a = scheduler_->runs(id->first, 50);
    return json_response(a.status, a.body);
  }));
  // POST …/{id}/run {"operator", "date"?} and …/{id}/ack {"operator", "run"}.
  http_->add_async_prefix_route("POST", std::string(kIf), on_bus_workers(require_role(authn_, Role::Operator, [this](const HttpRequest& req, const Identity& who_asked) {
    auto id = route_id_in(req.path, kIf);
    if (!id || (id->second != "/run" && id->second != "/ack"))
      return json_error(404, "expected /api/v1/interfaces/{id}/run or /ack");
    auto body = nlohmann::json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return json_error(400, "the body must be a JSON object");
    auto text = [&](const char* key) -> std::optional<std::string> {
      if (!body.contains(key) || !body[key].is_string()) return std::nullopt;
      return body[key].get<std::string>();
    };
    // The body's "operator" of older clients is ignored: the audit names the identity.
    const AuditActor who{who_asked.name, audit_entry(nullptr, req, who_asked)};
    JobScheduler::Answer a;
    if (id->second == "/run") {
      a = scheduler_->request_run(id->first, text("date"), who);
    } else {
      auto run = text("run");
      if (!run) return json_error(400, "name the run to acknowledge (\"run\": \"009-20261125\")");
      a = scheduler_->acknowledge(id->first, *run, who);
    }
    return json_response(a.status, a.body);
  })));
}

std::expected<void, std::string> Hub::ensure_topics(const Catalogue& c) {
  std::vector<TopicSpec> topics;
  // The scheduler's state: one partition (its owner in the scheduler group is the
  // leader), compacted so it keeps the latest value of every run and cursor for good
  // (batch outcomes until the leader's tombstone, kBatchOutcomeKept later).
  topics.push_back({kStateTopic, 1, c.hub.bus.replication_factor, {{"cleanup.policy", "compact"}}});
  // 転送履歴: one partition (one sequence, read newest first), deleted only by age.
  topics.push_back({kHistoryTopic, 1, c.hub.bus.replication_factor,
                    {{"cleanup.policy", "delete"},
                     {"retention.ms", std::to_string(int64_t{c.hub.history.retention_days} * 86'400'000)}}});
  for (const auto& r : c.routes) {
    topics.push_back({r.topic, c.hub.bus.partitions, c.hub.bus.replication_factor, {}});
    // Dead letters wait for a person, however long that takes.
    topics.push_back({r.dlq_topic(), c.hub.bus.partitions, c.hub.bus.replication_factor, {{"retention.ms", "-1"}}});
  }
  for (int attempt = 1;; ++attempt) {
    auto r = bus_->ensure_topics(topics);
    if (r) return {};
    if (!r.error().transient || attempt >= 5) return std::unexpected("creating topics: " + r.error().message);
    spdlog::warn("creating topics: {}; retrying", r.error().message);
    std::this_thread::sleep_for(std::chrono::seconds(attempt * 2));
  }
}

std::expected<RuntimePtr, std::string> Hub::build_runtime(CataloguePtr catalogue) {
  auto rt = std::make_shared<Runtime>();
  rt->catalogue = catalogue;
  auto codemaps = load_codemaps(*catalogue);
  if (!codemaps) {
    for (const auto& d : codemaps.error().sorted()) spdlog::error("{}", d.str());
    return std::unexpected("codemaps invalid (" + std::to_string(codemaps.error().size()) + " problems)");
  }
  rt->codemaps = std::move(*codemaps);
  for (const auto& r : catalogue->routes) rt->by_topic.emplace(r.topic, &r);
  // Open one side of a system's adapter; one that fails to open is kept (its runner
  // retries) and reported as down.
  auto open_side = [](const char* side, const SystemDef& s, auto adapter, auto& into, bool& up) {
    if (!adapter) return;
    if (auto r = adapter->open(); !r) {
      spdlog::error("{} {}: {}", side, s.id, r.error().detail);
      up = false;
    }
    into.emplace(s.id, std::move(adapter));
  };
  for (const auto& s : catalogue->systems) {
    bool up = true;
    if (const auto collected = catalogue->routes_collected_by(s.id); !collected.empty()) {
      auto source = std::shared_ptr<Source>(make_source(s, *catalogue));
      // Every refusal series the source can produce exists from the first scrape, so an
      // alert on rate() or increase() sees the first refusal.
      if (source)
        for (const RouteDef* r : collected)
          for (SpoolRefusalReason reason : source->refusal_reasons()) metrics_.spool_refused(r->id, reason).inc(0);
      open_side("source", s, std::move(source), rt->sources, up);
    }
    if (!catalogue->routes_delivered_by(s.id).empty()) {
      open_side("sink", s, std::shared_ptr<Sink>(make_sink(s, *catalogue)), rt->sinks, up);
      // Up until a delivery fails; a reload keeps what the lanes last saw (and with it
      // how long a target has been down).
      if (targets_seen_.insert(s.id).second) metrics_.target_up(s.id).set(1);
    }
    metrics_.adapter_up(s.id).set(up ? 1 : 0);
  }
  return RuntimePtr(std::move(rt));
}

std::expected<std::shared_ptr<const JpCalendar>, std::string> Hub::load_calendar(const Catalogue& c) {
  auto options = load_calendar_options(c.hub.calendar_dir, c.hub.calendar_dir);
  if (!options) {
    for (const auto& d : options.error().sorted()) spdlog::error("{}", d.str());
    return std::unexpected("calendar invalid (" + std::to_string(options.error().size()) + " problems)");
  }
  return std::make_shared<const JpCalendar>(*options);
}

bool Hub::reload() {
  // The entry catches everything: a reload runs on the signal handler's thread, and an
  // exception out of it would end the daemon. A failed reload keeps the old runtime
  // (it is replaced only at runtime_.set below) and is counted like an invalid config.
  try {
    auto next = load_catalogue(config_path_);
    if (!next) {
      for (const auto& d : next.error().sorted()) spdlog::error("{}", d.str());
      spdlog::error("reload: new configuration invalid ({} problems); keeping the old one", next.error().size());
      metrics_.reloads("failure").inc();
      return false;
    }
    if (auto r = ensure_topics(**next); !r) {
      spdlog::error("reload: {}; keeping the old configuration", r.error());
      metrics_.reloads("failure").inc();
      return false;
    }
    auto calendar = load_calendar(**next);
    if (!calendar) {
      spdlog::error("reload: {}; keeping the old configuration", calendar.error());
      metrics_.reloads("failure").inc();
      return false;
    }
    auto rt = build_runtime(*next);
    if (!rt) {
      spdlog::error("reload: {}; keeping the old configuration", rt.error());
      metrics_.reloads("failure").inc();
      return false;
    }
    runtime_.set(*rt);
    scheduler_->configure(**next, *calendar);
    if (auto a = auth_.load((*next)->hub.auth_token_file); !a) spdlog::error("reload: auth: {}; keeping the old token", a.error());
    users_file_.set_path((*next)->hub.users_file);
    check_users();
    if (console_) console_->configure((*next)->hub.console);
    bool notify_changed = false;
    {
      std::lock_guard lock(notifier_mu_);
      notify_changed = !((*next)->hub.notify.channels == notifier_config_);
    }
    if (notify_changed) replace_notifier((*next)->hub.notify.channels);
    metrics_.reloads("success").inc();
    spdlog::info("reload: new configuration active: {} systems, {} routes", (*next)->systems.size(),
                 (*next)->routes.size());
    return true;
  } catch (const std::exception& e) {
    spdlog::error("reload: {}; keeping the old configuration", e.what());
  } catch (...) {
    spdlog::error("reload: unknown failure; keeping the old configuration");
  }
  metrics_.reloads("failure").inc();
  return false;
}

void Hub::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  spdlog::info("stopping: draining in-flight work");
  // Admin requests waiting for the bus are answered 503 by their deadline; those under
  // way finish (bounded by their Kafka timeouts) before the parts they use stop.
  if (bus_workers_) {
    bus_workers_->stop();
    bus_workers_->join();
  }
  if (console_) console_->stop();
  if (scheduler_) scheduler_->stop();
  if (scheduler_thread_.joinable()) scheduler_thread_.join();
  if (election_) election_->stop();
  if (sources_) sources_->stop();
  if (source_thread_.joinable()) source_thread_.join();
  if (events_) events_->stop();
  if (event_thread_.joinable()) event_thread_.join();
  if (router_) router_->stop();
  if (router_thread_.joinable()) router_thread_.join();
  if (health_thread_.joinable()) health_thread_.join();
  // What is still queued is counted as dropped ("stopped"); a send under way ends at once.
  if (auto n = notifier()) n->stop();
  if (producer_) {
    if (auto r = producer_->flush(10s); !r) spdlog::warn("stopping: {}", r.error().message);
  }
  if (http_) http_->stop();
  if (audit_worker_) audit_worker_->join();
  // The producer goes first: purging it reports to handlers the runners still own.
  producer_.reset();
  router_.reset();
  sources_.reset();
  events_.reset();
  spdlog::info("stopped");
}

}  // namespace renkei
