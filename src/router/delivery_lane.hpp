#pragma once
// One target's delivery: a queue bounded in bytes and the worker that does that target's
// I/O (convert, append, commit, POST, produce to a peer) for the partitions of the routes
// it carries. A black-holed or slow target fills only its own lane; the router pauses the
// partitions feeding a full lane, so the backlog waits in Kafka, not in memory, and every
// other lane goes on.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "batch_assembler.hpp"
#include "event_slots.hpp"
#include "hub_metrics.hpp"
#include "partition_offsets.hpp"
#include "renkei/adapter.hpp"
#include "renkei/bus.hpp"
#include "renkei/history/history_entry.hpp"
#include "renkei/scheduler/job_run.hpp"
#include "renkei/stage.hpp"
#include "runtime.hpp"

namespace renkei {

// Where the router says what became of a batch of a scheduled route (the hub writes it to
// renkei.state, so the run that carried it decides on whichever hub it runs); `done` is
// told once the report is durable or failed.
using BatchOutcomeReport = std::function<void(int route, const std::string& batch_id, const BatchOutcome& outcome,
                                              std::function<void(const std::optional<BusError>&)> done)>;

// Where the lane writes a batch's 転送履歴 entry (renkei.history); `done` is told once the
// entry is durable or failed. The batch's offset is held until then, so a crash before it
// reads the batch again and writes the entry (as delivered-before) once more.
using HistoryRecorder = std::function<void(const HistoryEntry& entry,
                                           std::function<void(const std::optional<BusError>&)> done)>;

using PartitionKey = std::pair<std::string, int32_t>;

// A lane's request to read a partition again from `offset` after a transient failure,
// not before `resume_at`. Records of the partition dispatched before the router did so
// (an older `epoch`) are dropped by the lane: they come again.
struct LaneRewind {
  PartitionKey key;
  int64_t offset = 0;
  std::chrono::steady_clock::time_point resume_at;
  std::shared_ptr<PartitionOffsets> offsets;  // the assignment it was asked for
};

// One consumed record on its way to a lane.
struct LaneItem {
  BusMessage msg;
  std::shared_ptr<PartitionOffsets> offsets;  // its partition's (one per assignment)
  uint64_t epoch = 0;                         // bumped by the router at every seek back
};

class DeliveryLane {
 public:
  struct Deps {
    Bus& bus;
    Producer& dlq;
    const RuntimeHolder& runtime;
    HubMetrics& metrics;
    BatchOutcomeReport report;
    std::function<void(LaneRewind)> rewind;  // thread-safe: called on the lane's worker
    HistoryRecorder history = {};
  };
  // `target`: the carrier system the lane delivers to (a catalogue id; for logs only).
  // `in_flight`: realtime events delivered at once (its sink's events_in_flight()).
  DeliveryLane(std::string target, int index, Deps deps, std::size_t max_bytes, unsigned in_flight = 1);
  ~DeliveryLane();
  DeliveryLane(const DeliveryLane&) = delete;
  DeliveryLane& operator=(const DeliveryLane&) = delete;

  // Never blocks: the router keeps the bound by pausing partitions once full() says so.
  void push(LaneItem item);
  bool full() const { return queued_bytes_.load(std::memory_order_relaxed) >= max_bytes_; }
  // Below half the bound: paused partitions may read again (hysteresis, so a lane at its
  // bound does not pause and resume for every record).
  bool drained() const { return queued_bytes_.load(std::memory_order_relaxed) < max_bytes_ / 2; }
  std::size_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  const std::string& target() const { return target_; }
  // Finishes the record in hand, drops what is queued (uncommitted: it comes again),
  // aborts open batches, and joins the worker.
  void stop();

 private:
  struct Partition {
    std::shared_ptr<PartitionOffsets> offsets;
    BatchAssembler batches;
    // What the assembler does not know: the target's side of each open batch.
    struct Open {
      std::string source;   // from the batch's first record (or the route), for the stage and the DLQ
      std::string charset;
      std::unique_ptr<SinkBatch> out;
      // For the history: when the batch opened, records seen, bytes written.
      std::int64_t started_ms = 0;
      std::uint64_t records = 0;
      std::uint64_t bytes = 0;
    };
    std::map<std::string, Open, std::less<>> open;
    uint64_t epoch = 0;
    bool discarding = false;  // a rewind is asked for: records of this epoch come again
    std::chrono::milliseconds backoff{0};
  };
  using Key = PartitionKey;

  void work();
  void handle(const LaneItem& item);
  Partition& partition_for(const LaneItem& item);
  void handle_event(Partition& p, const BusMessage& msg, const RouteDef& route);
  void open_batch(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, std::string_view id,
                  const std::optional<std::string>& bad);
  void on_step(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, std::string_view id,
               const BatchAssembler::Step& step, bool marker_dead_lettered);
  void append(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, std::string_view id,
              uint64_t seq);
  void commit(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, std::string_view id,
              const BatchEnd& end);
  void close_batch(Partition& p, std::string_view id, int64_t at);
  // The batch is held now: what was appended is taken back from the target and read
  // again from the topic onto the DLQ. false when that read failed and the partition
  // backed off (its batches are gone then).
  [[nodiscard]] bool take_back(const Key& key, Partition& p, const RouteDef& route, std::string_view id,
                               const std::optional<BatchAssembler::Replay>& replay, const std::string& detail,
                               int64_t resume_at);
  [[nodiscard]] bool dead_letter_from_topic(const Key& key, Partition& p, const RouteDef& route, std::string_view id,
                                            int64_t from, int64_t to, const std::string& reason,
                                            const std::string& detail, int64_t resume_at);
  void dead_letter(Partition& p, const BusMessage& msg, const RouteDef& route, const std::string& reason,
                   const std::string& detail, std::string_view batch_id = {});
  void report_outcome(Partition& p, const RouteDef& route, const std::string& batch_id, bool delivered,
                      const std::string& reason, int64_t hold_at);
  // The batch's 転送履歴 entry; `end` when its marker proved it whole.
  void record_history(Partition& p, const RouteDef& route, std::string_view batch_id, std::string_view outcome,
                      std::string reason, const BatchEnd* end, int64_t hold_at, std::string_view held_file = {});
  // A transient failure of the target's sink: renkei_target_up 0, then back_off.
  void target_failed(const Key& key, Partition& p, const std::string& why, const RouteDef& route, int64_t at_offset);
  void back_off(const Key& key, Partition& p, const std::string& why, int route_id, int64_t at_offset);
  void abandon(Partition& p);
  // Waits `d` unless the lane stops first (false then).
  bool pause_for(std::chrono::milliseconds d);
  void expire_batches();
  void forget_retired();

  const std::string target_;
  const int index_;
  Deps deps_;
  const std::size_t max_bytes_;
  std::unique_ptr<Stage> stage_;
  std::unique_ptr<TopicReader> scanner_;  // re-reads a held batch's first records
  RuntimePtr current_;
  std::map<Key, Partition> parts_;
  std::unique_ptr<EventSlots> slots_;  // the realtime events in flight
  std::size_t item_cost_ = 0;          // of the record in hand
  bool handed_off_ = false;            // it went to a slot, which releases its cost

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<LaneItem> queue_;
  bool idle_ = false;  // the worker waits for work: push() wakes it (under mu_)
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<bool> stopping_{false};
  std::thread worker_;
};

// What a queued record costs the lane's bound: its bytes plus bookkeeping.
std::size_t lane_cost(const BusMessage& msg);

}  // namespace renkei
