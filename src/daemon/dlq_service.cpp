#include "dlq_service.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>

#include "renkei/batch.hpp"
#include "renkei/outside_value.hpp"

#include <algorithm>

namespace renkei {

using namespace std::chrono_literals;

DlqService::DlqService(Bus& bus, Producer& producer, const RuntimeHolder& runtime, std::string group)
    : bus_(bus), producer_(producer), runtime_(runtime), group_(std::move(group)) {}

namespace {

std::string header_or(const BusMessage& m, std::string_view name) {
  return std::string(m.header(name).value_or(""));
}

}  // namespace

std::expected<nlohmann::json, DlqService::PageError> DlqService::page(int id, int partition,
                                                                       std::optional<int64_t> from_offset,
                                                                       std::size_t limit, bool all) {
  RuntimePtr rt = runtime_.get();
  const RouteDef* route = rt->catalogue->route(id);
  if (!route) return std::unexpected(PageError{404, "no route " + std::to_string(id)});
  const int partitions = rt->catalogue->hub.bus.partitions;
  if (partition < 0 || partition >= partitions)
    return std::unexpected(PageError{400, "partition must be 0.." + std::to_string(partitions - 1)});
  limit = std::clamp<std::size_t>(limit, 1, kMaxPage);
  const std::string topic = route->dlq_topic();
  auto reader = bus_.make_reader(group_);
  auto end = reader->end_offset(topic, partition, 8s);
  if (!end) return std::unexpected(PageError{503, end.error().message});
  // Where a partition's listing starts when the client names no offset.
  auto first_of = [&](int p) -> std::expected<int64_t, PageError> {
    if (all) return 0;
    auto c = reader->committed(topic, p, 8s);
    if (!c) return std::unexpected(PageError{503, c.error().message});
    return std::max<int64_t>(*c, 0);
  };
  int64_t from = 0;
  if (from_offset) {
    from = std::max<int64_t>(*from_offset, 0);
  } else {
    auto f = first_of(partition);
    if (!f) return std::unexpected(f.error());
    from = *f;
  }
  // Offsets on a dead-letter topic are dense (no compaction, no transactions), so
  // [from, from + limit) holds at most `limit` entries.
  const int64_t to = std::min<int64_t>(*end, from + static_cast<int64_t>(limit));
  auto entries = nlohmann::json::array();
  if (from < to) {
    auto s = reader->scan_while(topic, partition, from, to, [&](const BusMessage& m) {
      entries.push_back({{"partition", m.partition},
                         {"offset", m.offset},
                         {"reason", escape_for_log(header_or(m, hdr::kDlqReason))},
                         {"detail", escape_for_log(header_or(m, hdr::kDlqDetail))},
                         {"origin", escape_for_log(header_or(m, hdr::kDlqOrigin))},
                         {"batch_id", escape_for_log(header_or(m, hdr::kBatchId))},
                         {"seq", escape_for_log(header_or(m, hdr::kSeq))},
                         {"batch_end", m.header(hdr::kBatchEnd).has_value()},
                         {"bytes", m.value.size()}});
      return entries.size() < limit;
    }, 8s);
    if (!s) return std::unexpected(PageError{503, s.error().message});
  }
  nlohmann::json next = nullptr;
  if (std::max(from, to) < *end) next = {{"partition", partition}, {"from", std::max(from, to)}};
  else if (partition + 1 < partitions) {
    auto f = first_of(partition + 1);
    if (!f) return std::unexpected(f.error());
    next = {{"partition", partition + 1}, {"from", *f}};
  }
  return nlohmann::json{{"interface", id},     {"topic", topic},       {"partition", partition},
                        {"partitions", partitions}, {"from", from},    {"end", *end},
                        {"limit", limit},      {"entries", entries},   {"next", next}};
}

std::expected<DlqService::Record, DlqService::PageError> DlqService::record(int id, int partition, int64_t offset) {
  RuntimePtr rt = runtime_.get();
  const Catalogue& c = *rt->catalogue;
  const RouteDef* route = c.route(id);
  if (!route) return std::unexpected(PageError{404, "no route " + std::to_string(id)});
  if (partition < 0 || partition >= c.hub.bus.partitions)
    return std::unexpected(PageError{400, "partition must be 0.." + std::to_string(c.hub.bus.partitions - 1)});
  if (offset < 0) return std::unexpected(PageError{400, "offset must be 0 or more"});
  auto reader = bus_.make_reader(group_ + ".view");
  std::optional<Record> found;
  auto s = reader->scan_while(route->dlq_topic(), partition, offset, offset + 1, [&](const BusMessage& m) {
    Record r;
    r.partition = m.partition;
    r.offset = m.offset;
    r.bytes = std::string(m.value);
    r.reason = escape_for_log(header_or(m, hdr::kDlqReason));
    r.detail = escape_for_log(header_or(m, hdr::kDlqDetail));
    // A header names the charset only if the catalogue knows it: it picks a converter.
    const std::string named = header_or(m, hdr::kCharset);
    for (const auto& sys : c.systems)
      if (!named.empty() && sys.charset == named) r.charset = named;
    if (r.charset.empty())
      if (const SystemDef* from = c.system(route->from)) r.charset = from->charset;
    found = std::move(r);
    return false;
  }, 8s);
  if (!s) return std::unexpected(PageError{503, s.error().message});
  if (!found) return std::unexpected(PageError{404, "no dead letter at " + std::to_string(partition) + ":" +
                                                        std::to_string(offset) + " (gone by retention, or not yet)"});
  return *found;
}

namespace {

// The delivery reports of one chunk: the chunk is done when every record it produced
// has its report, good or bad.
struct ChunkAcks {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t sent = 0;
  std::size_t done = 0;
  std::optional<BusError> error;

