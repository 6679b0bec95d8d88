// EventSlots: several realtime deliveries of one target in flight, order kept per key, a
// slow key holding up only its own later events, offsets never committed past an event
// still in flight.
#include "event_slots.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "renkei/metrics.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;

class FakeProducer final : public Producer {
 public:
  std::expected<void, BusError> produce(const MessageView& m, DeliveryHandler* handler) override {
    std::lock_guard lock(mu);
    std::map<std::string, std::string> h;
    for (const auto& x : m.headers) h[x.key] = std::string(x.value);
    sent.push_back({std::string(m.topic), std::string(m.value), h});
    handler->on_delivery(std::nullopt);
    return {};
  }
  void poll(std::chrono::milliseconds) override {}
  void prepare(const std::vector<std::string>&) override {}
  std::expected<void, BusError> flush(std::chrono::milliseconds) override { return {}; }
  struct Sent {
    std::string topic, value;
    std::map<std::string, std::string> headers;
  };
  std::mutex mu;
  std::vector<Sent> sent;
};

// Records each delivery; events whose key is `blocked_key` wait until released; the
// first `transient_failures` attempts fail transiently; a record "refuse" is refused.
class RecordingSink final : public Sink {
 public:
  AdapterResult<> open() override { return {}; }
  AdapterResult<bool> delivered(const SinkBatchInfo&) override { return false; }
  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo&) override {
    return std::unexpected(AdapterError{false, "unsupported", "events only"});
  }
  AdapterResult<> deliver_event(const SinkEvent& e, std::string_view record) override {
    std::unique_lock lock(mu);
    ++attempts;
    if (e.key == blocked_key) cv.wait(lock, [&] { return released; });
    if (transient_failures > 0) {
      --transient_failures;
      return std::unexpected(AdapterError{true, "io", "target busy"});
    }
    if (record == "refuse") return std::unexpected(AdapterError{false, "target-rejected", "POST answered 422"});
    order[e.key].push_back(std::string(record));
    delivered_ids.push_back(e.id);
    ++in_call;
    max_in_call = std::max(max_in_call, in_call);
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(200 + (record.size() * 37) % 500));
    lock.lock();
    --in_call;
    cv.notify_all();
    return {};
  }
  RetryPolicy retry_policy() const override { return {1ms, 4ms}; }
  void close() override {}

  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return delivered_ids.size();
  }

  std::mutex mu;
  std::condition_variable cv;
  std::string blocked_key = "\x01none";
  bool released = false;
  int transient_failures = 0;
  int attempts = 0;
  int in_call = 0;
  int max_in_call = 0;
  std::map<std::string, std::vector<std::string>> order;
  std::vector<std::string> delivered_ids;
};

class Slots : public ::testing::Test {
 protected:
  Slots() {
    RouteDef r;
    r.id = 7;
    r.from = "src";
    r.to = "dst";
    r.topic = "renkei.if.007";
    route = r;
  }

  // A consumed record on partition 0 at `offset`; its bytes live in this fixture.
  EventJob job(int64_t offset, const std::string& key, const std::string& value) {
    auto& k = texts.emplace_back(key);
    auto& v = texts.emplace_back(value);
    EventJob j;
    j.msg.topic = route.topic;
    j.msg.partition = 0;
    j.msg.offset = offset;
    j.msg.key = k;
    j.msg.value = v;
    j.offsets = offsets;
    j.route = &route;
    j.sink = &sink;
    j.event = SinkEvent{route.id, "o" + std::to_string(offset), key};
    j.cost = 10;
    return j;
  }

  EventSlots::Deps deps() {
    return {dlq, metrics, [this](std::size_t c) {
              std::lock_guard lock(mu);
              finished_cost += c;
              cv.notify_all();
            }};
  }
  bool wait_finished(std::size_t cost, std::chrono::milliseconds within = 10s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, within, [&] { return finished_cost >= cost; });
  }
  RouteDef route;
  RecordingSink sink;
  FakeProducer dlq;
  MetricsRegistry registry;
  HubMetrics metrics{registry};
  std::shared_ptr<PartitionOffsets> offsets = std::make_shared<PartitionOffsets>();
  std::deque<std::string> texts;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t finished_cost = 0;
};

TEST_F(Slots, OneSlowKeyHoldsUpOnlyItsOwnLaterEventsAndTheCommitStopsAtIt) {
  // Two slots, forty other keys: with keys hashed onto fixed slots, about half of them
  // would wait behind the slow one.
  EventSlots slots("test", 2, deps());
  const std::string slow = "slow";
  sink.blocked_key = slow;
  slots.push(job(0, "k0", "f0"));
  offsets->processed(0);
  slots.push(job(1, slow, "s1"));  // blocks in the target
  offsets->processed(1);
  std::map<std::string, std::vector<std::string>> want;
  want["k0"] = {"f0"};
  for (int64_t o = 2; o < 122; ++o) {
    const bool is_slow = o % 3 == 0;
    const std::string key = is_slow ? slow : "k" + std::to_string(o % 40);
    const std::string value = (is_slow ? "s" : "f") + std::to_string(o);
    slots.push(job(o, key, value));
    offsets->processed(o);
    if (!is_slow) want[key].push_back(value);
  }
  const std::size_t fast_events = 121 - 40;
  // Every event of the other keys arrives while the slow one is still in its POST.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sink.count() < fast_events && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(sink.count(), fast_events);
  {
    std::lock_guard lock(sink.mu);
    for (const auto& [key, values] : want) EXPECT_EQ(sink.order[key], values) << key;
    EXPECT_TRUE(sink.order[slow].empty());
    EXPECT_EQ(sink.max_in_call, 1);  // the slow key holds one slot; the other did the rest
  }
  // Offset 1 is still in flight: nothing from it on may be committed.
  EXPECT_EQ(offsets->committable(), std::optional<int64_t>(1));
  sink.release();
  ASSERT_TRUE(wait_finished(122 * 10));
  std::lock_guard lock(sink.mu);
  std::vector<std::string> slow_want{"s1"};
  for (int64_t o = 3; o < 122; o += 3) slow_want.push_back("s" + std::to_string(o));
  EXPECT_EQ(sink.order[slow], slow_want);
  EXPECT_EQ(offsets->committable(), std::optional<int64_t>(122));
}

