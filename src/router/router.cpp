#include "router.hpp"

#include <spdlog/spdlog.h>

#include <thread>

namespace renkei {

using namespace std::chrono_literals;

namespace {

constexpr auto kCommitEvery = 1s;

std::vector<std::string> topics_of(const Runtime& rt) {
  std::vector<std::string> out;
  for (const auto& r : rt.catalogue->routes) out.push_back(r.topic);
  return out;
}

std::vector<std::string> realtime_topics_of(const Runtime& rt) {
  std::vector<std::string> out;
  for (const auto& r : rt.catalogue->routes)
    if (r.timing == Timing::Realtime) out.push_back(r.topic);
  return out;
}

}  // namespace

Router::Router(Bus& bus, Producer& dlq_producer, const RuntimeHolder& runtime, HubMetrics& metrics,
               BatchOutcomeReport report, std::size_t lane_bytes, HistoryRecorder history)
    : bus_(bus),
      dlq_(dlq_producer),
      runtime_(runtime),
      metrics_(metrics),
      report_(std::move(report)),
      history_(std::move(history)),
      lane_bytes_(lane_bytes) {
  consumer_ = bus_.make_consumer(this);
}

Router::~Router() {
  for (auto& [name, lane] : lanes_) lane->stop();
}

void Router::run() {
  RuntimePtr subscribed;
  auto last_commit = Clock::now();
  while (!stopping_) {
    // A reload may add or remove routes: follow the catalogue's topics.
    if (auto rt = runtime_.get(); rt != subscribed) {
      auto topics = topics_of(*rt);
      if (!subscribed || topics != topics_of(*subscribed)) {
        consumer_->prefer(realtime_topics_of(*rt));
        if (auto r = consumer_->subscribe(topics); !r) spdlog::error("router: {}", r.error().message);
        else spdlog::info("router: consuming {} route topics", topics.size());
      }
      subscribed = rt;
      current_ = rt;
      update_lanes();  // a new target's gauges at 0 from the first scrape
    }
    // While a lane is full its partitions resume as soon as it drains: waiting out a long
    // poll there idles the lane once per fill (half its bound).
    auto m = consumer_->poll(any_lane_full_ ? 1ms : 100ms);
    if (!m) {
      spdlog::error("router: {}", m.error().message);
      if (auto fatal = consumer_->fatal_error()) {
        replace_consumer(*fatal);
        subscribed = nullptr;  // the new consumer subscribes on the next turn
        continue;
      }
      std::this_thread::sleep_for(1s);
      continue;
    }
    if (*m) dispatch(std::move(**m));
    if (have_rewinds_.load(std::memory_order_acquire)) take_rewinds();
    // Reading the clock for every record shows in profiles: look every 256th or when idle.
    if (*m && (++since_clock_ & (any_lane_full_ ? 0xf : 0xff)) != 0) continue;
    resume_due();
    if (Clock::now() - last_commit >= kCommitEvery) {
      commit_all(false);
      update_lag();
      update_lanes();
      last_commit = Clock::now();
    }
  }
  // Drain: each lane finishes the record in hand, drops what is queued and abandons its
  // open batches (whoever consumes next rebuilds them from their first offset); every DLQ
  // write finishes; what is durable is committed.
  for (auto& [name, lane] : lanes_) lane->stop();
  if (auto r = dlq_.flush(10s); !r) spdlog::warn("router: dead-letter writes still pending at stop: {}", r.error().message);
  commit_all(true);
  retire_all();
  consumer_->close();
}

DeliveryLane& Router::lane_for(const Runtime& rt, std::string_view topic) {
  // Records of a topic that lost its route go to the DLQ: a lane of their own.
  const RouteDef* route = rt.route_for_topic(topic);
  const std::string carrier = route ? Catalogue::target_carrier(*route) : std::string();
  auto it = lanes_.find(carrier);
  if (it != lanes_.end()) return *it->second;
  DeliveryLane::Deps deps{bus_, dlq_, runtime_, metrics_, report_, [this](LaneRewind r) {
                            std::lock_guard lock(rewinds_mu_);
                            rewinds_.push_back(std::move(r));
                            have_rewinds_.store(true, std::memory_order_release);
                          },
                          history_};
  // The count of events in flight is the lane's from its start (a change takes a restart).
  unsigned in_flight = 1;
  if (auto s = rt.sinks.find(carrier); s != rt.sinks.end()) in_flight = s->second->events_in_flight();
  auto lane = std::make_unique<DeliveryLane>(carrier, static_cast<int>(lanes_.size()), std::move(deps), lane_bytes_,
                                             in_flight);
  spdlog::info("router: delivery lane {} for {}", lanes_.size(), carrier.empty() ? "records without a route" : carrier);
  return *lanes_.emplace(carrier, std::move(lane)).first->second;
}

void Router::dispatch(BusMessage&& msg) {
  Key key{std::string(msg.topic), msg.partition};
  auto pit = parts_.find(key);
  if (pit == parts_.end()) pit = parts_.emplace(key, Partition{}).first;
  Partition& p = pit->second;
  if (p.backing_off) return;  // fetched before the seek back; it comes again
  // Fetched before a seek and returned again after it: the lane has it already.
  if (p.next_offset >= 0 && msg.offset < p.next_offset) return;
  if (p.lane_chosen_under != current_) {
    DeliveryLane& lane = lane_for(*current_, key.first);
    if (p.lane && p.lane != &lane) {
      // A reload gave the route another target: the old lane lets go of the partition,
      // and what it had not yet delivered is read again, in order, by the new one.
      spdlog::info("router: {}:{} moves from the lane of {} to that of {}", key.first, key.second,
                   p.lane->target(), lane.target());
      const int64_t at = p.offsets->committable().value_or(msg.offset);
      p.offsets->retire();
      p.offsets = std::make_shared<PartitionOffsets>();
      p.lane = &lane;
      p.lane_chosen_under = current_;
      if (at != msg.offset) {
        ++p.epoch;
        p.backing_off = true;
        p.resume_at = Clock::now();
        return pause(key, p, at);
      }
    }
    p.lane = &lane;
    p.lane_chosen_under = current_;
  }
  p.next_offset = msg.offset + 1;
  p.lane->push(LaneItem{std::move(msg), p.offsets, p.epoch});
  if (!p.lane_full && p.lane->full()) {
    // Backpressure into Kafka: what is not fetched waits as lag, not in memory.
    p.lane_full = true;
    any_lane_full_ = true;
    pause(key, p, p.next_offset);
  }
}

// Stops fetching the partition and makes the next record it returns the one at `at`.
void Router::pause(const Key& key, Partition& p, int64_t at) {
  TopicPartition tp{key.first, key.second, at};
  consumer_->pause({tp});
  if (auto r = consumer_->seek(tp); !r) spdlog::warn("router: {}", r.error().message);
  p.next_offset = at;
}

void Router::take_rewinds() {
  std::vector<LaneRewind> asked;
  {
    std::lock_guard lock(rewinds_mu_);
    asked.swap(rewinds_);
    have_rewinds_.store(false, std::memory_order_release);
  }
  for (auto& r : asked) {
    auto it = parts_.find(r.key);
    if (it == parts_.end() || it->second.offsets != r.offsets) continue;  // revoked since
    Partition& p = it->second;
    // Records dispatched before the seek carry the old epoch: the lane drops them.
    ++p.epoch;
    p.backing_off = true;
    p.resume_at = r.resume_at;
    pause(r.key, p, r.offset);
  }
}

void Router::resume_due() {
  const auto now = Clock::now();
  any_lane_full_ = false;
  for (auto& [key, p] : parts_) {
    if (!p.paused()) continue;
    if (p.backing_off && p.resume_at <= now) p.backing_off = false;
    if (p.lane_full && (!p.lane || p.lane->drained())) p.lane_full = false;
    any_lane_full_ = any_lane_full_ || p.lane_full;
    if (p.paused()) continue;
    consumer_->resume({TopicPartition{key.first, key.second, -1}});
  }
}

void Router::retire_all() {
  for (auto& [key, p] : parts_) p.offsets->retire();
  parts_.clear();
}

// librdkafka does not recover a consumer from a fatal error (a fenced static member
// stays fenced): start a new one. What was delivered but not committed comes again and
// the targets recognise it (file ledger, idempotency keys); the lanes drop what they
// still had of the old consumer's partitions and open batches are rebuilt.
void Router::replace_consumer(const std::string& why) {
  spdlog::error("router: the consumer failed for good ({}); starting a new one", why);
  retire_all();
  consumer_->close();
  consumer_ = bus_.make_consumer(this);
}

void Router::on_assigned(const std::vector<TopicPartition>& parts) {
  for (const auto& tp : parts) {
    auto it = parts_.find({tp.topic, tp.partition});
    if (it != parts_.end()) {
      it->second.offsets->retire();
      parts_.erase(it);
    }
    parts_.emplace(Key{tp.topic, tp.partition}, Partition{});
  }
  spdlog::info("router: {} partitions assigned", parts.size());
}

void Router::on_revoked(const std::vector<TopicPartition>& parts) {
  if (auto r = dlq_.flush(10s); !r) spdlog::warn("router: dead-letter writes pending at revoke: {}", r.error().message);
  commit_all(true);
  for (const auto& tp : parts) {
    auto it = parts_.find({tp.topic, tp.partition});
    if (it == parts_.end()) continue;
    // The lane drops what it still holds of the partition: its next owner reads it.
    it->second.offsets->retire();
    parts_.erase(it);
  }
  spdlog::info("router: {} partitions revoked", parts.size());
}

void Router::commit_all(bool force) {
  std::vector<TopicPartition> offsets;
  std::vector<Partition*> which;
  for (auto& [key, p] : parts_) {
    auto c = p.offsets->committable();
    if (!c || (*c == p.last_committed && !force)) continue;
    offsets.push_back({key.first, key.second, *c});
    which.push_back(&p);
  }
  if (offsets.empty()) return;
  if (auto r = consumer_->commit(offsets); !r) {
    spdlog::warn("router: commit failed: {}", r.error().message);
    return;
  }
  for (std::size_t i = 0; i < offsets.size(); ++i) which[i]->last_committed = offsets[i].offset;
}

void Router::update_lanes() {
  std::map<const DeliveryLane*, int> paused;
  for (const auto& [key, p] : parts_)
    if (p.lane_full && p.lane) ++paused[p.lane];
  for (const auto& [carrier, lane] : lanes_) {
    if (carrier.empty()) continue;  // records without a route: no system to name
    metrics_.lane_queued_bytes(carrier).set(static_cast<double>(lane->queued_bytes()));
    auto it = paused.find(lane.get());
    metrics_.lane_paused_partitions(carrier).set(it == paused.end() ? 0 : it->second);
  }
  // A target whose lane has not started yet (no record so far) has nothing queued.
  if (current_)
    for (const auto& [carrier, sink] : current_->sinks)
      if (!lanes_.contains(carrier)) {
        metrics_.lane_queued_bytes(carrier).set(0);
        metrics_.lane_paused_partitions(carrier).set(0);
      }
}

void Router::update_lag() {
  auto rt = runtime_.get();
  std::map<int, int64_t> per_route;
  for (const auto& [tp, lag] : consumer_->lag())
    if (const RouteDef* r = rt->route_for_topic(tp.topic)) per_route[r->id] += lag;
  for (const auto& [id, lag] : per_route) metrics_.lag(id).set(static_cast<double>(lag));
}

}  // namespace renkei
