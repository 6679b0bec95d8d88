// The kafka sink: each realtime record, and each file batch's records and end marker, go
// to the peer topic; a delivery succeeds only once the peer cluster acknowledged every
// message (acks=all). Repeats (a retry after a lost acknowledgement, a crash before the
// hub's offset commit) carry the same renkei-idempotency-key: at least once, recognisably.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <mutex>

#include "kafka/kafka_adapter.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/batch.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace fs = std::filesystem;

namespace renkei::adapters {

namespace {

using namespace std::chrono_literals;

long long int_setting(const SystemDef& s, const std::string& name, long long fallback) {
  auto it = s.adapter.settings.find(name);
  if (it == s.adapter.settings.end()) return fallback;
  long long v = fallback;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc{} && v > 0 ? v : fallback;
}

std::string record_key(int route_id, std::string_view id) { return "renkei-" + interface_label(route_id) + "-" + std::string(id); }

class KafkaSink;

// Records wait in memory until the end marker proves the batch whole: the peer never sees
// a record of a batch that is aborted or fails its check.
class KafkaSinkBatch final : public SinkBatch {
 public:
  KafkaSinkBatch(KafkaSink& sink, SinkBatchInfo info) : sink_(sink), info_(std::move(info)) {}
  AdapterResult<> append(std::string_view record) override;
  AdapterResult<> commit(const BatchEnd& end) override;
  void abort() override {
    body_.clear();
    starts_.clear();
  }
  AdapterResult<> replay(const std::function<void(std::string_view)>& on_record) override {
    for (std::size_t i = 0; i < starts_.size(); ++i) on_record(record(i));
    return {};
  }

 private:
  std::string_view record(std::size_t i) const {
    const std::size_t end = i + 1 < starts_.size() ? starts_[i + 1] - 1 : body_.size();
    return std::string_view(body_).substr(starts_[i], end - starts_[i]);
  }

