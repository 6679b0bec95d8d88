#include "delivery_lane.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "dead_letter.hpp"
#include "renkei/batch.hpp"
#include "renkei/guarded_thread.hpp"
#include "renkei/hub_clock.hpp"
#include "renkei/outside_value.hpp"

namespace renkei {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kMaxBackoff = std::chrono::milliseconds(60'000);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kExpireEvery = 1s;

// A realtime record's identity for the target: its trace id when it parses (safe in a
// header and a file name), else its place on the topic (stable too: the record never moves).
std::string event_id(const BusMessage& msg) {
  if (auto t = msg.header(hdr::kTraceId))
    if (auto id = TraceId::parse(*t)) return id->str();
  return "p" + std::to_string(msg.partition) + "-o" + std::to_string(msg.offset);
}

// The headers the lane reads or copies onward: the batch id becomes a file name and an
// outbound header, source and charset name a system and an ICU converter and reach logs.
// The batch id comes first: a record whose other headers are bad can still be told to its
// batch, which is then held at once (a lost end marker would leave it open until expiry).
std::optional<OutsideValueError> check_batch_id(const BusMessage& msg) {
  if (auto id = msg.header(hdr::kBatchId); id && !id->empty())
    if (auto r = BatchId::parse(*id); !r) return r.error();
  return std::nullopt;
}

std::optional<std::string> check_other_headers(const BusMessage& msg, const Catalogue& c) {
  for (auto name : {hdr::kSource, hdr::kCharset, hdr::kSeq, hdr::kInterface, hdr::kIngestedAt})
    if (auto v = msg.header(name))
      if (auto r = safe_header_value(name, *v, 64); !r) return r.error().message();
  if (auto v = msg.header(hdr::kBatchEnd))
    if (auto r = safe_header_value(hdr::kBatchEnd, *v, 512); !r) return r.error().message();
  // Names the catalogue defines: a system and a charset one of its systems declares.
  if (auto v = msg.header(hdr::kSource); v && !c.system(std::string(*v)))
    return std::string(hdr::kSource) + " names no system of the catalogue";
  if (auto v = msg.header(hdr::kCharset)) {
    bool known = false;
    for (const auto& s : c.systems) known = known || s.charset == *v;
    if (!known) return std::string(hdr::kCharset) + " names no charset of the catalogue's systems";
  }
  return std::nullopt;
}

}  // namespace

std::size_t lane_cost(const BusMessage& msg) {
  std::size_t n = msg.key.size() + msg.value.size() + 128;
  for (const auto& [k, v] : msg.headers) n += k.size() + v.size();
  return n;
}

DeliveryLane::DeliveryLane(std::string target, int index, Deps deps, std::size_t max_bytes, unsigned in_flight)
    : target_(std::move(target)),
      index_(index),
      deps_(std::move(deps)),
      max_bytes_(std::max<std::size_t>(max_bytes, 1)),
      stage_(make_conversion_stage([m = &deps_.metrics](int route) { m->shrinks(route).inc(); })) {
  const std::string name = "renkei:lane" + std::to_string(index_);
  if (in_flight > 1)
    slots_ = std::make_unique<EventSlots>(
        name, in_flight,
        EventSlots::Deps{deps_.dlq, deps_.metrics,
                         [this](std::size_t cost) { queued_bytes_.fetch_sub(cost, std::memory_order_relaxed); }});
  worker_ = std::thread([this, name] {
    run_guarded(name.c_str(), [this] { work(); }, [this] { return stopping_.load(); });
  });
}

DeliveryLane::~DeliveryLane() { stop(); }

void DeliveryLane::push(LaneItem item) {
  // Counted before the worker can see it, so its subtraction never runs ahead of this.
  queued_bytes_.fetch_add(lane_cost(item.msg), std::memory_order_relaxed);
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(item));
    wake = std::exchange(idle_, false);
  }
  // A futex wake per record showed as a fifth of the router's and the lane's time: wake
  // only a worker that waits for work.
  if (wake) cv_.notify_one();
}

