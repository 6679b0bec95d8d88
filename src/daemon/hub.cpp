#include "hub.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "renkei/adapter.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/hub_clock.hpp"
#include "renkei/scheduler/calendar_config.hpp"
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
  hub->producer_->prepare(topics);

  if (auto a = hub->auth_.load(cfg.auth_token_file); !a) return std::unexpected("auth: " + a.error());
  if (auto a = hub->audit_.open(cfg.audit_file); !a) return std::unexpected("audit log: " + a.error());
  auto calendar = load_calendar(*catalogue);
  if (!calendar) return std::unexpected(calendar.error());
  if (auto clock = hub_clock_description(); !clock.empty()) spdlog::warn("{}: for tests only", clock);
  hub->state_ = std::make_unique<StateStore>(*hub->bus_, *hub->producer_, cfg.bus.group_id + ".state-reader",
                                             cfg.bus.group_id);
  hub->election_ = std::make_unique<LeaderElection>(*hub->bus_, cfg.bus.group_id + ".scheduler", 6s);
  hub->scheduler_ = std::make_unique<JobScheduler>(hub->runtime_, *hub->state_, *hub->election_, hub->gate_,
                                                   hub->metrics_, hub->audit_, hub->bus_->member_name());
  hub->scheduler_->configure(*catalogue, *calendar);
  hub->dlq_ = std::make_unique<DlqService>(*hub->bus_, *hub->producer_, hub->runtime_, cfg.bus.group_id + ".dlq-replay");
  AdminHttpOptions http_options;
  if (!cfg.http.tls_cert_file.empty()) {
    auto tls = make_tls_context(cfg.http.tls_cert_file, cfg.http.tls_key_file);
    if (!tls) return std::unexpected("http.tls: " + tls.error());
    http_options.tls = *tls;
  }
  hub->http_ = std::make_unique<AdminHttpServer>(io, http_options);
  hub->add_api_routes();
  Hub* self = hub.get();
  add_standard_routes(
      *hub->http_, hub->registry_, [self] { return self->bus_reachable_.load() && !self->stopping_.load(); },
      [self] { return self->stopping_ ? std::string("stopping") : std::string("bus not reachable"); });
  auto bound = hub->http_->listen(cfg.http.listen);
  if (!bound) return std::unexpected("http: " + bound.error());
  spdlog::info("admin http on {}:{} (/metrics /healthz /readyz){}", bound->address().to_string(), bound->port(),
               http_options.tls ? " over TLS" : "");

  hub->router_ = std::make_unique<Router>(*hub->bus_, *hub->producer_, hub->runtime_, hub->metrics_);
  hub->sources_ = std::make_unique<SourceRunner>(*hub->producer_, hub->runtime_, hub->metrics_, hub->gate_);
  hub->events_ = std::make_unique<EventRunner>(*hub->producer_, hub->runtime_, hub->metrics_);
  hub->election_->start();
  // Named threads: `top -H` and profiles then say which part is busy.
  hub->router_thread_ = std::thread([self] {
    pthread_setname_np(pthread_self(), "renkei:router");
    self->router_->run();
  });
  hub->source_thread_ = std::thread([self] {
    pthread_setname_np(pthread_self(), "renkei:sources");
    self->sources_->run();
  });
  hub->event_thread_ = std::thread([self] {
    pthread_setname_np(pthread_self(), "renkei:events");
    self->events_->run();
  });
  hub->scheduler_thread_ = std::thread([self] { self->scheduler_->run(); });
  hub->health_thread_ = std::thread([self] {
    pthread_setname_np(pthread_self(), "renkei:health");
    while (!self->stopping_) {
      self->bus_reachable_ = self->bus_->reachable(2s);
      for (int i = 0; i < 20 && !self->stopping_; ++i) std::this_thread::sleep_for(100ms);
    }
  });
  return hub;
}

Hub::~Hub() { stop(); }

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  return HttpResponse{.status = status, .content_type = "application/json", .body = body.dump(2) + "\n"};
}

HttpResponse json_error(int status, const std::string& message) {
  return json_response(status, nlohmann::json{{"error", message}});
}

