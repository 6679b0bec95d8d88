#pragma once
// A target's realtime deliveries in flight at once: `count` slots, each a FIFO with its
// own worker. An event goes to the slot its ordering key maps to (the record's key on the
// route topic, else its partition), so events of one key reach the target in order while
// a slow or failing POST holds up only the events queued behind it on its slot. A
// transient failure is retried in place on that slot; a refusal goes to the DLQ.
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
  unsigned size() const { return static_cast<unsigned>(slots_.size()); }
  // Which of `count` slots carries events of this ordering key.
  static unsigned slot_of(std::string_view ordering_key, unsigned count);
  static std::string ordering_key(const BusMessage& msg);

 private:
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<EventJob> queue;
    std::thread worker;
  };
  void work(Slot& slot);
  void deliver(Slot& slot, EventJob& job);
  bool pause_for(Slot& slot, std::chrono::milliseconds d);

  Deps deps_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stopping_{false};
};

}  // namespace renkei
