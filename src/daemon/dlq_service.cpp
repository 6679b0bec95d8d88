#include "dlq_service.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>

#include "renkei/batch.hpp"

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

std::expected<nlohmann::json, std::string> DlqService::list(int id, bool all) {
  std::lock_guard lock(mu_);
  auto read = read_dlq(id, all);
  if (!read) return std::unexpected(read.error());
  const RouteDef* route = read->route;
  auto entries = nlohmann::json::array();
  for (const auto& m : read->batch.messages)
    entries.push_back({{"partition", m.partition},
                       {"offset", m.offset},
                       {"reason", header_or(m, hdr::kDlqReason)},
                       {"detail", header_or(m, hdr::kDlqDetail)},
                       {"origin", header_or(m, hdr::kDlqOrigin)},
                       {"batch_id", header_or(m, hdr::kBatchId)},
                       {"seq", header_or(m, hdr::kSeq)},
                       {"batch_end", m.header(hdr::kBatchEnd).has_value()},
                       {"bytes", m.value.size()}});
  return nlohmann::json{{"interface", id}, {"topic", route->dlq_topic()}, {"pending_only", !all}, {"entries", entries}};
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
