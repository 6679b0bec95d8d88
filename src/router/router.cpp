#include "router.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <ctime>
#include <thread>

#include "renkei/batch.hpp"
#include "renkei/hub_clock.hpp"
#include "renkei/outside_value.hpp"

namespace renkei {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kCommitEvery = 1s;
constexpr auto kMaxBackoff = std::chrono::milliseconds(60'000);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);

std::optional<uint64_t> parse_u64(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc{} || p != s->data() + s->size()) return std::nullopt;
  return v;
}

// "2026-11-25T09:46:30.123Z" → seconds since the epoch.
std::optional<double> parse_timestamp(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  std::tm tm{};
  int ms = 0;
  std::string text(*s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + ms / 1000.0;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A realtime record's identity for the target: its trace id when it parses (safe in a
// header and a file name), else its place on the topic (stable too: the record never moves).
std::string event_id(const BusMessage& msg) {
  if (auto t = msg.header(hdr::kTraceId))
    if (auto id = TraceId::parse(*t)) return id->str();
  return "p" + std::to_string(msg.partition) + "-o" + std::to_string(msg.offset);
}

// The headers the router reads or copies onward: the batch id becomes a file name and an
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

std::vector<std::string> topics_of(const Runtime& rt) {
  std::vector<std::string> out;
  for (const auto& r : rt.catalogue->routes) out.push_back(r.topic);
  return out;
}

}  // namespace

Router::Router(Bus& bus, Producer& dlq_producer, const RuntimeHolder& runtime, HubMetrics& metrics,
               BatchOutcomeReport report)
    : bus_(bus), dlq_(dlq_producer), runtime_(runtime), metrics_(metrics), report_(std::move(report)), stage_(make_conversion_stage([this](int route) { metrics_.shrinks(route).inc(); })) {
  consumer_ = bus_.make_consumer(this);
}

Router::~Router() = default;

void Router::run() {
  RuntimePtr subscribed;
  auto last_commit = Clock::now();
  while (!stopping_) {
    // A reload may add or remove routes: follow the catalogue's topics.
    if (auto rt = runtime_.get(); rt != subscribed) {
      auto topics = topics_of(*rt);
      if (!subscribed || topics != topics_of(*subscribed)) {
        if (auto r = consumer_->subscribe(topics); !r) spdlog::error("router: {}", r.error().message);
        else spdlog::info("router: consuming {} route topics", topics.size());
      }
      subscribed = rt;
    }
    auto m = consumer_->poll(100ms);
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
    if (*m) handle(**m);
    // Reading the clock for every record shows in profiles: look every 256th or when idle.
    if (*m && (++since_clock_ & 0xff) != 0) continue;
    resume_due();
    if (Clock::now() - last_commit >= kCommitEvery) {
      expire_batches();
      commit_all(false);
      update_lag();
      last_commit = Clock::now();
    }
  }
  // Drain: every DLQ write finishes, what is durable is committed; open batches are
  // abandoned and will be rebuilt from their first offset by whoever consumes next.
  if (auto r = dlq_.flush(10s); !r) spdlog::warn("router: dead-letter writes still pending at stop: {}", r.error().message);
  commit_all(true);
  for (auto& [key, p] : parts_)
    for (auto& [id, b] : p.batches)
      if (b.out) b.out->abort();
  parts_.clear();
  consumer_->close();
}

// librdkafka does not recover a consumer from a fatal error (a fenced static member
// stays fenced): start a new one. What was delivered but not committed comes again and
// the targets recognise it (file ledger, idempotency keys); open batches are rebuilt.
void Router::replace_consumer(const std::string& why) {
  spdlog::error("router: the consumer failed for good ({}); starting a new one", why);
  for (auto& [key, p] : parts_)
    for (auto& [id, b] : p.batches)
      if (b.out) b.out->abort();
  parts_.clear();
  recount_paused();
  consumer_->close();
  consumer_ = bus_.make_consumer(this);
}

void Router::on_assigned(const std::vector<TopicPartition>& parts) {
  for (const auto& tp : parts) parts_[{tp.topic, tp.partition}] = Partition{};
  recount_paused();
  spdlog::info("router: {} partitions assigned", parts.size());
}

void Router::on_revoked(const std::vector<TopicPartition>& parts) {
  if (auto r = dlq_.flush(10s); !r) spdlog::warn("router: dead-letter writes pending at revoke: {}", r.error().message);
  commit_all(true);
  for (const auto& tp : parts) {
    auto it = parts_.find({tp.topic, tp.partition});
    if (it == parts_.end()) continue;
    for (auto& [id, b] : it->second.batches)
      if (b.out) b.out->abort();
    parts_.erase(it);
  }
  recount_paused();
  spdlog::info("router: {} partitions revoked", parts.size());
}

void Router::handle(const BusMessage& msg) {
  Key key{std::string(msg.topic), msg.partition};
  auto pit = parts_.find(key);
  if (pit == parts_.end()) pit = parts_.emplace(key, Partition{}).first;
  Partition& p = pit->second;
  if (p.paused) return;  // fetched before the seek back; it will come again

  RuntimePtr rt = runtime_.get();
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
    if (event && !bad) return handle_event(key, p, msg, *route);
    dead_letter(p, msg, *route, "bad-header", bad ? *bad : std::string("record has no renkei-batch-id header"));
    p.offsets->processed(msg.offset);
    return;
  }
  const std::string_view batch_id = *batch_header;  // its grammar was checked above

  auto it = p.batches.find(batch_id);
  if (it == p.batches.end()) {
    OpenBatch b;
    b.batch_id = std::string(batch_id);
    b.first_offset = msg.offset;
    // Batch-wide headers come with the first record; the route's source system answers
    // if they are missing (or refused: a refused value is never copied on).
    const SystemDef* from = rt->catalogue->system(route->from);
    const std::string_view own_charset = from ? std::string_view(from->charset) : std::string_view();
    b.source = bad ? route->from : std::string(msg.header(hdr::kSource).value_or(route->from));
    b.charset = bad ? std::string(own_charset) : std::string(msg.header(hdr::kCharset).value_or(own_charset));
    auto sink_it = rt->sinks.find(Catalogue::target_carrier(*route));
    if (sink_it == rt->sinks.end()) {
      b.held = StageError{"bad-record", "system " + Catalogue::target_carrier(*route) + " has no sink adapter"};
    } else {
      SinkBatchInfo info{route->id, b.batch_id, ""};
      auto done = sink_it->second->delivered(info);
      if (!done && done.error().transient) return back_off(key, p, done.error().detail, route->id, msg.offset);
      if (!done) {
        b.held = StageError{done.error().kind, done.error().detail};
      } else if (*done) {
        b.skip = true;
      } else if (!bad) {
        auto out = sink_it->second->begin(info);
        if (!out && out.error().transient) return back_off(key, p, out.error().detail, route->id, msg.offset);
        if (!out) b.held = StageError{out.error().kind, out.error().detail};
        else b.out = std::move(*out);
      }
    }
    p.offsets->hold(b.first_offset);
    it = p.batches.emplace(b.batch_id, std::move(b)).first;
  }
  if (bad) {
    // The batch cannot be delivered whole: held now, this record on the DLQ as it came.
    OpenBatch& b = it->second;
    b.last_seen = Clock::now();
    b.last_offset = msg.offset;
    if (!b.skip) {
      if (!hold_batch(key, p, msg, *route, b, {"bad-header", *bad})) return;
      dead_letter(p, msg, *route, "bad-header", *bad, &b);
    }
    if (msg.header(hdr::kBatchEnd)) return finish_batch(key, p, msg, *route, b, true);
    return p.offsets->processed(msg.offset);
  }
  OpenBatch& b = it->second;
  b.last_seen = Clock::now();
  b.last_offset = msg.offset;
  if (msg.header(hdr::kBatchEnd)) finish_batch(key, p, msg, *route, b);
  else handle_batch_record(key, p, msg, *route, b);
}

void Router::handle_event(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route) {
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
    metrics_.conversion_errors(route.id, r.error().kind).inc();
    spdlog::warn("route {}: event not converted ({}); it is on {}", interface_label(route.id), r.error().detail,
                 route.dlq_topic());
    dead_letter(p, msg, route, r.error().kind, r.error().detail);
    return p.offsets->processed(msg.offset);
  }
  const std::string_view converted = *r ? std::string_view(**r) : msg.value;
  auto d = sink_it->second->deliver_event(SinkEvent{route.id, event_id(msg), std::string(msg.key)}, converted);
  if (!d && d.error().transient) return back_off(key, p, d.error().detail, route.id, msg.offset);
  if (!d) {
    spdlog::warn("route {}: event refused by {} ({}); it is on {}", interface_label(route.id), Catalogue::target_carrier(route),
                 d.error().detail, route.dlq_topic());
    dead_letter(p, msg, route, d.error().kind, d.error().detail);
    return p.offsets->processed(msg.offset);
  }
  // The offset becomes committable only now, after the target took the record.
  metrics_.delivered(route.id, route.to).inc();
  metrics_.status().delivered(route.id);
  if (auto at = parse_timestamp(msg.header(hdr::kIngestedAt)))
    metrics_.latency(route.id).observe(std::max(0.0, now_seconds() - *at));
  p.backoff = std::chrono::milliseconds(0);
  p.offsets->processed(msg.offset);
}

