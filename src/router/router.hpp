#pragma once
// The consuming side: one consumer for all route topics. Its thread only polls and
// dispatches each record to the delivery lane of its route's target, which converts and
// delivers it; it pauses the partitions of a full lane, seeks back where a lane asks, and
// commits per partition only what its lane made durable.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "delivery_lane.hpp"
#include "hub_metrics.hpp"
#include "partition_offsets.hpp"
#include "renkei/bus.hpp"
#include "runtime.hpp"

namespace renkei {

class Router final : public RebalanceListener {
 public:
  // `lane_bytes`: each lane's bound on queued records (bus.memory.lane_queue_kib).
  Router(Bus& bus, Producer& dlq_producer, const RuntimeHolder& runtime, HubMetrics& metrics,
         BatchOutcomeReport report = {}, std::size_t lane_bytes = kDefaultLaneBytes, HistoryRecorder history = {});
  ~Router() override;

  static constexpr std::size_t kDefaultLaneBytes = 4u << 20;

  // The consumer loop; returns after stop() once the lanes have stopped and what is
  // durable is committed.
  void run();
  void stop() { stopping_ = true; }

  void on_assigned(const std::vector<TopicPartition>& parts) override;
  void on_revoked(const std::vector<TopicPartition>& parts) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Partition {
    std::shared_ptr<PartitionOffsets> offsets = std::make_shared<PartitionOffsets>();
    DeliveryLane* lane = nullptr;
    RuntimePtr lane_chosen_under;  // the snapshot `lane` was chosen under
    uint64_t epoch = 0;
    int64_t next_offset = -1;     // the one after the last dispatched
    bool lane_full = false;       // paused until its lane drains
    bool backing_off = false;     // paused until resume_at (a lane asked to read again)
    Clock::time_point resume_at;
    int64_t last_committed = -1;
    bool paused() const { return lane_full || backing_off; }
  };
  using Key = PartitionKey;

  void dispatch(BusMessage&& msg);
  DeliveryLane& lane_for(const Runtime& rt, std::string_view topic);
  void take_rewinds();
  void resume_due();
  void pause(const Key& key, Partition& p, int64_t at);
  void retire_all();
  void replace_consumer(const std::string& why);
  void commit_all(bool force);
  void update_lag();
  // The lanes' gauges (queued bytes, partitions paused because a lane is full).
  void update_lanes();

  Bus& bus_;
  Producer& dlq_;
  const RuntimeHolder& runtime_;
  HubMetrics& metrics_;
  BatchOutcomeReport report_;
  HistoryRecorder history_;
  const std::size_t lane_bytes_;
  std::unique_ptr<Consumer> consumer_;
  std::map<std::string, std::unique_ptr<DeliveryLane>, std::less<>> lanes_;  // by target carrier
  std::map<Key, Partition> parts_;
  RuntimePtr current_;
  unsigned since_clock_ = 0;
  bool any_lane_full_ = false;  // some partition waits for its lane to drain (resume_due)

  std::mutex rewinds_mu_;
  std::vector<LaneRewind> rewinds_;
  std::atomic<bool> have_rewinds_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace renkei