void DeliveryLane::stop() {
  if (!worker_.joinable()) return;
  stopping_ = true;
  cv_.notify_all();
  worker_.join();
  if (slots_) slots_->stop();
  std::deque<LaneItem> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
  }
  queued_bytes_ = 0;
  // Open batches are abandoned and will be rebuilt from their first offset by whoever
  // consumes next: nothing of them is committed.
  for (auto& [key, p] : parts_) abandon(p);
  parts_.clear();
}

void DeliveryLane::work() {
  auto last_expire = Clock::now();
  std::deque<LaneItem> taken;
  while (!stopping_) {
    {
      // Everything queued at once: one lock per wake-up, not one per record the router
      // is contending for.
      std::unique_lock lock(mu_);
      idle_ = true;
      cv_.wait_for(lock, 200ms, [this] { return stopping_ || !queue_.empty(); });
      idle_ = false;
      if (stopping_) return;
      taken.swap(queue_);
    }
    for (; !taken.empty() && !stopping_; taken.pop_front()) {
      item_cost_ = lane_cost(taken.front().msg);
      handed_off_ = false;
      handle(taken.front());
      if (!handed_off_) queued_bytes_.fetch_sub(item_cost_, std::memory_order_relaxed);
    }
    if (Clock::now() - last_expire >= kExpireEvery) {
      forget_retired();
      expire_batches();
      last_expire = Clock::now();
    }
  }
}

DeliveryLane::Partition& DeliveryLane::partition_for(const LaneItem& item) {
  Key key{std::string(item.msg.topic), item.msg.partition};
  auto it = parts_.find(key);
  if (it != parts_.end() && it->second.offsets == item.offsets) return it->second;
  if (it != parts_.end()) {
    abandon(it->second);  // an earlier assignment's: its open batches are read again
    parts_.erase(it);
  }
  Partition p;
  p.offsets = item.offsets;
  p.epoch = item.epoch;
  return parts_.emplace(std::move(key), std::move(p)).first->second;
}

void DeliveryLane::abandon(Partition& p) {
  for (auto& [id, o] : p.open)
    if (o.out) o.out->abort();
  p.open.clear();
  for (int64_t first : p.batches.abandon_all()) p.offsets->release(first);
}

// A partition revoked (or its consumer replaced) leaves nothing open behind.
void DeliveryLane::forget_retired() {
  for (auto it = parts_.begin(); it != parts_.end();) {
    if (!it->second.offsets->retired()) {
      ++it;
      continue;
    }
    abandon(it->second);
    it = parts_.erase(it);
  }
}