void Router::handle_batch_record(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route,
                                 OpenBatch& b) {
  if (b.skip) return p.offsets->processed(msg.offset);
  auto seq = parse_u64(msg.header(hdr::kSeq));
  if (!seq) {
    if (!hold_batch(key, p, msg, route, b, {"bad-header", "record has no valid renkei-seq header"})) return;
  } else if (*seq < b.next_seq) {
    return p.offsets->processed(msg.offset);  // a source re-read its file after a crash
  } else if (*seq > b.next_seq) {
    if (!hold_batch(key, p, msg, route, b,
                    {"bad-record", "sequence gap: expected record " + std::to_string(b.next_seq) + ", got " +
                                       std::to_string(*seq)}))
      return;
  }
  if (seq) b.next_seq = *seq + 1;
  if (b.held) {
    dead_letter(p, msg, route, "batch-held", b.held->detail, &b);
    return p.offsets->processed(msg.offset);
  }
  RecordContext ctx{route, b.charset, *seq, &current_->catalogue, &current_->codemaps};
  auto r = stage_->apply(ctx, msg.value);
  if (!r) {
    metrics_.conversion_errors(route.id, r.error().kind).inc();
    if (!hold_batch(key, p, msg, route, b, r.error())) return;
    dead_letter(p, msg, route, r.error().kind, r.error().detail, &b);
    return p.offsets->processed(msg.offset);
  }
  const std::string_view converted = *r ? std::string_view(**r) : msg.value;
  if (auto a = b.out->append(converted); !a) {
    if (a.error().transient) return back_off(key, p, a.error().detail, route.id, msg.offset);
    if (!hold_batch(key, p, msg, route, b, {a.error().kind, a.error().detail})) return;
    dead_letter(p, msg, route, a.error().kind, a.error().detail, &b);
    return p.offsets->processed(msg.offset);
  }
  if (*r && !b.output_sum) b.output_sum = b.source_sum.copy();
  if (b.count++ > 0) {
    b.source_sum.update("\n");
    if (b.output_sum) b.output_sum->update("\n");
  }
  b.source_sum.update(msg.value);
  if (b.output_sum) b.output_sum->update(converted);
  p.offsets->processed(msg.offset);
}

