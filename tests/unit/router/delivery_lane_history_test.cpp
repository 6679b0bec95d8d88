// The lane writes one 転送履歴 entry per batch outcome: a delivered file with its name,
// records, bytes and the checksum of what the target got; a held one with its reason.
// The batch's offset stays held until the entry is durable.
#include "delivery_lane.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "renkei/batch.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/metrics.hpp"
#include "renkei/sha256.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;

class KeepAll final : public Sink {
 public:
  class Batch final : public SinkBatch {
   public:
    Batch(std::string* into, int* transient_commits) : into_(into), transient_commits_(transient_commits) {}
    AdapterResult<> append(std::string_view r) override {
      if (!into_->empty()) *into_ += '\n';
      *into_ += r;
      return {};
    }
    AdapterResult<> commit(const BatchEnd& end) override {
      if (*transient_commits_ > 0) {
        --*transient_commits_;
        return std::unexpected(AdapterError{true, "io", "target busy"});
      }
      if (end.final_newline) *into_ += '\n';
      return {};
    }
    void abort() override {}
    AdapterResult<> replay(const std::function<void(std::string_view)>&) override { return {}; }

   private:
    std::string* into_;
    int* transient_commits_;
  };
  AdapterResult<> open() override { return {}; }
  AdapterResult<bool> delivered(const SinkBatchInfo&) override { return false; }
  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo&) override {
    if (refuse) return std::unexpected(AdapterError{false, "bad-record", "the target refuses the batch"});
    file.clear();
    return std::unique_ptr<SinkBatch>(std::make_unique<Batch>(&file, &transient_commits));
  }
  AdapterResult<> deliver_event(const SinkEvent&, std::string_view) override { return {}; }
  RetryPolicy retry_policy() const override { return {100ms, 1s}; }
  void close() override {}
  std::string file;
  bool refuse = false;
  int transient_commits = 0;  // commits that fail transiently before one succeeds
};

class LaneHistory : public ::testing::Test {
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
    // A route without conversion: the bytes and checksum are the source's.
    for (const auto& r : rt->catalogue->routes)
      if (r.conversion == "none" && !route_) route_ = &r;
    ASSERT_NE(route_, nullptr);
    rt->sinks.emplace(Catalogue::target_carrier(*route_), sink_);
    runtime_.set(rt);
    auto bus = make_kafka_bus(BusConfig{});
    ASSERT_TRUE(bus.has_value()) << bus.error().message;
    bus_ = std::move(*bus);
    dlq_ = bus_->make_producer();
    lane_ = std::make_unique<DeliveryLane>(
        Catalogue::target_carrier(*route_), 0,
        DeliveryLane::Deps{*bus_, *dlq_, runtime_, metrics_, {}, [](LaneRewind) {},
                           [this](const HistoryEntry& e, std::function<void(const std::optional<BusError>&)> done) {
                             std::lock_guard lock(mu_);
                             entries_.push_back(e);
                             dones_.push_back(std::move(done));
                             cv_.notify_all();
                           }},
        1 << 20);
  }
  void TearDown() override {
    if (lane_) lane_->stop();
  }
  void push(int64_t offset, std::string_view value, std::vector<std::pair<std::string_view, std::string_view>> headers,
            uint64_t epoch = 0) {
    LaneItem item{BusMessage{}, offsets_, epoch};
    item.msg.topic = route_->topic;
    item.msg.offset = offset;
    item.msg.value = value;
    for (auto& h : headers) item.msg.headers.push_back(h);
    lane_->push(std::move(item));
  }
  bool wait_entries(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return entries_.size() >= n; });
  }

  std::shared_ptr<KeepAll> sink_ = std::make_shared<KeepAll>();
  const RouteDef* route_ = nullptr;
  RuntimeHolder runtime_;
  MetricsRegistry registry_;
  HubMetrics metrics_{registry_};
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Producer> dlq_;
  std::unique_ptr<DeliveryLane> lane_;
  std::shared_ptr<PartitionOffsets> offsets_ = std::make_shared<PartitionOffsets>();
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<HistoryEntry> entries_;
  std::vector<std::function<void(const std::optional<BusError>&)>> dones_;
};

