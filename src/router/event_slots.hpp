#pragma once
// A target's realtime deliveries in flight at once: `count` workers (slots) share one
// FIFO per ordering key (the record's key on the route topic, else its partition). A key
// has at most one event in flight; a free slot takes the head of the key that has waited
// longest. So events of one key reach the target in order, and a slow or failing POST
// holds up only the later events of its own key: other keys go on through the other
// slots. A transient failure is retried in place; a refusal goes to the DLQ.
//
// The event's offset stays held in its PartitionOffsets from push() until the target took
// it (or the DLQ has it), so the committable offset never passes an event still in flight.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hub_metrics.hpp"
#include "partition_offsets.hpp"
#include "renkei/bus.hpp"
#include "runtime.hpp"

namespace renkei {

struct EventJob {
  BusMessage msg;  // owns its bytes (msg.owner)
  std::shared_ptr<PartitionOffsets> offsets;
  RuntimePtr runtime;  // the snapshot it was converted under: keeps route and sink alive
  const RouteDef* route = nullptr;
  Sink* sink = nullptr;
  SinkEvent event{0, {}};
  std::optional<std::string> converted;  // nullopt: the record goes as it came
  std::size_t cost = 0;                  // what it counts against the lane's bound
};

// Seconds from the record's renkei-ingested-at header to now, for the latency histogram;
// nullopt when the header is missing or does not parse.
std::optional<double> seconds_since_ingest(const BusMessage& msg);

// One event to its target: retried in place while the failure is transient (`pause` waits
// between attempts and says false when the hub stops: the event stays held, it comes
// again), refused onto the DLQ, and its offset released once the target or the DLQ has
// it. The caller held the offset.
void deliver_event_job(EventJob& job, Producer& dlq, HubMetrics& metrics,
                       const std::function<bool(std::chrono::milliseconds)>& pause);

class EventSlots {
 public:
  struct Deps {
    Producer& dlq;
    HubMetrics& metrics;
    std::function<void(std::size_t cost)> finished;  // the job left its slot (any outcome)
  };
  EventSlots(const std::string& lane_name, unsigned count, Deps deps);
  ~EventSlots();
  EventSlots(const EventSlots&) = delete;
  EventSlots& operator=(const EventSlots&) = delete;

  // Holds the job's offset and queues it behind the earlier events of its key.
  void push(EventJob job);
  // Finishes the attempt in hand on each slot, drops what is queued (held, so never
  // committed: it comes again) and joins the workers.
  void stop();
  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  static std::string ordering_key(const BusMessage& msg);

 private:
  void work();
  bool pause_for(std::chrono::milliseconds d);

  Deps deps_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // a key became ready, or stop
  std::condition_variable stop_cv_;  // wakes back-off waits on stop only
  // Keys with events waiting; a key's in-flight event is not in its queue.
  std::unordered_map<std::string, std::deque<EventJob>> waiting_;
  std::unordered_set<std::string> in_flight_;
  // Keys with events waiting and none in flight, in the order they became ready: each
  // key at most once, so keys take turns.
  std::deque<std::string> ready_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};
};

}  // namespace renkei
