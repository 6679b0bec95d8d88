// The kafka event source: the hub reads the peer topics of the routes the system sends on,
// in the system's own consumer group on the peer cluster, and commits a peer offset only
// when the daemon's event runner confirms the record is on the hub's bus.
#include <map>

#include "kafka/kafka_adapter.hpp"
#include "renkei/batch.hpp"
#include "renkei/outside_value.hpp"

namespace renkei::adapters {

namespace {

class KafkaEventSource final : public EventSource {
 public:
  KafkaEventSource(const SystemDef& system, const Catalogue& catalogue)
      : system_id_(system.id), peer_(peer_bus_config(system, catalogue)) {
    for (const auto* r : catalogue.routes_collected_by(system.id)) route_of_[peer_topic(system, r->id)] = r->id;
  }
  ~KafkaEventSource() override { close(); }

  AdapterResult<> open() override {
    if (consumer_) return {};
    if (peer_.brokers.empty())
      return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": adapter option brokers is not set"});
    auto bus = make_kafka_bus(peer_);
    if (!bus) return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": " + bus.error().message});
    std::unique_ptr<Consumer> consumer;
    try {
      consumer = (*bus)->make_consumer(nullptr);
    } catch (const std::exception& e) {
      return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": " + e.what()});
    }
    std::vector<std::string> topics;
    for (const auto& [topic, route] : route_of_) topics.push_back(topic);
    if (auto s = consumer->subscribe(topics); !s) return std::unexpected(peer_error(s.error(), system_id_));
    bus_ = std::move(*bus);
    consumer_ = std::move(consumer);
    return {};
  }

  AdapterResult<std::optional<InboundEvent>> next(std::chrono::milliseconds timeout) override {
    if (reopen_) close();
    reopen_ = false;
    if (auto o = open(); !o) return std::unexpected(o.error());
    if (auto fatal = consumer_->fatal_error()) {
      close();  // never consumes again: the next open() makes a new member
      return std::unexpected(AdapterError{true, "io", "kafka peer " + system_id_ + ": consumer failed: " + *fatal});
    }
    auto m = consumer_->poll(timeout);
    // A missing peer topic or a refused authorisation is the peer's configuration: the
    // records wait on the peer until it is fixed.
    if (!m) return std::unexpected(AdapterError{true, "io", "kafka peer " + system_id_ + ": " + m.error().message});
    if (!*m) return std::optional<InboundEvent>{};
    const BusMessage& msg = **m;
    auto route = route_of_.find(msg.topic);
    if (route == route_of_.end()) return std::optional<InboundEvent>{};  // not subscribed any more
    InboundEvent e;
    e.route_id = route->second;
    e.key = msg.key;
    e.value = msg.value;
    e.partition = msg.partition;
    e.position = msg.offset;
    e.origin = std::string(msg.topic) + ":" + std::to_string(msg.partition) + ":" + std::to_string(msg.offset);
    // The peer's own trace id is kept when it parses (a peer that sends a record twice is
    // then recognised); else the record's place on the peer topic names it.
    if (auto t = msg.header(hdr::kTraceId); t && TraceId::parse(*t)) e.trace_id = std::string(*t);
    else
      e.trace_id = "kafka-" + std::string(msg.topic) + "-p" + std::to_string(msg.partition) + "-o" +
                   std::to_string(msg.offset);
    e.owner = msg.owner;
    return std::optional<InboundEvent>(std::move(e));
  }

  AdapterResult<> confirm(const std::vector<InboundEvent>& events) override {
    if (!consumer_) return std::unexpected(AdapterError{true, "io", "kafka peer " + system_id_ + ": not open"});
    std::map<std::pair<std::string, int32_t>, int64_t> next;
    for (const auto& e : events) {
      auto& at = next[{topic_of(e.route_id), e.partition}];
      at = std::max(at, e.position + 1);
    }
    std::vector<TopicPartition> offsets;
    for (const auto& [tp, offset] : next) offsets.push_back({tp.first, tp.second, offset});
    if (auto c = consumer_->commit(offsets); !c) {
      // What was not committed is offered again (repeats keep their trace ids), by a new
      // member: this one may have lost the partitions. Not closed here: the caller still
      // holds the records, whose buffers belong to the consumer.
      reopen_ = true;
      return std::unexpected(peer_error(c.error(), system_id_));
    }
    return {};
  }

  void close() override {
    if (consumer_) consumer_->close();
    consumer_.reset();
    bus_.reset();
  }

 private:
  std::string topic_of(int route_id) const {
    for (const auto& [topic, route] : route_of_)
      if (route == route_id) return topic;
    return {};
  }

  std::string system_id_;
  BusConfig peer_;
  std::map<std::string, int, std::less<>> route_of_;  // peer topic → route id
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Consumer> consumer_;
  bool reopen_ = false;
};

}  // namespace

std::unique_ptr<EventSource> make_kafka_event_source(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<KafkaEventSource>(system, catalogue);
}

}  // namespace renkei::adapters
