#pragma once
// The inbound side of kinds whose systems publish record by record (EventSource: the
// kafka kind). One thread takes each record onto its route topic as a realtime event,
// checked as /ingest checks a POST, and confirms it at the source only once the hub's
// broker has acknowledged it (or its dead letter): never lost, and a repeat after a crash
// carries the same trace id.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hub_metrics.hpp"
#include "renkei/adapter.hpp"
#include "renkei/bus.hpp"
#include "renkei/convert/charset.hpp"
#include "runtime.hpp"

namespace renkei {

class EventRunner {
 public:
  EventRunner(Producer& producer, const RuntimeHolder& runtime, HubMetrics& metrics);
  ~EventRunner();
  void run();
  void stop() { stopping_ = true; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Peer {
    std::string system_id;
    std::unique_ptr<EventSource> source;
    bool up = true;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
  };

  // After a reload: the event sources of the new catalogue's systems.
  void refresh(const RuntimePtr& rt);
  // Carries what the peer has ready (up to a bounded number of records) and confirms it.
  void pump(const Catalogue& cat, Peer& peer);
  void failed(Peer& peer, const std::string& why);
  // nullopt: the body is valid in `charset`; else the DLQ reason and detail.
  std::optional<std::pair<std::string, std::string>> check_charset(const std::string& charset, std::string_view body);

  Producer& producer_;
  const RuntimeHolder& runtime_;
  HubMetrics& metrics_;
  std::atomic<bool> stopping_{false};
  RuntimePtr built_for_;
  std::vector<Peer> peers_;
  std::map<std::string, std::unique_ptr<Charset>> charsets_;
  std::vector<std::shared_ptr<DeliveryTracker>> abandoned_;  // kept until the producer is gone
};

}  // namespace renkei
