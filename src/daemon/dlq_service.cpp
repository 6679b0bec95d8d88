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

std::expected<DlqService::Read, std::string> DlqService::read_dlq(int id, bool from_start) {
  Read r;
  r.runtime = runtime_.get();
  r.route = r.runtime->catalogue->route(id);
  if (!r.route) return std::unexpected("no route " + std::to_string(id));
  r.reader = bus_.make_reader(group_);
  auto batch = r.reader->read_to_end(r.route->dlq_topic(), from_start, 10s);
  if (!batch) return std::unexpected(batch.error().message);
  r.batch = std::move(*batch);
  return r;
}

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
    auto s = reader->scan(topic, partition, from, to, [&](const BusMessage& m) {
      if (entries.size() >= limit) return;
      entries.push_back({{"partition", m.partition},
                         {"offset", m.offset},
                         {"reason", escape_for_log(header_or(m, hdr::kDlqReason))},
                         {"detail", escape_for_log(header_or(m, hdr::kDlqDetail))},
                         {"origin", escape_for_log(header_or(m, hdr::kDlqOrigin))},
                         {"batch_id", escape_for_log(header_or(m, hdr::kBatchId))},
                         {"seq", escape_for_log(header_or(m, hdr::kSeq))},
                         {"batch_end", m.header(hdr::kBatchEnd).has_value()},
                         {"bytes", m.value.size()}});
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

std::expected<nlohmann::json, std::string> DlqService::replay(int id) {
  std::lock_guard lock(mu_);
  auto read = read_dlq(id, false);
  if (!read) return std::unexpected(read.error());
  const RouteDef* route = read->route;
  auto& batch = read->batch;
  auto& reader = read->reader;

  struct Outcome {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t done = 0;
    std::optional<BusError> error;
  } outcome;
  std::size_t sent = 0;
  for (const auto& m : batch.messages) {
    OutMessage out;
    out.topic = route->topic;
    out.key = std::string(m.key);
    out.value = std::string(m.value);
    for (const auto& [k, v] : m.headers)
      if (!k.starts_with("renkei-dlq-") && k != hdr::kReplayOf) out.headers.push_back({std::string(k), std::string(v)});
    out.headers.push_back({std::string(hdr::kReplayOf), std::string(m.topic) + ":" + std::to_string(m.partition) + ":" +
                                                             std::to_string(m.offset)});
    auto r = producer_.produce(std::move(out), [&outcome](const std::optional<BusError>& e) {
      std::lock_guard l(outcome.mu);
      ++outcome.done;
      if (e && !outcome.error) outcome.error = e;
      outcome.cv.notify_all();
    });
    if (!r) {
      std::unique_lock l(outcome.mu);
      // Wait for those already queued, so the callbacks never outlive `outcome`.
      outcome.cv.wait(l, [&] { return outcome.done == sent; });
      return std::unexpected("replay stopped after " + std::to_string(sent) + ": " + r.error().message);
    }
    ++sent;
  }
  {
    std::unique_lock l(outcome.mu);
    outcome.cv.wait(l, [&] { return outcome.done == sent; });
    // Only when every record is durably back on the route topic does the position move:
    // a failed replay is repeated whole, and the router recognises a batch it delivered.
    if (outcome.error) return std::unexpected("replay not confirmed by Kafka: " + outcome.error->message);
  }
  if (auto c = reader->commit(batch.ends); !c) return std::unexpected("replayed, but position not saved: " + c.error().message);
  spdlog::info("dlq: route {}: {} dead letters replayed onto {}", interface_label(id), sent, route->topic);
  return nlohmann::json{{"interface", id}, {"replayed", sent}, {"topic", route->topic}};
}

}  // namespace renkei