TEST_F(LaneHistory, ADeliveredFileNamesItsRecordsBytesAndChecksumAndHoldsItsOffsetUntilDurable) {
  const std::string id = "20261207T000000Z-0000000000000001";
  BatchEnd end{3, sha256_hex("alpha\nbeta\ngamma\n"), true, "JUKI_20261207.csv"};
  const std::string marker = end.format();
  push(0, "alpha", {{hdr::kBatchId, id}, {hdr::kSeq, "1"}});
  push(1, "beta", {{hdr::kBatchId, id}, {hdr::kSeq, "2"}});
  push(2, "gamma", {{hdr::kBatchId, id}, {hdr::kSeq, "3"}});
  push(3, "", {{hdr::kBatchId, id}, {hdr::kBatchEnd, marker}});
  ASSERT_TRUE(wait_entries(1));
  std::unique_lock lock(mu_);
  const HistoryEntry& e = entries_.at(0);
  EXPECT_EQ(e.kind, HistoryKind::Batch);
  EXPECT_EQ(e.interface, route_->id);
  EXPECT_EQ(e.outcome, "delivered");
  EXPECT_EQ(e.batch_id, id);
  EXPECT_EQ(e.file, "JUKI_20261207.csv");
  EXPECT_EQ(e.records, 3u);
  // What the target holds, byte for byte.
  EXPECT_EQ(e.bytes, sink_->file.size());
  EXPECT_EQ(e.sha256, sha256_hex(sink_->file));
  EXPECT_GT(e.started_ms, 0);
  EXPECT_GE(e.finished_ms, e.started_ms);
  // Not committable past the end marker until the entry is durable: a restart reads the
  // marker again, finds the batch delivered before and writes the entry then.
  std::this_thread::sleep_for(100ms);
  EXPECT_LE(offsets_->committable().value_or(-1), 3);
  dones_.at(0)(std::nullopt);
  lock.unlock();
  for (int i = 0; i < 100 && offsets_->committable().value_or(-1) != 4; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(offsets_->committable(), 4);
}

TEST_F(LaneHistory, AHeldFileSaysWhyAndNeverItsContents) {
  const std::string id = "20261207T000000Z-0000000000000002";
  sink_->refuse = true;
  const std::string marker = BatchEnd{2, sha256_hex("one\ntwo-secret"), false, "JUKI_20261207.csv"}.format();
  push(0, "one", {{hdr::kBatchId, id}, {hdr::kSeq, "1"}});
  push(1, "two-secret", {{hdr::kBatchId, id}, {hdr::kSeq, "2"}});
  push(2, "", {{hdr::kBatchId, id}, {hdr::kBatchEnd, marker}});
  ASSERT_TRUE(wait_entries(1));
  std::lock_guard lock(mu_);
  const HistoryEntry& e = entries_.at(0);
  EXPECT_EQ(e.outcome, "held");
  EXPECT_NE(e.reason.find("bad-record: the target refuses the batch"), std::string::npos) << e.reason;
  EXPECT_EQ(e.reason.find("secret"), std::string::npos);
  EXPECT_EQ(to_json(e).find("secret"), std::string::npos);
  EXPECT_EQ(e.records, 2u);
  EXPECT_EQ(e.file, "JUKI_20261207.csv");  // which file, from its end marker
  for (auto& d : dones_) d(std::nullopt);
}

// renkei_target_up, which notify's target-down watches: 0 from a transient failure of the
// target, 1 again once a batch is delivered to it.
TEST_F(LaneHistory, ATargetThatFailsTransientlyIsDownUntilABatchIsDeliveredToIt) {
  auto& up = metrics_.target_up(Catalogue::target_carrier(*route_));
  up.set(1);
  sink_->transient_commits = 1;
  const std::string id = "20261207T000000Z-0000000000000003";
  const std::string marker = BatchEnd{1, sha256_hex("one\n"), true, "F.csv"}.format();
  auto send = [&](uint64_t epoch) {
    push(0, "one", {{hdr::kBatchId, id}, {hdr::kSeq, "1"}}, epoch);
    push(1, "", {{hdr::kBatchId, id}, {hdr::kBatchEnd, marker}}, epoch);
  };
  send(0);
  for (int i = 0; i < 500 && up.value() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(up.value(), 0) << "a transient commit failure did not mark the target down";
  {
    std::lock_guard lock(mu_);
    EXPECT_TRUE(entries_.empty());
  }
  send(1);  // read again after the seek back
  ASSERT_TRUE(wait_entries(1));
  EXPECT_EQ(up.value(), 1) << "a delivered batch did not mark the target up again";
  std::lock_guard lock(mu_);
  EXPECT_EQ(entries_.at(0).outcome, "delivered");
}

}  // namespace
}  // namespace renkei