void Router::finish_batch(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, OpenBatch& b,
                          bool marker_dead_lettered) {
  const std::string id = b.batch_id;
  auto close = [&] {
    p.offsets->release(b.first_offset);
    p.offsets->processed(msg.offset);
    p.batches.erase(id);
  };
  if (b.skip) {
    spdlog::info("route {}: batch {} was delivered before; not again", interface_label(route.id), id);
    report_outcome(p, route, id, true, "", msg.offset);
    return close();
  }
  auto end = BatchEnd::parse(*msg.header(hdr::kBatchEnd));
  if (!end && !hold_batch(key, p, msg, route, b, {"bad-header", "unreadable renkei-batch-end header"})) return;
  // The source's file name becomes part of the delivered file's name.
  if (end) {
    if (auto name = SpoolName::parse(end->name); !name) {
      end.reset();
      if (!hold_batch(key, p, msg, route, b, {"bad-name", "renkei-batch-end: " + name.error().message()})) return;
    }
  }
  std::string source_hex;
  if (!b.held && end) {
    if (end->final_newline) {
      b.source_sum.update("\n");
      if (b.output_sum) b.output_sum->update("\n");
    }
    source_hex = b.source_sum.hex();
    if (end->count != b.count || end->sha256 != source_hex) {
      const std::string why = "batch " + id + " does not match its end marker: " + std::to_string(b.count) +
                              " records, expected " + std::to_string(end->count) +
                              (end->count == b.count ? ", checksum of the source bytes differs" : "");
      if (!hold_batch(key, p, msg, route, b, {"bad-record", why})) return;
    }
  }
  if (!b.held) {
    BatchEnd written = *end;
    written.sha256 = b.output_sum ? b.output_sum->hex() : source_hex;
    auto c = b.out->commit(written);
    if (!c && c.error().transient) return back_off(key, p, c.error().detail, route.id, msg.offset);
    if (!c && !hold_batch(key, p, msg, route, b, {c.error().kind, c.error().detail})) return;
  }
  if (b.held) {
    if (!marker_dead_lettered)
      dead_letter(p, msg, route, "batch-held", "end of held batch " + id + ": " + b.held->detail, &b);
    spdlog::warn("route {}: batch {} held, not delivered ({}); its records are on {}", interface_label(route.id), id,
                 b.held->detail, route.dlq_topic());
    metrics_.status().held(route.id);
    report_outcome(p, route, id, false, b.held->kind, msg.offset);
    return close();
  }
  report_outcome(p, route, id, true, "", msg.offset);
  metrics_.delivered(route.id, route.to).inc(static_cast<double>(end->count));
  metrics_.status().delivered(route.id);
  if (auto at = parse_timestamp(msg.header(hdr::kIngestedAt)))
    metrics_.latency(route.id).observe(std::max(0.0, now_seconds() - *at));
  spdlog::info("route {}: batch {} delivered to {} ({} records)", interface_label(route.id), id,
               Catalogue::target_carrier(route), end->count);
  p.backoff = std::chrono::milliseconds(0);
  close();
}