TEST_F(Slots, ManyInFlightKeepOrderPerKeyAndDeliverEachOnce) {
  EventSlots slots("test", 8, deps());
  constexpr int kEvents = 2000;
  for (int64_t o = 0; o < kEvents; ++o) {
    slots.push(job(o, "key" + std::to_string(o % 23), std::to_string(o)));
    offsets->processed(o);
  }
  ASSERT_TRUE(wait_finished(kEvents * 10));
  std::lock_guard lock(sink.mu);
  EXPECT_GT(sink.max_in_call, 1);  // really in parallel
  EXPECT_LE(sink.max_in_call, 8);  // never more than the slots
  std::set<std::string> ids(sink.delivered_ids.begin(), sink.delivered_ids.end());
  EXPECT_EQ(sink.delivered_ids.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kEvents));
  for (int k = 0; k < 23; ++k) {
    const auto& got = sink.order["key" + std::to_string(k)];
    std::vector<std::string> want;
    for (int o = k; o < kEvents; o += 23) want.push_back(std::to_string(o));
    EXPECT_EQ(got, want) << "key" << k;
  }
  EXPECT_EQ(offsets->committable(), std::optional<int64_t>(kEvents));
}

TEST_F(Slots, TransientFailuresAreRetriedInPlaceThenDelivered) {
  EventSlots slots("test", 2, deps());
  sink.transient_failures = 3;
  slots.push(job(0, "a", "x"));
  offsets->processed(0);
  ASSERT_TRUE(wait_finished(10));
  std::lock_guard lock(sink.mu);
  EXPECT_EQ(sink.attempts, 4);
  EXPECT_EQ(sink.delivered_ids, std::vector<std::string>{"o0"});
  EXPECT_EQ(metrics.retries(7).value(), 3.0);
  EXPECT_EQ(offsets->committable(), std::optional<int64_t>(1));
}

// renkei_target_up (notify's target-down): 0 while an event is retried, 1 once it is taken.
TEST_F(Slots, ATargetIsDownWhileItsEventIsRetriedAndUpOnceItTakesIt) {
  auto& up = metrics.target_up(Catalogue::target_carrier(route));
  up.set(1);
  {
    std::lock_guard lock(sink.mu);
    sink.transient_failures = 1'000'000;
  }
  EventSlots slots("test", 2, deps());
  slots.push(job(0, "a", "x"));
  offsets->processed(0);
  for (int i = 0; i < 500 && up.value() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(up.value(), 0) << "a retried event did not mark its target down";
  {
    std::lock_guard lock(sink.mu);
    sink.transient_failures = 0;
  }
  ASSERT_TRUE(wait_finished(10));
  EXPECT_EQ(up.value(), 1) << "a delivered event did not mark its target up again";
}

TEST_F(Slots, ARefusedEventGoesToTheDlqWithItsReasonAndIsCommittedAfter) {
  EventSlots slots("test", 2, deps());
  slots.push(job(0, "a", "refuse"));
  offsets->processed(0);
  ASSERT_TRUE(wait_finished(10));
  std::lock_guard lock(dlq.mu);
  ASSERT_EQ(dlq.sent.size(), 1u);
  EXPECT_EQ(dlq.sent[0].topic, "renkei.if.007.dlq");
  EXPECT_EQ(dlq.sent[0].value, "refuse");  // as it came
  EXPECT_EQ(dlq.sent[0].headers["renkei-dlq-reason"], "target-rejected");
  EXPECT_EQ(dlq.sent[0].headers["renkei-dlq-origin"], "renkei.if.007:0:0");
  EXPECT_EQ(offsets->committable(), std::optional<int64_t>(1));
}

TEST_F(Slots, StoppingLeavesWhatWasNotDeliveredUncommitted) {
  {
    EventSlots slots("test", 2, deps());
    slots.push(job(0, "a", "f0"));
    offsets->processed(0);
    ASSERT_TRUE(wait_finished(10));
    {
      std::lock_guard lock(sink.mu);
      sink.transient_failures = 1000000;  // retried in place until the stop
    }
    slots.push(job(1, "a", "s1"));
    offsets->processed(1);
    slots.push(job(2, "a", "s2"));  // queued behind it
    offsets->processed(2);
    std::this_thread::sleep_for(50ms);
    slots.stop();
  }
  EXPECT_EQ(finished_cost, 30u);  // every job's cost given back to the lane
  EXPECT_EQ(offsets->committable(), std::optional<int64_t>(1));
  std::lock_guard lock(sink.mu);
  EXPECT_EQ(sink.delivered_ids, std::vector<std::string>{"o0"});
}

}  // namespace
}  // namespace renkei
