#pragma once
// The producing side: asks every source adapter for ready units and carries each onto
// its route's topic as a batch. A unit is marked complete at the source only after the
// broker has acknowledged every record and the end marker (acks=all, idempotent).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collect_gate.hpp"
#include "hub_metrics.hpp"
#include "renkei/bus.hpp"
#include "runtime.hpp"

namespace renkei {

class SourceRunner {
 public:
  SourceRunner(Producer& producer, const RuntimeHolder& runtime, HubMetrics& metrics, CollectGate& gate,
               std::chrono::milliseconds poll_interval = std::chrono::milliseconds(200));
  void run();
  void stop() { stopping_ = true; }

 private:
  // true when the unit is on the bus and completed at the source. `producer` is the
  // route's `from` system (its id and charset go on the records), `source` the adapter
  // that carries it (a via hop's, or the producer's own).
  bool carry(const RouteDef& route, const SystemDef& producer, Source& source,
             const SourceUnit& unit);
  void scan_once();
  // The source's refusals since the last scan into the metric and the status tracker.
  void count_refusals(Source& source);
  // For the open runs of the source's routes, asks a pulling source for the run's date.
  void pull_for_runs(const std::string& system_id, const std::shared_ptr<Source>& source,
                     const std::vector<const RouteDef*>& routes);

  struct Retry {
    std::chrono::steady_clock::time_point next;
    std::chrono::milliseconds backoff{0};
  };

  Producer& producer_;
  const RuntimeHolder& runtime_;
  HubMetrics& metrics_;
  CollectGate& gate_;
  std::chrono::milliseconds poll_interval_;
  std::atomic<bool> stopping_{false};
  std::map<std::string, Retry> retries_;         // by batch id
  // Units that can never go on the bus as they are (a record above message.max.bytes):
  // reported once, left in the outbox, not tried again until they change (new batch id).
  std::set<std::string> refused_;
  std::map<std::string, bool> source_ok_;        // by system id, to log changes only
  // A pull runs on a thread of its own (a slow peer must not stall the other sources).
  // When the hub stops, pulls under way are cancelled and joined before run() returns.
  struct PullJob {
    std::shared_ptr<Source> source;
    std::thread thread;
    std::mutex mu;
    std::optional<AdapterResult<PullOutcome>> result;
  };
  void finish_pulls();
  struct PullState {
    std::uint64_t opening = 0;  // the gate opening (run) this is about
    bool ready = false;
    std::shared_ptr<PullJob> job;
    std::chrono::steady_clock::time_point next{};
    std::chrono::milliseconds backoff{0};
  };
  std::map<int, PullState> pulls_;               // by route
  std::vector<std::shared_ptr<DeliveryHandler>> abandoned_;  // kept until the producer is gone
};

}  // namespace renkei