bool Router::hold_batch(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, OpenBatch& b,
                        const StageError& why) {
  if (b.held) return true;
  if (b.out) {
    // Records already appended go to the DLQ too, with their original bytes (the sink
    // only has converted ones): the batch is kept whole, never half.
    b.out->abort();
    b.out.reset();
    if (!dead_letter_from_topic(key, p, route, b, b.first_offset, msg.offset, "batch-held", why.detail, msg.offset))
      return false;
  }
  b.held = why;
  return true;
}

bool Router::dead_letter_from_topic(const Key& key, Partition& p, const RouteDef& route, OpenBatch& b, int64_t from,
                                    int64_t to, const std::string& reason, const std::string& detail,
                                    int64_t resume_at) {
  if (!scanner_) scanner_ = bus_.make_reader("renkei-router-scan");
  auto scanned = scanner_->scan(
      key.first, key.second, from, to,
      [&, expect = uint64_t{1}](const BusMessage& earlier) mutable {
        // Each sequence number once: a source that re-sent after a crash left copies.
        if (earlier.header(hdr::kBatchId) != std::optional<std::string_view>(b.batch_id)) return;
        if (parse_u64(earlier.header(hdr::kSeq)) != std::optional<uint64_t>(expect)) return;
        ++expect;
        dead_letter(p, earlier, route, reason, detail, &b);
      },
      std::chrono::seconds(60));
  if (!scanned) {
    back_off(key, p, scanned.error().message, route.id, resume_at);
    return false;
  }
  return true;
}