void DeliveryLane::handle(const LaneItem& item) {
  if (item.offsets->retired()) return;  // revoked: whoever owns it now reads it
  const BusMessage& msg = item.msg;
  Key key{std::string(msg.topic), msg.partition};
  Partition& p = partition_for(item);
  if (item.epoch > p.epoch) {
    p.epoch = item.epoch;
    p.discarding = false;
  }
  if (p.discarding || item.epoch < p.epoch) return;  // fetched before the seek back; it comes again

  RuntimePtr rt = deps_.runtime.get();
  current_ = rt;  // the snapshot this record is handled under, for the stage
  const RouteDef* route = rt->route_for_topic(msg.topic);
  if (!route) {
    // The route left the catalogue while records were still on its topic: keep them.
    RouteDef orphan;
    orphan.topic = std::string(msg.topic);
    dead_letter(p, msg, orphan, "bad-record", "topic " + orphan.topic + " has no route in the catalogue");
    p.offsets->processed(msg.offset);
    return;
  }
  // Any producer can write to a route topic: the headers the hub acts on are checked
  // here, once, and a record whose headers break their grammar goes to the DLQ as it is.
  if (auto bad = check_batch_id(msg)) {
    spdlog::warn("route {}: record at {}:{}:{} refused: {}", interface_label(route->id), route->topic, msg.partition,
                 msg.offset, bad->message());
    dead_letter(p, msg, *route, "bad-header", bad->message());
    p.offsets->processed(msg.offset);
    return;
  }
  const std::optional<std::string> bad = check_other_headers(msg, *rt->catalogue);
  if (bad)
    spdlog::warn("route {}: record at {}:{}:{} refused: {}", interface_label(route->id), route->topic, msg.partition,
                 msg.offset, *bad);
  auto batch_header = msg.header(hdr::kBatchId);
  if (!batch_header || batch_header->empty()) {
    // No batch at all is a realtime event; batch headers without the id are a broken batch.
    const bool event = !msg.header(hdr::kSeq) && !msg.header(hdr::kBatchEnd);
    if (event && !bad) return handle_event(p, msg, *route);
    dead_letter(p, msg, *route, "bad-header", bad ? *bad : std::string("record has no renkei-batch-id header"));
    p.offsets->processed(msg.offset);
    return;
  }
  const std::string_view id = *batch_header;  // its grammar was checked above
  const auto now = Clock::now();
  if (!p.batches.is_open(id)) {
    open_batch(key, p, msg, *route, id, bad);
    if (!p.batches.is_open(id)) return;  // backed off
  }
  const bool is_end = msg.header(hdr::kBatchEnd).has_value();
  if (!is_end)
    if (auto o = p.open.find(id); o != p.open.end()) ++o->second.records;
  if (bad) {
    // The batch cannot be delivered whole: held now, this record on the DLQ as it came
    // (unless the batch was delivered before: then it is only read past).
    auto step = p.batches.refuse(id, msg.offset, {"bad-header", *bad}, now);
    if (step.verdict == BatchAssembler::Verdict::DeadLetter) {
      if (!take_back(key, p, *route, id, step.replay, *bad, msg.offset)) return;
      dead_letter(p, msg, *route, "bad-header", *bad, id);
    }
    if (!is_end) return p.offsets->processed(msg.offset);
    return on_step(key, p, msg, *route, id, p.batches.end(id, msg.offset, std::nullopt, now), true);
  }
  auto step = is_end ? p.batches.end(id, msg.offset, msg.header(hdr::kBatchEnd), now)
                     : p.batches.record(id, msg.offset, msg.header(hdr::kSeq), now);
  on_step(key, p, msg, *route, id, step, false);
}

void DeliveryLane::open_batch(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route,
                              std::string_view id, const std::optional<std::string>& bad) {
  Partition::Open o;
  // Batch-wide headers come with the first record; the route's source system answers
  // if they are missing (or refused: a refused value is never copied on).
  const SystemDef* from = current_->catalogue->system(route.from);
  const std::string_view own_charset = from ? std::string_view(from->charset) : std::string_view();
  o.source = bad ? route.from : std::string(msg.header(hdr::kSource).value_or(route.from));
  o.charset = bad ? std::string(own_charset) : std::string(msg.header(hdr::kCharset).value_or(own_charset));
  auto how = BatchAssembler::Opening::Deliver;
  std::optional<StageError> why;
  auto sink_it = current_->sinks.find(Catalogue::target_carrier(route));
  if (sink_it == current_->sinks.end()) {
    how = BatchAssembler::Opening::Held;
    why = StageError{"bad-record", "system " + Catalogue::target_carrier(route) + " has no sink adapter"};
  } else {
    SinkBatchInfo info{route.id, std::string(id), ""};
    auto done = sink_it->second->delivered(info);
    if (!done && done.error().transient) return target_failed(key, p, done.error().detail, route, msg.offset);
    if (!done) {
      how = BatchAssembler::Opening::Held;
      why = StageError{done.error().kind, done.error().detail};
    } else if (*done) {
      how = BatchAssembler::Opening::DeliveredBefore;
    } else if (!bad) {
      auto out = sink_it->second->begin(info);
      if (!out && out.error().transient) return target_failed(key, p, out.error().detail, route, msg.offset);
      if (!out) {
        how = BatchAssembler::Opening::Held;
        why = StageError{out.error().kind, out.error().detail};
      } else {
        o.out = std::move(*out);
      }
    } else {
      how = BatchAssembler::Opening::Held;  // refused below with the record's own reason
      why = StageError{"bad-header", *bad};
    }
  }
  o.started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     hub_now().time_since_epoch()).count();
  p.batches.open(id, msg.offset, how, std::move(why), Clock::now());
  p.open.insert_or_assign(std::string(id), std::move(o));
  p.offsets->hold(msg.offset);
}

