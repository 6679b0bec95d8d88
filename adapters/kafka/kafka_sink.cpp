// The kafka sink: each realtime record, and each file batch's records and end marker, go
// to the peer topic; a delivery succeeds only once the peer cluster acknowledged every
// message (acks=all). Repeats (a retry after a lost acknowledgement, a crash before the
// hub's offset commit) carry the same renkei-idempotency-key: at least once, recognisably.
#include <algorithm>
#include <map>
#include <mutex>

#include "sink_support.hpp"
#include "kafka/kafka_adapter.hpp"
#include "renkei/batch.hpp"

namespace renkei::adapters {

namespace {

using namespace std::chrono_literals;

// The renkei-idempotency-key of a record: the same for every attempt and across restarts.
std::string record_key(int route_id, std::string_view id) {
  return "renkei-" + interface_label(route_id) + "-" + std::string(id);
}

class KafkaSink final : public HeldBatchSink {
 public:
  KafkaSink(const SystemDef& system, const Catalogue& catalogue)
      : HeldBatchSink(system, catalogue),
        system_(system),
        peer_(peer_bus_config(system, catalogue)),
        timeout_(positive_setting(system, "delivery_timeout_ms", 30'000)),
        in_flight_(static_cast<unsigned>(positive_setting(system, "in_flight", 4))),
        max_message_(static_cast<int>(positive_setting(system, "max_message_bytes", 1'000'000))),
        policy_(backoff_setting(system)) {
    for (const auto* r : catalogue.routes_delivered_by(system.id)) source_of_[r->id] = r->from;
  }

  // The peer cluster is not asked anything here: a peer that is away must not keep the
  // hub from starting. Its settings are checked (and the password file read) at once.
  AdapterResult<> open() override {
    prune_delivered();
    std::lock_guard lock(mu_);
    return connect();
  }

  AdapterResult<> deliver_event(const SinkEvent& e, std::string_view record) override {
    const std::string iface = interface_label(e.route_id);
    const std::string idem = record_key(e.route_id, e.id);
    const std::string& source = source_of(e.route_id);
    const HeaderView headers[] = {
        {hdr::kInterface.data(), iface}, {hdr::kSource.data(), source},
        {hdr::kTraceId.data(), e.id},    {kIdempotencyHeader, idem},
    };
    const std::string topic = peer_topic(system_, e.route_id);
    return send([&](const Emit& emit) {
      emit(MessageView{topic, e.key.empty() ? std::string_view(e.id) : std::string_view(e.key), record, headers});
    });
  }

  RetryPolicy retry_policy() const override { return policy_; }
  unsigned events_in_flight() const override { return in_flight_; }

  void close() override {
    std::lock_guard lock(mu_);
    if (producer_) (void)producer_->flush(timeout_);
    producer_.reset();
    bus_.reset();
  }

  // The batch's records in order, then its end marker; the key of each is the batch id,
  // as on the route topic.
  AdapterResult<> deliver_batch(const SinkBatchInfo& b, const HeldRecords& records, const BatchEnd& end) override {
    const std::string iface = interface_label(b.route_id);
    const std::string& source = source_of(b.route_id);
    const std::string topic = peer_topic(system_, b.route_id);
    const std::string end_text = end.format();
    return send([&](const Emit& emit) {
      for (std::size_t i = 0; i < records.size(); ++i) {
        const std::string seq = std::to_string(i + 1);
        const std::string idem = record_key(b.route_id, b.batch_id + "-" + seq);
        const HeaderView headers[] = {
            {hdr::kBatchId.data(), b.batch_id}, {hdr::kSeq.data(), seq},
            {hdr::kInterface.data(), iface},    {hdr::kSource.data(), source},
            {hdr::kTraceId.data(), b.batch_id}, {kIdempotencyHeader, idem},
        };
        if (!emit(MessageView{topic, b.batch_id, records.record(i), headers})) return;
      }
      const std::string idem = record_key(b.route_id, b.batch_id + "-end");
      const HeaderView headers[] = {
          {hdr::kBatchId.data(), b.batch_id}, {hdr::kBatchEnd.data(), end_text},
          {hdr::kInterface.data(), iface},    {hdr::kSource.data(), source},
          {hdr::kTraceId.data(), b.batch_id}, {kIdempotencyHeader, idem},
      };
      emit(MessageView{topic, b.batch_id, {}, headers});
    });
  }

 private:
  // Produces one message; false once producing failed (the rest are not sent).
  using Emit = std::function<bool(const MessageView&)>;

  AdapterResult<> connect() {
    if (producer_) return {};
    if (peer_.brokers.empty())
      return std::unexpected(AdapterError{true, "config", "system " + system_.id + ": adapter option brokers is not set"});
    auto bus = make_kafka_bus(peer_);
    if (!bus) return std::unexpected(AdapterError{true, "config", "system " + system_.id + ": " + bus.error().message});
    try {
      producer_ = (*bus)->make_producer(ProducerLimits{timeout_, max_message_});
    } catch (const std::exception& e) {
      return std::unexpected(AdapterError{true, "config", "system " + system_.id + ": " + e.what()});
    }
    bus_ = std::move(*bus);
    return {};
  }

  // Everything `produce` emits, acknowledged by the peer; one attempt.
  // Several events are in flight from as many threads: the lock covers connecting and
  // queueing only, each caller waits for its own acknowledgements outside it.
  AdapterResult<> send(const std::function<void(const Emit&)>& produce) {
    auto tracker = std::make_shared<DeliveryTracker>();
    std::optional<BusError> refused;
    {
      std::lock_guard lock(mu_);
      if (auto c = connect(); !c) return c;
      produce([&](const MessageView& m) {
        tracker->add();
        auto r = producer_->produce(m, tracker.get());
        if (!r) {
          tracker->on_delivery(r.error());
          refused = r.error();
        }
        return r.has_value();
      });
    }
    // librdkafka answers every message within message.timeout.ms; the margin covers its
    // timer granularity. A tracker given up on stays alive for the late answers.
    if (!tracker->wait_until(std::chrono::steady_clock::now() + timeout_ + 5s)) {
      std::lock_guard lock(mu_);
      abandoned_.push_back(tracker);
      return std::unexpected(AdapterError{true, "io", "kafka peer " + system_.id + ": no acknowledgement within " +
                                                          std::to_string(timeout_.count()) + " ms"});
    }
    if (auto failed = refused ? refused : tracker->failed()) return std::unexpected(peer_error(*failed, system_.id));
    return {};
  }

  const std::string& source_of(int route_id) const {
    static const std::string none;
    auto it = source_of_.find(route_id);
    return it == source_of_.end() ? none : it->second;
  }

  SystemDef system_;
  BusConfig peer_;
  std::chrono::milliseconds timeout_;
  unsigned in_flight_;
  int max_message_;
  RetryPolicy policy_;
  std::map<int, std::string> source_of_;  // route id → the system the records come from
  std::mutex mu_;
  std::vector<std::shared_ptr<DeliveryTracker>> abandoned_;  // outlive the producer (declared before it)
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Producer> producer_;
};

}  // namespace

std::unique_ptr<Sink> make_kafka_sink(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<KafkaSink>(system, catalogue);
}

}  // namespace renkei::adapters