void Router::dead_letter(Partition& p, const BusMessage& msg, const RouteDef& route, const std::string& reason,
                         const std::string& detail, const OpenBatch* batch) {
  OutMessage out;
  out.topic = route.dlq_topic();
  out.key = std::string(msg.key);
  out.value = std::string(msg.value);
  for (const auto& [k, v] : msg.headers) out.headers.push_back({std::string(k), std::string(v)});
  // Each dead letter stands alone: batch-wide headers are added where the record lacks them.
  auto ensure = [&](std::string_view name, const std::string& value) {
    if (!value.empty() && !msg.header(name)) out.headers.push_back({std::string(name), value});
  };
  if (route.id > 0) ensure(hdr::kInterface, interface_label(route.id));
  if (batch) {
    ensure(hdr::kSource, batch->source);
    ensure(hdr::kCharset, batch->charset);
  }
  out.headers.push_back({std::string(hdr::kDlqReason), reason});
  out.headers.push_back({std::string(hdr::kDlqDetail), detail});
  out.headers.push_back({std::string(hdr::kDlqOrigin),
                         std::string(msg.topic) + ":" + std::to_string(msg.partition) + ":" + std::to_string(msg.offset)});
  auto offsets = p.offsets;
  const int64_t held_at = msg.offset;
  offsets->hold(held_at);
  Counter* counter = route.id > 0 ? &metrics_.dead_lettered(route.id, reason) : nullptr;
  auto topic = out.topic;
  auto r = dlq_.produce(std::move(out), [offsets, held_at, counter, topic](const std::optional<BusError>& err) {
    if (err) {
      // Keep the hold: the offset is never committed, a restart processes it again.
      spdlog::error("dead-letter write to {} failed: {}", topic, err->message);
      return;
    }
    if (counter) counter->inc();
    offsets->release(held_at);
  });
  if (!r) spdlog::error("dead-letter write to {} refused: {}", topic, r.error().message);
}

void Router::back_off(const Key& key, Partition& p, const std::string& why, int route_id, int64_t at_offset) {
  int64_t rewind = at_offset;
  for (auto& [id, b] : p.batches) {
    rewind = std::min(rewind, b.first_offset);
    if (b.out) b.out->abort();
    p.offsets->release(b.first_offset);
  }
  p.batches.clear();
  p.offsets->rewind(rewind);
  // The target's own caps where its adapter declares them (http: backoff_*_ms).
  RetryPolicy policy{kFirstBackoff, kMaxBackoff};
  if (const RouteDef* route = current_ ? current_->catalogue->route(route_id) : nullptr)
    if (auto it = current_->sinks.find(Catalogue::target_carrier(*route)); it != current_->sinks.end())
      policy = it->second->retry_policy();
  p.backoff = std::clamp(p.backoff * 2, policy.first, policy.max);
  p.resume_at = Clock::now() + p.backoff;
  if (!p.paused) ++paused_;
  p.paused = true;
  TopicPartition tp{key.first, key.second, rewind};
  consumer_->pause({tp});
  if (auto r = consumer_->seek(tp); !r) spdlog::warn("router: {}", r.error().message);
  metrics_.retries(route_id).inc();
  metrics_.status().backing_off(route_id, p.backoff);
  spdlog::warn("route {}: delivery failed ({}); retrying from offset {} in {} ms", interface_label(route_id), why,
               rewind, p.backoff.count());
}

