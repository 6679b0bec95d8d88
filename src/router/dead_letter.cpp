#include "dead_letter.hpp"

#include <spdlog/spdlog.h>

namespace renkei {

void write_dead_letter(Producer& dlq, HubMetrics& metrics, const std::shared_ptr<PartitionOffsets>& offsets,
                       const BusMessage& msg, const RouteDef& route, const DeadLetter& why) {
  OutMessage out;
  out.topic = route.dlq_topic();
  out.key = std::string(msg.key);
  out.value = std::string(msg.value);
  for (const auto& [k, v] : msg.headers) out.headers.push_back({std::string(k), std::string(v)});
  auto ensure = [&](std::string_view name, const std::string& value) {
    if (!value.empty() && !msg.header(name)) out.headers.push_back({std::string(name), value});
  };
  if (route.id > 0) ensure(hdr::kInterface, interface_label(route.id));
  ensure(hdr::kSource, why.source);
  ensure(hdr::kCharset, why.charset);
  out.headers.push_back({std::string(hdr::kDlqReason), why.reason});
  out.headers.push_back({std::string(hdr::kDlqDetail), why.detail});
  out.headers.push_back({std::string(hdr::kDlqOrigin),
                         std::string(msg.topic) + ":" + std::to_string(msg.partition) + ":" + std::to_string(msg.offset)});
  const int64_t held_at = msg.offset;
  offsets->hold(held_at);
  Counter* counter = route.id > 0 ? &metrics.dead_lettered(route.id, why.reason) : nullptr;
  auto topic = out.topic;
  auto r = dlq.produce(std::move(out), [offsets, held_at, counter, topic](const std::optional<BusError>& err) {
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

}  // namespace renkei