void DeliveryLane::on_step(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route,
                           std::string_view id, const BatchAssembler::Step& step, bool marker_dead_lettered) {
  using V = BatchAssembler::Verdict;
  switch (step.verdict) {
    case V::Unknown:
    case V::ReadPast:
      return p.offsets->processed(msg.offset);
    case V::Append:
      return append(key, p, msg, route, id, step.seq);
    case V::DeadLetter:
      if (!take_back(key, p, route, id, step.replay, step.held->detail, msg.offset)) return;
      dead_letter(p, msg, route, "batch-held", step.held->detail, id);
      return p.offsets->processed(msg.offset);
    case V::Commit:
      return commit(key, p, msg, route, id, step.end);
    case V::DeliveredBefore:
      spdlog::info("route {}: batch {} was delivered before; not again", interface_label(route.id), id);
      report_outcome(p, route, std::string(id), true, "", msg.offset);
      record_history(p, route, id, "delivered-before", "", nullptr, msg.offset);
      return close_batch(p, id, msg.offset);
    case V::HeldEnd: {
      if (!take_back(key, p, route, id, step.replay, step.held->detail, msg.offset)) return;
      if (!marker_dead_lettered)
        dead_letter(p, msg, route, "batch-held", "end of held batch " + std::string(id) + ": " + step.held->detail, id);
      spdlog::warn("route {}: batch {} held, not delivered ({}); its records are on {}", interface_label(route.id), id,
                   step.held->detail, route.dlq_topic());
      deps_.metrics.status().held(route.id);
      report_outcome(p, route, std::string(id), false, step.held->kind, msg.offset);
      record_history(p, route, id, "held", step.held->kind + ": " + step.held->detail, nullptr, msg.offset,
                     step.end.name);
      return close_batch(p, id, msg.offset);
    }
  }
}

void DeliveryLane::append(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route,
                          std::string_view id, uint64_t seq) {
  auto& o = p.open.at(std::string(id));
  RecordContext ctx{route, o.charset, seq, &current_->catalogue, &current_->codemaps};
  auto r = stage_->apply(ctx, msg.value);
  auto refuse = [&](const StageError& why) {
    auto replay = p.batches.hold(id, msg.offset, why);
    if (!take_back(key, p, route, id, replay, why.detail, msg.offset)) return;
    dead_letter(p, msg, route, why.kind, why.detail, id);
    p.offsets->processed(msg.offset);
  };
  if (!r) {
    deps_.metrics.conversion_errors(route.id, r.error().kind).inc();
    return refuse(r.error());
  }
  const std::string_view converted = *r ? std::string_view(**r) : msg.value;
  if (auto a = o.out->append(converted); !a) {
    if (a.error().transient) return target_failed(key, p, a.error().detail, route, msg.offset);
    return refuse({a.error().kind, a.error().detail});
  }
  p.batches.appended(id, msg.value, *r ? std::optional<std::string_view>(converted) : std::nullopt);
  o.bytes += converted.size();
  p.offsets->processed(msg.offset);
}