// Who asked: the CLI sends the operator's login name; audited, never trusted for access.
std::string operator_of(const HttpRequest& req) {
  auto it = req.headers.find("x-renkei-operator");
  return it == req.headers.end() || it->second.empty() ? std::string() : it->second.substr(0, 64);
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
  http_->add_prefix_route("GET", std::string(kDlq), [this](const HttpRequest& req) {
    auto id = route_id_in(req.path, kDlq);
    if (!id || !id->second.empty()) return json_error(404, "expected /api/v1/dlq/{interface id}");
    const bool all = req.query.find("all=1") != std::string::npos || req.query.find("all=true") != std::string::npos;
    auto r = dlq_->list(id->first, all);
    if (!r) return json_error(r.error().starts_with("no route") ? 404 : 503, r.error());
    return json_response(200, *r);
  });
  http_->add_prefix_route("POST", std::string(kDlq), require_token(auth_, [this](const HttpRequest& req) {
    auto id = route_id_in(req.path, kDlq);
    if (!id || id->second != "/replay") return json_error(404, "expected /api/v1/dlq/{interface id}/replay");
    if (auto a = audit_.write({{"action", "dlq-replay"}, {"operator", operator_of(req)},
                               {"interface", interface_label(id->first)}});
        !a)
      return json_error(503, "audit log: " + a.error());
    auto r = dlq_->replay(id->first);
    if (!r) return json_error(r.error().starts_with("no route") ? 404 : 503, r.error());
    return json_response(200, *r);
  }, audit_refusal()));
  ingest_ = std::make_unique<IngestService>(*http_, io_, *producer_, runtime_, metrics_, auth_);
  add_run_routes();
}

RefusalHook Hub::audit_refusal() {
  return [this](const HttpRequest& req, const std::string& why) {
    if (auto a = audit_.write({{"action", "refused"}, {"method", req.method}, {"path", req.path}, {"reason", why}}); !a)
      spdlog::error("audit log: {}", a.error());
  };
}

void Hub::add_run_routes() {
  static constexpr std::string_view kIf = "/api/v1/interfaces/";
  // GET /api/v1/interfaces/{id}/runs: the route's recent runs, next run and due date.
  http_->add_prefix_route("GET", std::string(kIf), [this](const HttpRequest& req) {
    auto id = route_id_in(req.path, kIf);
    if (!id || id->second != "/runs") return json_error(404, "expected /api/v1/interfaces/{id}/runs");
    auto a = scheduler_->runs(id->first, 50);
    return json_response(a.status, a.body);
  });
  // POST …/{id}/run {"operator", "date"?} and …/{id}/ack {"operator", "run"}.
  http_->add_prefix_route("POST", std::string(kIf), require_token(auth_, [this](const HttpRequest& req) {
    auto id = route_id_in(req.path, kIf);
    if (!id || (id->second != "/run" && id->second != "/ack"))
      return json_error(404, "expected /api/v1/interfaces/{id}/run or /ack");
    auto body = nlohmann::json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return json_error(400, "the body must be a JSON object");
    auto text = [&](const char* key) -> std::optional<std::string> {
      if (!body.contains(key) || !body[key].is_string()) return std::nullopt;
      return body[key].get<std::string>();
    };
    const std::string who = text("operator").value_or(operator_of(req));
    JobScheduler::Answer a;
    if (id->second == "/run") {
      a = scheduler_->request_run(id->first, text("date"), who);
    } else {
      auto run = text("run");
      if (!run) return json_error(400, "name the run to acknowledge (\"run\": \"009-20261125\")");
      a = scheduler_->acknowledge(id->first, *run, who);
    }
    return json_response(a.status, a.body);
  }, audit_refusal()));
}

std::expected<void, std::string> Hub::ensure_topics(const Catalogue& c) {
  std::vector<TopicSpec> topics;
  // The scheduler's state: one partition (its owner in the scheduler group is the
  // leader), compacted so it keeps the latest value of every run and cursor for good.
  topics.push_back({kStateTopic, 1, c.hub.bus.replication_factor, {{"cleanup.policy", "compact"}}});
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
    if (!catalogue->routes_collected_by(s.id).empty())
      open_side("source", s, std::shared_ptr<Source>(make_source(s, *catalogue)), rt->sources, up);
    if (!catalogue->routes_delivered_by(s.id).empty())
      open_side("sink", s, std::shared_ptr<Sink>(make_sink(s, *catalogue)), rt->sinks, up);
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
  if (producer_) {
    if (auto r = producer_->flush(10s); !r) spdlog::warn("stopping: {}", r.error().message);
  }
  if (http_) http_->stop();
  // The producer goes first: purging it reports to handlers the runners still own.
  producer_.reset();
  router_.reset();
  sources_.reset();
  events_.reset();
  spdlog::info("stopped");
}

}  // namespace renkei
