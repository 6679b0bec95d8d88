#pragma once
// The hub's metric families (ARCHITECTURE §4), in one place so names and labels stay
// consistent. Labels carry interface and system ids only, never personal data.
#include <string>

#include "interface_status.hpp"
#include "renkei/adapter.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/metrics.hpp"

namespace renkei {

class HubMetrics {
 public:
  explicit HubMetrics(MetricsRegistry& registry) : r_(registry) {}

  Counter& received(int route, const std::string& system) {
    return r_.counter("renkei_records_received_total", "Records taken from a source system onto the bus",
                      {{"interface", interface_label(route)}, {"system", system}});
  }
  Counter& delivered(int route, const std::string& system) {
    return r_.counter("renkei_records_delivered_total", "Records durably delivered to the target system",
                      {{"interface", interface_label(route)}, {"system", system}});
  }
  Counter& dead_lettered(int route, const std::string& reason) {
    return r_.counter("renkei_records_dead_lettered_total", "Records put on the route's dead-letter topic",
                      {{"interface", interface_label(route)}, {"reason", reason}});
  }
  Counter& conversion_errors(int route, const std::string& kind) {
    return r_.counter("renkei_conversion_errors_total", "Records the conversion stage refused",
                      {{"interface", interface_label(route)}, {"kind", kind}});
  }
  Counter& shrinks(int route) {
    return r_.counter("renkei_conversion_shrinks_total",
                      "Characters degraded (縮退) through a declared shrink table",
                      {{"interface", interface_label(route)}});
  }
  Counter& spool_refused(int route, SpoolRefusalReason reason) {
    return r_.counter("renkei_spool_refused_total",
                      "Spool entries refused (not a regular file, or a name that is not valid); left in place",
                      {{"interface", interface_label(route)}, {"reason", std::string(to_string(reason))}});
  }
  Counter& retries(int route) {
    return r_.counter("renkei_delivery_retries_total", "Deliveries retried after a transient failure",
                      {{"interface", interface_label(route)}});
  }
  Gauge& lag(int route) {
    return r_.gauge("renkei_consumer_lag_records", "Records on the route's topic not yet delivered",
                    {{"interface", interface_label(route)}});
  }
  Histogram& latency(int route) {
    return r_.histogram("renkei_delivery_latency_seconds",
                        "From ingestion at the source to durable delivery, per batch",
                        {{"interface", interface_label(route)}},
                        {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300});
  }
  Gauge& adapter_up(const std::string& system) {
    return r_.gauge("renkei_adapter_up", "1 when the system's adapter is open and working",
                    {{"system", system}});
  }
  // 0 from a transient failure delivering to the target system until a delivery to it
  // succeeds again; 1 once its sink opens. `system` is the carrier (the lane's sink).
  Gauge& target_up(const std::string& system) {
    return r_.gauge("renkei_target_up",
                    "0 while deliveries to the target system fail and are retried, 1 once one succeeds",
                    {{"system", system}});
  }
  // Set by the router about once a second; `system` is the lane's target (carrier) system.
  Gauge& lane_queued_bytes(const std::string& system) {
    return r_.gauge("renkei_lane_queued_bytes",
                    "Bytes of records waiting in the delivery lane of a target system (bounded by bus.memory.lane_queue_kib)",
                    {{"system", system}});
  }
  Gauge& lane_paused_partitions(const std::string& system) {
    return r_.gauge("renkei_lane_paused_partitions",
                    "Route partitions not fetched because the delivery lane of their target is full",
                    {{"system", system}});
  }
  Counter& reloads(const std::string& outcome) {
    return r_.counter("renkei_config_reloads_total", "Configuration reloads (SIGHUP) by outcome",
                      {{"outcome", outcome}});
  }
  Counter& job_runs(int route, const std::string& outcome) {
    return r_.counter("renkei_job_runs_total", "Finished runs of scheduled and manual routes by outcome",
                      {{"interface", interface_label(route)}, {"outcome", outcome}});
  }
  // Exported at 0 for every route with hooks from the start.
  Counter& hook_failures(int route) {
    return r_.counter("renkei_hook_failures_total",
                      "Job hooks of a route's runs that failed, timed out or could not start",
                      {{"interface", interface_label(route)}});
  }
  Gauge& job_last_success(int route) {
    return r_.gauge("renkei_job_last_success_timestamp_seconds", "When the route's last successful run finished",
                    {{"interface", interface_label(route)}});
  }
  Gauge& job_next_run(int route) {
    return r_.gauge("renkei_job_next_run_timestamp_seconds", "When the route's schedule fires next",
                    {{"interface", interface_label(route)}});
  }
  Gauge& manual_overdue(int route) {
    return r_.gauge("renkei_manual_overdue", "1 when a manual route's hand-off is past due and not acknowledged",
                    {{"interface", interface_label(route)}});
  }
  MetricsRegistry& registry() { return r_; }
  // Per-route times the counters cannot tell (last delivery, held, back-off), for the
  // status page; set by the router per batch, lock-free.
  InterfaceStatus& status() { return status_; }

 private:
  MetricsRegistry& r_;
  InterfaceStatus status_;
};

}  // namespace renkei