void DeliveryLane::commit(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route,
                          std::string_view id, const BatchEnd& end) {
  auto& o = p.open.at(std::string(id));
  if (auto c = o.out->commit(end); !c) {
    if (c.error().transient) return target_failed(key, p, c.error().detail, route, msg.offset);
    const StageError why{c.error().kind, c.error().detail};
    auto replay = p.batches.hold(id, msg.offset, why);
    auto step = p.batches.end(id, msg.offset, std::nullopt, Clock::now());
    step.replay = replay;
    return on_step(key, p, msg, route, id, step, false);
  }
  deps_.metrics.target_up(Catalogue::target_carrier(route)).set(1);
  report_outcome(p, route, std::string(id), true, "", msg.offset);
  record_history(p, route, id, "delivered", "", &end, msg.offset);
  deps_.metrics.delivered(route.id, route.to).inc(static_cast<double>(end.count));
  deps_.metrics.status().delivered(route.id);
  if (auto age = seconds_since_ingest(msg)) deps_.metrics.latency(route.id).observe(*age);
  spdlog::info("route {}: batch {} delivered to {} ({} records)", interface_label(route.id), id,
               Catalogue::target_carrier(route), end.count);
  p.backoff = std::chrono::milliseconds(0);
  close_batch(p, id, msg.offset);
}

void DeliveryLane::close_batch(Partition& p, std::string_view id, int64_t at) {
  if (auto it = p.open.find(id); it != p.open.end()) p.open.erase(it);
  if (auto first = p.batches.close(id)) p.offsets->release(*first);
  p.offsets->processed(at);
}

bool DeliveryLane::take_back(const Key& key, Partition& p, const RouteDef& route, std::string_view id,
                             const std::optional<BatchAssembler::Replay>& replay, const std::string& detail,
                             int64_t resume_at) {
  if (!replay) return true;
  if (auto it = p.open.find(id); it != p.open.end() && it->second.out) {
    it->second.out->abort();
    it->second.out.reset();
  }
  return dead_letter_from_topic(key, p, route, id, replay->from, replay->to, "batch-held", detail, resume_at);
}

void DeliveryLane::handle_event(Partition& p, const BusMessage& msg, const RouteDef& route) {
  auto sink_it = current_->sinks.find(Catalogue::target_carrier(route));
  if (sink_it == current_->sinks.end()) {
    dead_letter(p, msg, route, "bad-record", "system " + Catalogue::target_carrier(route) + " has no sink adapter");
    return p.offsets->processed(msg.offset);
  }
  const SystemDef* from = current_->catalogue->system(route.from);
  const std::string_view charset =
      msg.header(hdr::kCharset).value_or(from ? std::string_view(from->charset) : std::string_view());
  // seq 0: an event is never a csv header line.
  RecordContext ctx{route, charset, 0, &current_->catalogue, &current_->codemaps};
  auto r = stage_->apply(ctx, msg.value);
  if (!r) {
    deps_.metrics.conversion_errors(route.id, r.error().kind).inc();
    spdlog::warn("route {}: event not converted ({}); it is on {}", interface_label(route.id), r.error().detail,
                 route.dlq_topic());
    dead_letter(p, msg, route, r.error().kind, r.error().detail);
    return p.offsets->processed(msg.offset);
  }
  EventJob job{msg, p.offsets, current_, &route, sink_it->second.get(), SinkEvent{route.id, event_id(msg), std::string(msg.key)},
               *r ? std::optional<std::string>(std::move(**r)) : std::nullopt, item_cost_};
  if (!slots_) {
    // One at a time, here: the lane stays full while it is retried, so its partitions stay
    // paused (a sink that does not say it is thread-safe sees one call at a time).
    p.offsets->hold(msg.offset);
    p.offsets->processed(msg.offset);
    deliver_event_job(job, deps_.dlq, deps_.metrics, [this](std::chrono::milliseconds d) { return pause_for(d); });
    return;
  }
  slots_->push(std::move(job));       // holds the offset until the target took the event
  p.offsets->processed(msg.offset);  // only after the hold: a commit never passes it
  handed_off_ = true;                 // its cost leaves the lane's bound when its slot is done
}

bool DeliveryLane::pause_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