  KafkaSink& sink_;
  SinkBatchInfo info_;
  std::string body_;                 // the records joined by '\n'
  std::vector<std::size_t> starts_;  // where each record begins in body_
};

class KafkaSink final : public Sink {
 public:
  KafkaSink(const SystemDef& system, const Catalogue& catalogue)
      : system_(system),
        peer_(peer_bus_config(system, catalogue)),
        ledger_root_((fs::path(catalogue.hub.state_dir) / "delivered" / system.id).string()),
        timeout_(int_setting(system, "delivery_timeout_ms", 30'000)),
        max_message_(static_cast<int>(int_setting(system, "max_message_bytes", 1'000'000))),
        max_batch_(static_cast<std::size_t>(int_setting(system, "max_batch_bytes", 64 << 20))) {
    for (const auto* r : catalogue.routes_to(system.id)) source_of_[r->id] = r->from;
    policy_.first = std::chrono::milliseconds(int_setting(system, "backoff_initial_ms", 500));
    policy_.max = std::max(policy_.first, std::chrono::milliseconds(int_setting(system, "backoff_max_ms", 60'000)));
  }

  // The peer cluster is not asked anything here: a peer that is away must not keep the
  // hub from starting. Its settings are checked (and the password file read) at once.
  AdapterResult<> open() override {
    std::lock_guard lock(mu_);
    return connect();
  }

  AdapterResult<bool> delivered(const SinkBatchInfo& b) override {
    std::error_code ec;
    return fs::exists(fs::path(ledger_dir(b.route_id)) / b.batch_id, ec);
  }

  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo& b) override {
    return std::unique_ptr<SinkBatch>(std::make_unique<KafkaSinkBatch>(*this, b));
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

  void close() override {
    std::lock_guard lock(mu_);
    if (producer_) (void)producer_->flush(timeout_);
    producer_.reset();
    bus_.reset();
  }

  // The batch's records in order, then its end marker; the key of each is the batch id,
  // as on the route topic.
  AdapterResult<> deliver_batch(const SinkBatchInfo& b, std::size_t count,
                                const std::function<std::string_view(std::size_t)>& record, const BatchEnd& end) {
    const std::string iface = interface_label(b.route_id);
    const std::string& source = source_of(b.route_id);
    const std::string topic = peer_topic(system_, b.route_id);
    const std::string end_text = end.format();
    auto r = send([&](const Emit& emit) {
      for (std::size_t i = 0; i < count; ++i) {
        const std::string seq = std::to_string(i + 1);
        const std::string idem = record_key(b.route_id, b.batch_id + "-" + seq);
        const HeaderView headers[] = {
            {hdr::kBatchId.data(), b.batch_id}, {hdr::kSeq.data(), seq},
            {hdr::kInterface.data(), iface},    {hdr::kSource.data(), source},
            {hdr::kTraceId.data(), b.batch_id}, {kIdempotencyHeader, idem},
        };
        if (!emit(MessageView{topic, b.batch_id, record(i), headers})) return;
      }
      const std::string idem = record_key(b.route_id, b.batch_id + "-end");
      const HeaderView headers[] = {
          {hdr::kBatchId.data(), b.batch_id}, {hdr::kBatchEnd.data(), end_text},
          {hdr::kInterface.data(), iface},    {hdr::kSource.data(), source},
          {hdr::kTraceId.data(), b.batch_id}, {kIdempotencyHeader, idem},
      };
      emit(MessageView{topic, b.batch_id, {}, headers});
    });
    if (!r) return r;
    // The peer has it. The ledger spares it a second copy after a restart; should this
    // write fail, the retry repeats the batch under the same idempotency keys.
    if (auto d = make_dirs(ledger_dir(b.route_id)); !d) return std::unexpected(AdapterError{true, "io", d.error().message});
    if (auto w = write_file_atomically((fs::path(ledger_dir(b.route_id)) / b.batch_id).string(), ""); !w)
      return std::unexpected(AdapterError{true, "io", w.error()});
    return {};
  }

  std::size_t max_batch() const { return max_batch_; }

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
  AdapterResult<> send(const std::function<void(const Emit&)>& produce) {
    std::lock_guard lock(mu_);
    if (auto c = connect(); !c) return c;
    auto tracker = std::make_shared<DeliveryTracker>();
    std::optional<BusError> refused;
    produce([&](const MessageView& m) {
      tracker->add();
      auto r = producer_->produce(m, tracker.get());
      if (!r) {
        tracker->on_delivery(r.error());
        refused = r.error();
      }
      return r.has_value();
    });
    // librdkafka answers every message within message.timeout.ms; the margin covers its
    // timer granularity. A tracker given up on stays alive for the late answers.
    if (!tracker->wait_until(std::chrono::steady_clock::now() + timeout_ + 5s)) {
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
  std::string ledger_dir(int route_id) const { return (fs::path(ledger_root_) / interface_label(route_id)).string(); }

  SystemDef system_;
  BusConfig peer_;
  std::string ledger_root_;
  std::chrono::milliseconds timeout_;
  int max_message_;
  std::size_t max_batch_;
  RetryPolicy policy_;
  std::map<int, std::string> source_of_;  // route id → the system the records come from
  std::mutex mu_;
  std::vector<std::shared_ptr<DeliveryTracker>> abandoned_;  // outlive the producer (declared before it)
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Producer> producer_;
};

AdapterResult<> KafkaSinkBatch::append(std::string_view record) {
  if (!starts_.empty()) body_.push_back('\n');
  starts_.push_back(body_.size());
  body_.append(record);
  if (body_.size() > sink_.max_batch())
    return std::unexpected(AdapterError{false, "bad-record", "batch " + info_.batch_id + " exceeds max_batch_bytes (" +
                                                               std::to_string(sink_.max_batch()) + ")"});
  return {};
}

AdapterResult<> KafkaSinkBatch::commit(const BatchEnd& end) {
  std::string sum = end.final_newline ? sha256_hex(body_ + "\n") : sha256_hex(body_);
  if (end.count != starts_.size() || end.sha256 != sum)
    return std::unexpected(AdapterError{false, "bad-record",
                                        "batch " + info_.batch_id + " does not match its end marker: " +
                                            std::to_string(starts_.size()) + " records, expected " +
                                            std::to_string(end.count) + (end.sha256 != sum ? ", checksum differs" : "")});
  return sink_.deliver_batch(info_, starts_.size(), [this](std::size_t i) { return record(i); }, end);
}

}  // namespace

std::unique_ptr<Sink> make_kafka_sink(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<KafkaSink>(system, catalogue);
}

}  // namespace renkei::adapters
