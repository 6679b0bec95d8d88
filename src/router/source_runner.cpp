#include "source_runner.hpp"

#include "renkei/guarded_thread.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <pthread.h>

#include "renkei/batch.hpp"
#include "renkei/hub_clock.hpp"
#include "renkei/outside_value.hpp"

namespace renkei {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Counts a batch's messages in flight and remembers the first failure. Called for every
// record on librdkafka's delivery thread, so the common path is one atomic decrement.
class InFlight final : public DeliveryHandler {
 public:
  void add() { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  void on_delivery(const std::optional<BusError>& err) override {
    if (err) {
      std::lock_guard lock(mu_);
      if (!failed_) failed_ = err;
    }
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    }
  }
  // false when `stopping` became true and the grace period ran out first.
  bool wait(const std::atomic<bool>& stopping, std::chrono::milliseconds grace) {
    std::unique_lock lock(mu_);
    auto deadline = Clock::now() + grace;
    while (outstanding_.load(std::memory_order_acquire) > 0) {
      cv_.wait_for(lock, 100ms);
      if (stopping && Clock::now() > deadline) return false;
    }
    return true;
  }
  std::optional<BusError> failed() {
    std::lock_guard lock(mu_);
    return failed_;
  }

 private:
  std::atomic<uint64_t> outstanding_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<BusError> failed_;
};

}  // namespace

SourceRunner::SourceRunner(Producer& producer, const RuntimeHolder& runtime, HubMetrics& metrics,
                           CollectGate& gate, std::chrono::milliseconds poll_interval)
    : producer_(producer), runtime_(runtime), metrics_(metrics), gate_(gate), poll_interval_(poll_interval) {}

void SourceRunner::run() {
  while (!stopping_) {
    auto started = Clock::now();
    scan_once();
    auto spent = Clock::now() - started;
    if (spent < poll_interval_) std::this_thread::sleep_for(poll_interval_ - spent);
  }
  finish_pulls();
}

void SourceRunner::finish_pulls() {
  for (auto& [route, p] : pulls_)
    if (p.job) p.job->source->cancel_pulls();
  // A cancelled pull returns within a fraction of a second; what it fetched is on disk
  // under a temp name only, redone by the next run.
  for (auto& [route, p] : pulls_)
    if (p.job && p.job->thread.joinable()) p.job->thread.join();
  pulls_.clear();
}

void SourceRunner::count_refusals(Source& source) {
  for (const auto& r : source.take_refusals()) {
    metrics_.spool_refused(r.route_id, r.reason).inc(static_cast<double>(r.count));
    metrics_.status().spool_refused(r.route_id);
  }
}