  void on_report(const std::optional<BusError>& e) {
    std::lock_guard l(mu);
    ++done;
    if (e && !error) error = e;
    cv.notify_all();
  }
  void wait_all() {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return done == sent; });
  }
};

OutMessage replay_copy(const BusMessage& m, const std::string& route_topic) {
  OutMessage out;
  out.topic = route_topic;
  out.key = std::string(m.key);
  out.value = std::string(m.value);
  for (const auto& [k, v] : m.headers)
    if (!k.starts_with("renkei-dlq-") && k != hdr::kReplayOf) out.headers.push_back({std::string(k), std::string(v)});
  out.headers.push_back({std::string(hdr::kReplayOf),
                         std::string(m.topic) + ":" + std::to_string(m.partition) + ":" + std::to_string(m.offset)});
  return out;
}

}  // namespace

std::expected<nlohmann::json, DlqService::ReplayError> DlqService::replay(int id, ReplayLimits limits) {
  std::lock_guard lock(mu_);
  RuntimePtr rt = runtime_.get();
  const RouteDef* route = rt->catalogue->route(id);
  if (!route) return std::unexpected(ReplayError{404, "no route " + std::to_string(id), nullptr});
  const std::string topic = route->dlq_topic();
  const int partitions = rt->catalogue->hub.bus.partitions;
  auto reader = bus_.make_reader(group_);
  const auto started = std::chrono::steady_clock::now();

  // Where each partition's replay starts and ends, fixed now: dead letters that arrive
  // while replaying (a record that fails again) wait for the next replay.
  struct Span {
    int32_t partition;
    int64_t next;
    int64_t end;
  };
  std::vector<Span> spans;
  for (int p = 0; p < partitions; ++p) {
    auto w = reader->watermarks(topic, p, 8s);
    if (!w) return std::unexpected(ReplayError{503, w.error().message, nullptr});
    auto c = reader->committed(topic, p, 8s);
    if (!c) return std::unexpected(ReplayError{503, c.error().message, nullptr});
    spans.push_back({p, std::max(*c, w->low), w->high});
  }
  auto remaining = [&] {
    int64_t n = 0;
    for (const auto& s : spans) n += std::max<int64_t>(0, s.end - s.next);
    return n;
  };
  std::size_t replayed = 0, chunks = 0;
  auto progress = [&](bool complete) {
    return nlohmann::json{{"interface", id},       {"replayed", replayed}, {"topic", route->topic},
                          {"chunks", chunks},      {"complete", complete}, {"remaining", remaining()}};
  };
  auto stopped = [&](std::string why) {
    spdlog::warn("dlq: route {}: replay stopped after {} dead letters: {}", interface_label(id), replayed, why);
    return std::unexpected(ReplayError{503, "replay stopped after " + std::to_string(replayed) + ": " + why,
                                       progress(false)});
  };

  // One chunk at a time: read at most max_records / max_bytes, produce them, wait for
  // Kafka's acknowledgement of all, then commit the chunk's end. Memory holds one chunk;
  // a crash repeats at most the chunk in flight (the router skips a batch's records it
  // has seen, by sequence number, and a batch delivered before, by its ledger).
  for (auto& span : spans) {
    while (span.next < span.end) {
      if (chunks > 0 && std::chrono::steady_clock::now() - started >= limits.budget) {
        spdlog::info("dlq: route {}: {} dead letters replayed onto {}, {} still waiting (time budget spent)",
                     interface_label(id), replayed, route->topic, remaining());
        return progress(false);
      }
      ChunkAcks acks;
      std::size_t records = 0, bytes = 0;
      std::optional<BusError> produce_error;
      auto read = reader->scan_while(topic, span.partition, span.next, span.end, [&](const BusMessage& m) {
        auto r = producer_.produce(replay_copy(m, route->topic),
                                   [&acks](const std::optional<BusError>& e) { acks.on_report(e); });
        if (!r) {
          produce_error = r.error();
          return false;
        }
        {
          std::lock_guard l(acks.mu);
          ++acks.sent;
        }
        ++records;
        bytes += m.value.size();
        return records < limits.max_records && bytes < limits.max_bytes;
      }, limits.chunk_deadline);
      // Every report must be in before `acks` goes out of scope, whatever happened.
      acks.wait_all();
      if (produce_error) return stopped(produce_error->message);
      if (!read) return stopped(read.error().message);
      if (acks.error) return stopped("not confirmed by Kafka: " + acks.error->message);
      if (*read == span.next) return stopped("no dead letter read from partition " + std::to_string(span.partition));
      if (auto c = reader->commit({{topic, span.partition, *read}}); !c)
        return stopped("replayed, but the position was not saved: " + c.error().message);
      replayed += records;
      ++chunks;
      span.next = *read;
    }
  }
  spdlog::info("dlq: route {}: {} dead letters replayed onto {} in {} chunks", interface_label(id), replayed,
               route->topic, chunks);
  return progress(true);
}

}  // namespace renkei