void Router::expire_batches() {
  RuntimePtr rt = runtime_.get();
  const auto timeout = rt->catalogue->hub.bus.batch_timeout;
  const auto now = Clock::now();
  for (auto& [key, p] : parts_) {
    if (p.paused) continue;
    for (auto it = p.batches.begin(); it != p.batches.end();) {
      OpenBatch& b = it->second;
      if (now - b.last_seen < timeout) {
        ++it;
        continue;
      }
      const RouteDef* route = rt->route_for_topic(key.first);
      RouteDef orphan;
      if (!route) orphan.topic = key.first;
      current_ = rt;
      if (!expire(key, p, b, route ? *route : orphan)) break;  // backed off: p.batches is empty
      p.offsets->release(b.first_offset);
      it = p.batches.erase(it);
    }
  }
}

bool Router::expire(const Key& key, Partition& p, OpenBatch& b, const RouteDef& route) {
  const auto silent = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - b.last_seen).count();
  if (b.out) {
    b.out->abort();
    b.out.reset();
  }
  if (b.skip) {
    spdlog::warn("route {}: batch {} (delivered before) ended without its end marker; dropped after {} s",
                 interface_label(route.id), b.batch_id, silent);
    return true;
  }
  if (!b.held) {
    // Records of a held batch went to the DLQ as they came; the others are read again
    // from the topic (original bytes), each sequence number once.
    const std::string why = "batch " + b.batch_id + " had no end marker after " + std::to_string(silent) +
                            " s (bus.batch_timeout_ms)";
    if (!dead_letter_from_topic(key, p, route, b, b.first_offset, b.last_offset + 1, "batch-incomplete", why,
                                b.first_offset))
      return false;
  }
  spdlog::warn("route {}: batch {} ended without its end marker ({} s silent); not delivered, its records are on {}",
               interface_label(route.id), b.batch_id, silent, route.dlq_topic());
  if (route.id > 0) metrics_.status().held(route.id);
  report_outcome(p, route, b.batch_id, false, b.held ? b.held->kind : "batch-incomplete", b.first_offset);
  return true;
}

void Router::report_outcome(Partition& p, const RouteDef& route, const std::string& batch_id, bool delivered,
                            const std::string& reason, int64_t hold_at) {
  // Only a route whose data moves inside runs has a run that waits for the answer.
  if (!report_ || route.id <= 0 || !current_ || !collected_by_runs(route, current_->catalogue->hub)) return;
  auto offsets = p.offsets;
  offsets->hold(hold_at);
  BatchOutcome o{delivered, reason, hub_now_seconds().time_since_epoch().count()};
  report_(route.id, batch_id, o, [offsets, hold_at, id = route.id](const std::optional<BusError>& err) {
    if (err) {
      // Keep the hold: a restart reads the batch again and settles it once more.
      spdlog::error("route {}: outcome of a batch not recorded: {}", interface_label(id), err->message);
      return;
    }
    offsets->release(hold_at);
  });
}

void Router::recount_paused() {
  paused_ = 0;
  for (const auto& [key, p] : parts_) paused_ += p.paused ? 1 : 0;
}

void Router::resume_due() {
  if (paused_ == 0) return;
  auto now = Clock::now();
  for (auto& [key, p] : parts_) {
    if (!p.paused || p.resume_at > now) continue;
    p.paused = false;
    --paused_;
    consumer_->resume({TopicPartition{key.first, key.second, -1}});
  }
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

void Router::update_lag() {
  auto rt = runtime_.get();
  std::map<int, int64_t> per_route;
  for (const auto& [tp, lag] : consumer_->lag())
    if (const RouteDef* r = rt->route_for_topic(tp.topic)) per_route[r->id] += lag;
  for (const auto& [id, lag] : per_route) metrics_.lag(id).set(static_cast<double>(lag));
}

}  // namespace renkei