void SourceRunner::scan_once() {
  RuntimePtr rt = runtime_.get();
  for (const auto& [system_id, source] : rt->sources) {
    if (stopping_) return;
    const auto routes = rt->catalogue->routes_collected_by(system_id);
    if (source->pulls()) pull_for_runs(system_id, source, routes);
    auto units = source->scan();
    count_refusals(*source);
    bool ok = units.has_value();
    if (source_ok_[system_id] != ok || !source_ok_.contains(system_id)) {
      if (!ok) spdlog::warn("source {}: {}", system_id, units.error().detail);
      source_ok_[system_id] = ok;
    }
    metrics_.adapter_up(system_id).set(ok ? 1 : 0);
    if (!ok) {
      for (const RouteDef* r : routes) gate_.failed(r->id, units.error().detail);
      continue;
    }
    std::map<int, int> left_over;  // per route: units this scan did not get onto the bus
    for (const auto& unit : *units) {
      if (stopping_) return;
      // A gated route's files wait for its run (CollectGate).
      if (gate_.held_back(unit.route_id)) continue;
      const RouteDef* route = rt->catalogue->route(unit.route_id);
      if (!route) continue;
      // An open run takes only its own business date's units; the others wait for theirs.
      if (auto t = gate_.tally(unit.route_id); t && !unit_belongs_to_run(unit, *route, t->business_date)) continue;
      ++left_over[unit.route_id];
      if (refused_.contains(unit.batch_id)) continue;
      auto rit = retries_.find(unit.batch_id);
      if (rit != retries_.end() && Clock::now() < rit->second.next) continue;
      // The records are the route's producer's, whichever adapter (a via hop's) carried them.
      const SystemDef* producer = rt->catalogue->system(route->from);
      if (!producer) continue;
      if (carry(*route, *producer, *source, unit)) {
        retries_.erase(unit.batch_id);
        --left_over[unit.route_id];
      } else if (!stopping_) {
        auto& r = retries_[unit.batch_id];
        r.backoff = std::clamp(r.backoff * 2, std::chrono::milliseconds(1000), std::chrono::milliseconds(60'000));
        r.next = Clock::now() + r.backoff;
        metrics_.retries(route->id).inc();
      }
    }
    for (const RouteDef* r : routes)
      if (gate_.open(r->id)) gate_.scanned(r->id, left_over[r->id] > 0);
  }
}

void SourceRunner::pull_for_runs(const std::string& system_id, const std::shared_ptr<Source>& source,
                                 const std::vector<const RouteDef*>& routes) {
  for (const RouteDef* r : routes) {
    if (stopping_) return;
    auto t = gate_.tally(r->id);
    if (!t) continue;
    PullState& p = pulls_[r->id];
    if (p.opening != t->opening) {
      if (p.job) {
        // The previous run's pull: wait until it is back, drop its result, then ask anew.
        {
          std::lock_guard lock(p.job->mu);
          if (!p.job->result) continue;
        }
        p.job->thread.join();
      }
      p = PullState{};
      p.opening = t->opening;
    }
    if (p.job) {
      std::optional<AdapterResult<PullOutcome>> got;
      {
        std::lock_guard lock(p.job->mu);
        got = std::move(p.job->result);
      }
      if (!got) continue;
      if (p.job->thread.joinable()) p.job->thread.join();  // it has finished: the result is in
      p.job.reset();
      if (*got && **got == PullOutcome::Ready) {
        p.ready = true;
      } else if (*got) {
        p.next = Clock::now() + source->pull_interval();
      } else {
        // The run reports it (failed at its deadline, unless a later pull succeeds).
        const auto& e = got->error();
        if (p.backoff.count() == 0) spdlog::warn("route {}: pull from {}: {}", interface_label(r->id), system_id, e.detail);
        gate_.failed(r->id, "pull from " + system_id + ": " + e.detail);
        const RetryPolicy policy{};
        p.backoff = std::clamp(p.backoff * 2, policy.first, policy.max);
        p.next = Clock::now() + p.backoff;
        metrics_.retries(r->id).inc();
      }
      continue;
    }
    if (p.ready || Clock::now() < p.next) continue;
    p.job = std::make_shared<PullJob>();
    p.job->source = source;
    p.job->thread = std::thread([job = p.job.get(), source, route = r->id, date = t->business_date] {
      pthread_setname_np(pthread_self(), "renkei:pull");
      std::optional<decltype(source->pull(route, date))> got;
      if (auto failed = run_catching([&] { got.emplace(source->pull(route, date)); }))
        got.emplace(std::unexpected(AdapterError{true, "pull-failed", "the pull stopped: " + *failed}));
      std::lock_guard lock(job->mu);
      job->result = std::move(*got);
    });
  }
}

bool SourceRunner::carry(const RouteDef& route, const SystemDef& producer, Source& source,
                         const SourceUnit& unit) {
  auto flight = std::make_shared<InFlight>();
  const std::string iface = interface_label(route.id);
  const std::string ingested = ingested_at_now();
  // Every record carries its batch id and sequence number. What is the same for the whole
  // batch rides on the first record and on the end marker only: each header costs about
  // as much as the record itself in librdkafka and the broker (bench/bus_bench.sh).
  // Order matters: the first two are the per-record ones.
  std::array<HeaderView, 7> headers{{
      {hdr::kBatchId.data(), unit.batch_id},
      {hdr::kSeq.data(), {}},
      {hdr::kInterface.data(), iface},
      {hdr::kSource.data(), producer.id},
      {hdr::kCharset.data(), producer.charset},
      {hdr::kTraceId.data(), unit.batch_id},
      {hdr::kIngestedAt.data(), ingested},
  }};
  uint64_t seq = 0;
  uint64_t too_large_at = 0;  // the record the producer refused as above message.max.bytes
  char seq_text[24];
  auto produce = [&](std::string_view value, std::size_t header_count) {
    flight->add();
    auto r = producer_.produce(
        MessageView{route.topic, unit.batch_id, value, std::span<const HeaderView>(headers.data(), header_count)},
        flight.get());
    if (!r) {
      if (r.error().too_large) too_large_at = seq;
      flight->on_delivery(r.error());
      return false;
    }
    return true;
  };
  auto end = source.read(unit, [&](std::string_view record) {
    if (stopping_) return false;
    auto [p, ec] = std::to_chars(seq_text, seq_text + sizeof seq_text, ++seq);
    headers[1].value = std::string_view(seq_text, static_cast<std::size_t>(p - seq_text));
    return produce(record, seq == 1 ? headers.size() : 2);
  });
  if (too_large_at > 0) {
    // It would fail the same way every time: the file stays where it is, the records
    // already sent end on the DLQ as batch-incomplete (bus.batch_timeout_ms), and the
    // operator is told which record and why, once.
    refused_.insert(unit.batch_id);
    if (!flight->wait(stopping_, 10s)) abandoned_.push_back(flight);
    spdlog::warn("route {}: record {} of batch {} is larger than the bus takes (producer message.max.bytes, "
                 "1000000 bytes with its headers by default); the file stays in the outbox, not sent",
                 iface, too_large_at, unit.batch_id);
    metrics_.spool_refused(route.id, SpoolRefusalReason::TooLarge).inc();
    metrics_.status().spool_refused(route.id);
    gate_.failed(route.id, "record " + std::to_string(too_large_at) + " of batch " + unit.batch_id +
                               " is larger than the bus takes");
    return false;
  }
  std::string end_text;
  if (end) {
    end_text = end->format();
    headers[1] = {hdr::kBatchEnd.data(), end_text};
    produce({}, headers.size());
  }
  bool all_acked = flight->wait(stopping_, 10s);
  if (!all_acked) abandoned_.push_back(flight);  // librdkafka may still report to it
  auto failed = flight->failed();
  if (!end) {
    if (!stopping_) spdlog::warn("route {}: reading {} failed: {}", iface, escape_for_log(unit.name), end.error().detail);
    gate_.failed(route.id, "reading " + escape_for_log(unit.name) + ": " + end.error().detail);
    return false;
  }
  if (!all_acked || failed) {
    if (failed)
      spdlog::warn("route {}: batch {} not acknowledged by the bus ({}); will send again", iface, unit.batch_id,
                   failed->message);
    gate_.failed(route.id, "the bus did not acknowledge batch " + unit.batch_id);
    return false;
  }
  metrics_.received(route.id, producer.id).inc(static_cast<double>(end->count));
  if (auto c = source.complete(unit); !c) {
    // The batch is on the bus; sending it again later is harmless (the target skips it).
    spdlog::error("route {}: batch {} is on the bus but the source could not mark it done: {}",
                  interface_label(route.id), unit.batch_id, c.error().detail);
    return false;
  }
  spdlog::info("route {}: batch {} from {} on the bus ({} records)", interface_label(route.id), unit.batch_id,
               Catalogue::source_carrier(route), end->count);
  gate_.carried(route.id, end->count, hub_now(), unit.batch_id, end->name);
  return true;
}

}  // namespace renkei
