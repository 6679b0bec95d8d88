// DeliveryLane's back-off: a partition's batch that keeps failing transiently waits longer
// each time (first, 2×, 4× …) until a batch is delivered; a realtime event delivered on
// the same partition in between is not the batch's success and must not shorten the wait.
#include "delivery_lane.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "renkei/batch.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/metrics.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kFirst = 100ms;

// Every batch opens, takes its first record and fails its second transiently; every
// realtime event is delivered.
class SecondRecordFails final : public Sink {
 public:
  class Batch final : public SinkBatch {
   public:
    AdapterResult<> append(std::string_view) override {
      if (++appended_ == 2) return std::unexpected(AdapterError{true, "io", "target busy"});
      return {};
    }
    AdapterResult<> commit(const BatchEnd&) override { return {}; }
    void abort() override {}
    AdapterResult<> replay(const std::function<void(std::string_view)>&) override { return {}; }

   private:
    int appended_ = 0;
  };

  AdapterResult<> open() override { return {}; }
  AdapterResult<bool> delivered(const SinkBatchInfo&) override { return false; }
  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo&) override {
    return std::unique_ptr<SinkBatch>(std::make_unique<Batch>());
  }
  AdapterResult<> deliver_event(const SinkEvent&, std::string_view) override {
    std::lock_guard lock(mu);
    ++events;
    cv.notify_all();
    return {};
  }
  RetryPolicy retry_policy() const override { return {kFirst, 10s}; }
  void close() override {}

  std::mutex mu;
  std::condition_variable cv;
  int events = 0;
};

class DeliveryLaneBackoff : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = load_catalogue(RENKEI_SOURCE_DIR "/config");
    ASSERT_TRUE(cat.has_value());
    auto maps = load_codemaps(**cat);
    ASSERT_TRUE(maps.has_value());
    auto rt = std::make_shared<Runtime>();
    rt->catalogue = *cat;
    rt->codemaps = *maps;
    for (const auto& r : rt->catalogue->routes) rt->by_topic.emplace(r.topic, &r);
    route_ = rt->catalogue->route(9);
    ASSERT_NE(route_, nullptr);
    rt->sinks.emplace(Catalogue::target_carrier(*route_), sink_);
    runtime_.set(rt);
    auto bus = make_kafka_bus(BusConfig{});  // embedded: the lane's DLQ producer and scanner
    ASSERT_TRUE(bus.has_value()) << bus.error().message;
    bus_ = std::move(*bus);
    dlq_ = bus_->make_producer();
    lane_ = std::make_unique<DeliveryLane>(
        Catalogue::target_carrier(*route_), 0,
        DeliveryLane::Deps{*bus_, *dlq_, runtime_, metrics_,
                           [](int, const std::string&, const BatchOutcome&,
                              std::function<void(const std::optional<BusError>&)> done) { done(std::nullopt); },
                           [this](LaneRewind r) {
                             std::lock_guard lock(mu_);
                             waits_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 r.resume_at - Clock::now()));
                             cv_.notify_all();
                           },
                           {}},
        1 << 20);
  }
  void TearDown() override {
    if (lane_) lane_->stop();
  }

  // One read of the partition from the batch's first record: batch record 1, a realtime
  // event, batch record 2 (which fails), as the router hands them over after a seek back.
  void read_once(uint64_t epoch) {
    const std::string_view batch_id = "20261207T000000Z-0000000000000001";
    auto record = [&](int64_t offset, std::string_view seq) {
      LaneItem item{BusMessage{}, offsets_, epoch};
      item.msg.topic = route_->topic;
      item.msg.offset = offset;
      item.msg.value = "x";
      item.msg.headers = {{hdr::kBatchId, batch_id}, {hdr::kSeq, seq}};
      lane_->push(std::move(item));
    };
    record(0, "1");
    LaneItem event{BusMessage{}, offsets_, epoch};
    event.msg.topic = route_->topic;
    event.msg.offset = 1;
    event.msg.value = "x";
    lane_->push(std::move(event));
    record(2, "2");
  }

  std::vector<std::chrono::milliseconds> wait_for_backoffs(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return waits_.size() >= n; });
    return waits_;
  }

  MetricsRegistry registry_;
  HubMetrics metrics_{registry_};
  RuntimeHolder runtime_;
  std::shared_ptr<SecondRecordFails> sink_ = std::make_shared<SecondRecordFails>();
  const RouteDef* route_ = nullptr;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Producer> dlq_;
  std::unique_ptr<DeliveryLane> lane_;
  std::shared_ptr<PartitionOffsets> offsets_ = std::make_shared<PartitionOffsets>();
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::chrono::milliseconds> waits_;
};

TEST_F(DeliveryLaneBackoff, ARealtimeSuccessDoesNotResetTheBatchBackoff) {
  for (uint64_t epoch = 0; epoch < 3; ++epoch) {
    read_once(epoch);
    ASSERT_EQ(wait_for_backoffs(epoch + 1).size(), epoch + 1) << "no rewind asked for in read " << epoch;
  }
  {
    std::lock_guard lock(sink_->mu);
    EXPECT_EQ(sink_->events, 3) << "the event between the batch's records was not delivered on every read";
  }
  auto waits = wait_for_backoffs(3);
  ASSERT_EQ(waits.size(), 3u);
  // resume_at is set just before the callback: each wait is its back-off less microseconds.
  EXPECT_GT(waits[0], kFirst - 50ms);
  EXPECT_LE(waits[0], kFirst);
  EXPECT_GT(waits[1], 2 * kFirst - 50ms) << "the back-off did not grow after the event's success";
  EXPECT_GT(waits[2], 4 * kFirst - 50ms) << "the back-off did not grow after the event's success";
}

}  // namespace
}  // namespace renkei