bool DeliveryLane::dead_letter_from_topic(const Key& key, Partition& p, const RouteDef& route, std::string_view id,
                                          int64_t from, int64_t to, const std::string& reason,
                                          const std::string& detail, int64_t resume_at) {
  if (!scanner_) scanner_ = deps_.bus.make_reader("renkei-router-scan");
  const std::string batch_id(id);
  auto scanned = scanner_->scan(
      key.first, key.second, from, to,
      [&, expect = uint64_t{1}](const BusMessage& earlier) mutable {
        // Each sequence number once: a source that re-sent after a crash left copies.
        if (earlier.header(hdr::kBatchId) != std::optional<std::string_view>(batch_id)) return;
        if (BatchAssembler::parse_seq(earlier.header(hdr::kSeq)) != std::optional<uint64_t>(expect)) return;
        ++expect;
        dead_letter(p, earlier, route, reason, detail, batch_id);
      },
      std::chrono::seconds(60));
  if (!scanned) {
    back_off(key, p, scanned.error().message, route.id, resume_at);
    return false;
  }
  return true;
}

void DeliveryLane::dead_letter(Partition& p, const BusMessage& msg, const RouteDef& route, const std::string& reason,
                               const std::string& detail, std::string_view batch_id) {
  DeadLetter why{reason, detail, {}, {}};
  if (!batch_id.empty())
    if (auto it = p.open.find(batch_id); it != p.open.end()) {
      why.source = it->second.source;
      why.charset = it->second.charset;
    }
  write_dead_letter(deps_.dlq, deps_.metrics, p.offsets, msg, route, why);
}

void DeliveryLane::target_failed(const Key& key, Partition& p, const std::string& why, const RouteDef& route,
                                 int64_t at_offset) {
  // The bus failing (a re-read of the topic) is not the target's fault: only these count.
  deps_.metrics.target_up(Catalogue::target_carrier(route)).set(0);
  back_off(key, p, why, route.id, at_offset);
}

void DeliveryLane::back_off(const Key& key, Partition& p, const std::string& why, int route_id, int64_t at_offset) {
  int64_t rewind = at_offset;
  for (const auto& [id, o] : p.open)
    if (o.out) o.out->abort();
  p.open.clear();
  for (int64_t first : p.batches.abandon_all()) {
    rewind = std::min(rewind, first);
    p.offsets->release(first);
  }
  p.offsets->rewind(rewind);
  // The target's own caps where its adapter declares them (http: backoff_*_ms).
  RetryPolicy policy{kFirstBackoff, kMaxBackoff};
  if (const RouteDef* route = current_ ? current_->catalogue->route(route_id) : nullptr)
    if (auto it = current_->sinks.find(Catalogue::target_carrier(*route)); it != current_->sinks.end())
      policy = it->second->retry_policy();
  p.backoff = std::clamp(p.backoff * 2, policy.first, policy.max);
  p.discarding = true;
  deps_.rewind(LaneRewind{key, rewind, Clock::now() + p.backoff, p.offsets});
  deps_.metrics.retries(route_id).inc();
  deps_.metrics.status().backing_off(route_id, p.backoff);
  spdlog::warn("route {}: delivery failed ({}); retrying from offset {} in {} ms", interface_label(route_id), why,
               rewind, p.backoff.count());
}

void DeliveryLane::expire_batches() {
  RuntimePtr rt = deps_.runtime.get();
  const auto timeout = rt->catalogue->hub.bus.batch_timeout;
  const auto now = Clock::now();
  for (auto& [key, p] : parts_) {
    if (p.discarding) continue;
    const RouteDef* found = rt->route_for_topic(key.first);
    RouteDef orphan;
    if (!found) orphan.topic = key.first;
    const RouteDef& route = found ? *found : orphan;
    current_ = rt;
    auto expired = p.batches.expire(now, timeout);
    for (std::size_t i = 0; i < expired.size(); ++i) {
      const auto& e = expired[i];
      if (auto it = p.open.find(e.id); it != p.open.end() && it->second.out) {
        it->second.out->abort();
        it->second.out.reset();
      }
      if (e.delivered_before) {
        spdlog::warn("route {}: batch {} (delivered before) ended without its end marker; dropped after {} s",
                     interface_label(route.id), e.id, e.silent.count());
      } else {
        if (!e.held) {
          // Records of a held batch went to the DLQ as they came; the others are read
          // again from the topic (original bytes), each sequence number once.
          const std::string why = "batch " + e.id + " had no end marker after " + std::to_string(e.silent.count()) +
                                  " s (bus.batch_timeout_ms)";
          if (!dead_letter_from_topic(key, p, route, e.id, e.first_offset, e.last_offset + 1, "batch-incomplete",
                                      why, e.first_offset)) {
            // Backed off: every batch of the partition is read again, these too.
            for (std::size_t j = i; j < expired.size(); ++j) p.offsets->release(expired[j].first_offset);
            break;
          }
        }
        spdlog::warn("route {}: batch {} ended without its end marker ({} s silent); not delivered, its records are on {}",
                     interface_label(route.id), e.id, e.silent.count(), route.dlq_topic());
        if (route.id > 0) deps_.metrics.status().held(route.id);
        report_outcome(p, route, e.id, false, e.held ? e.held->kind : "batch-incomplete", e.first_offset);
        record_history(p, route, e.id, "held",
                       e.held ? e.held->kind + ": " + e.held->detail
                              : "batch-incomplete: no end marker after " + std::to_string(e.silent.count()) + " s",
                       nullptr, e.first_offset);
      }
      if (auto it = p.open.find(e.id); it != p.open.end()) p.open.erase(it);
      p.offsets->release(e.first_offset);
    }
  }
}

void DeliveryLane::report_outcome(Partition& p, const RouteDef& route, const std::string& batch_id, bool delivered,
                                  const std::string& reason, int64_t hold_at) {
  // Only a route whose data moves inside runs has a run that waits for the answer.
  if (!deps_.report || route.id <= 0 || !current_ || !collected_by_runs(route, current_->catalogue->hub)) return;
  auto offsets = p.offsets;
  offsets->hold(hold_at);
  BatchOutcome o{delivered, reason, hub_now_seconds().time_since_epoch().count()};
  deps_.report(route.id, batch_id, o, [offsets, hold_at, id = route.id](const std::optional<BusError>& err) {
    if (err) {
      // Keep the hold: a restart reads the batch again and settles it once more.
      spdlog::error("route {}: outcome of a batch not recorded: {}", interface_label(id), err->message);
      return;
    }
    offsets->release(hold_at);
  });
}

void DeliveryLane::record_history(Partition& p, const RouteDef& route, std::string_view batch_id,
                                  std::string_view outcome, std::string reason, const BatchEnd* end, int64_t hold_at,
                                  std::string_view held_file) {
  if (!deps_.history || route.id <= 0) return;
  HistoryEntry e;
  e.kind = HistoryKind::Batch;
  e.interface = route.id;
  e.batch_id = std::string(batch_id);
  e.outcome = std::string(outcome);
  e.reason = std::move(reason);
  e.finished_ms = std::chrono::duration_cast<std::chrono::milliseconds>(hub_now().time_since_epoch()).count();
  if (auto it = p.open.find(batch_id); it != p.open.end()) {
    e.started_ms = it->second.started_ms;
    e.records = it->second.records;
    e.bytes = it->second.bytes;
  }
  if (end) {
    // The marker was checked (SpoolName, count, checksum) before the commit.
    e.file = end->name;
    e.records = end->count;
    e.sha256 = end->sha256;
    // Records are joined by '\n'; the file's own last newline is kept or not as it came.
    if (end->count > 0) e.bytes += end->count - 1 + (end->final_newline ? 1 : 0);
  } else {
    e.file = std::string(held_file);
  }
  if (!e.started_ms) e.started_ms = e.finished_ms;
  auto offsets = p.offsets;
  offsets->hold(hold_at);
  deps_.history(e, [offsets, hold_at, id = route.id](const std::optional<BusError>& err) {
    if (err) {
      // Kept held: a restart reads the batch again and writes its entry then.
      spdlog::error("route {}: 転送履歴 entry of a batch not written: {}", interface_label(id), err->message);
      return;
    }
    offsets->release(hold_at);
  });
}

}  // namespace renkei
