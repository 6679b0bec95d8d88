#pragma once
// The Kafka bus behind a small interface: what the hub needs of a producer, a consumer
// and the admin API. src/bus implements it on librdkafka (a real cluster, or the
// embedded mock cluster when bus.brokers is empty).
#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdint>
#include <expected>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/catalogue/model.hpp"

namespace renkei {

struct Header {
  std::string key;
  std::string value;
};

struct BusError {
  bool transient = true;   // retrying may help (broker down, timeout) vs. never will
  std::string message;
  bool too_large = false;  // the message is above the producer's message.max.bytes
};

// A message as consumed. The views point into librdkafka's own buffer, which `owner`
// keeps alive: consuming a record copies nothing.
struct BusMessage {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view key;
  std::string_view value;
  bool tombstone = false;  // a null value (a compacted topic's delete), not an empty one
  // Inline room for the hub's own headers: no allocation per consumed record.
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 12> headers;
  std::shared_ptr<const void> owner;

  std::optional<std::string_view> header(std::string_view name) const;
};

// A message to produce.
struct OutMessage {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<Header> headers;
  // A null value: on a compacted topic the key's delete marker (an empty value is a value).
  bool tombstone = false;
};

// A message to produce, borrowed: nothing is copied until librdkafka copies it. This is
// the hot path of a million-record file.
struct HeaderView {
  const char* key;  // NUL-terminated (the hdr:: constants are)
  std::string_view value;
};
struct MessageView {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
  std::span<const HeaderView> headers;
  bool tombstone = false;  // see OutMessage
};

// Told once per message, on librdkafka's delivery thread: keep it short.
class DeliveryHandler {
 public:
  virtual void on_delivery(const std::optional<BusError>& error) = 0;

 protected:
  ~DeliveryHandler() = default;
};

using DeliveryCallback = std::function<void(const std::optional<BusError>& error)>;

// Counts messages until every one is acknowledged (or refused): a batch that must be
// durable as a whole before its source moves on. Shared, so that one given up on while
// librdkafka still holds its messages stays alive for their late callbacks.
class DeliveryTracker final : public DeliveryHandler {
 public:
  void add() {
    std::lock_guard lock(mu_);
    ++outstanding_;
  }
  void on_delivery(const std::optional<BusError>& error) override {
    std::lock_guard lock(mu_);
    if (error && !failed_) failed_ = error;
    if (--outstanding_ == 0) cv_.notify_all();
  }
  // true when every message was answered before `deadline`.
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return outstanding_ == 0; });
  }
  // The first refusal, if any.
  std::optional<BusError> failed() const {
    std::lock_guard lock(mu_);
    return failed_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t outstanding_ = 0;
  std::optional<BusError> failed_;
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Queues the message; waits while librdkafka's queue is full (back-pressure). The
  // handler, which must outlive the delivery, is told when the broker has the message
  // durably (acks=all) or why it never will.
  virtual std::expected<void, BusError> produce(const MessageView& msg, DeliveryHandler* handler) = 0;
  // The same for an owned message and a one-off callback (the rare paths, e.g. the DLQ).
  std::expected<void, BusError> produce(OutMessage msg, DeliveryCallback on_delivery);
  // Serves delivery callbacks; the producer also does this on its own thread.
  virtual void poll(std::chrono::milliseconds timeout) = 0;
  // Learns these topics' partitions and leaders now, so a route's first record does not
  // wait for a metadata round trip.
  virtual void prepare(const std::vector<std::string>& topics) = 0;
  virtual std::expected<void, BusError> flush(std::chrono::milliseconds timeout) = 0;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  auto operator<=>(const TopicPartition&) const = default;
};

// Told before partitions are taken away (finish or abandon work, commit) and after new
// ones are given. Runs on the consumer's polling thread.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  virtual void on_assigned(const std::vector<TopicPartition>& parts) = 0;
  virtual void on_revoked(const std::vector<TopicPartition>& parts) = 0;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  virtual std::expected<void, BusError> subscribe(const std::vector<std::string>& topics_or_patterns) = 0;
  // Records of these topics (the realtime routes') are fetched into a queue of their own
  // and handed out by poll() before the others, so a backlog of batch records neither
  // stops their fetching nor queues ahead of them. Applies from the next assignment.
  virtual void prefer(const std::vector<std::string>& topics) { (void)topics; }
  // nullopt on timeout; errors that only mean "try again" are logged, not returned.
  virtual std::expected<std::optional<BusMessage>, BusError> poll(std::chrono::milliseconds timeout) = 0;
  // Commits these offsets (the next offset to read) synchronously.
  virtual std::expected<void, BusError> commit(const std::vector<TopicPartition>& offsets) = 0;
  virtual std::expected<void, BusError> seek(const TopicPartition& to) = 0;
  virtual void pause(const std::vector<TopicPartition>& parts) = 0;
  virtual void resume(const std::vector<TopicPartition>& parts) = 0;
  // High watermark minus position per assigned partition, from cached fetch state.
  virtual std::vector<std::pair<TopicPartition, int64_t>> lag() = 0;
  virtual void close() = 0;
  // Set once the consumer has failed for good (e.g. a static member fenced by the group
  // coordinator after a broker outage longer than its session): it will never consume
  // again and must be replaced. Says why.
  virtual std::optional<std::string> fatal_error() const = 0;
};

// Reads a topic up to its current end without joining a consumer group (the group only
// stores how far a reader has come): the DLQ's listing and replay.
class TopicReader {
 public:
  virtual ~TopicReader() = default;
  struct Batch {
    std::vector<BusMessage> messages;   // in offset order per partition
    std::vector<TopicPartition> ends;   // per partition: the offset after the last message read
  };
  // From the group's committed offsets (or each partition's start when `from_start` or
  // nothing is committed) to the end as of the call.
  virtual std::expected<Batch, BusError> read_to_end(const std::string& topic, bool from_start,
                                                     std::chrono::milliseconds timeout) = 0;
  virtual std::expected<void, BusError> commit(const std::vector<TopicPartition>& offsets) = 0;
  // Hands over the messages of one partition with offsets in [from, to), in order, until
  // `on_message` returns false (it has taken that message). Returns the offset after the
  // last message handed over (`from` when none was). Only what librdkafka pre-fetches
  // (bounded by the reader's settings) and the message in hand are in memory.
  virtual std::expected<int64_t, BusError> scan_while(const std::string& topic, int32_t partition, int64_t from,
                                                      int64_t to,
                                                      const std::function<bool(const BusMessage&)>& on_message,
                                                      std::chrono::milliseconds timeout) = 0;
  // Every message of [from, to).
  std::expected<void, BusError> scan(const std::string& topic, int32_t partition, int64_t from, int64_t to,
                                     const std::function<void(const BusMessage&)>& on_message,
                                     std::chrono::milliseconds timeout) {
    auto r = scan_while(topic, partition, from, to, [&](const BusMessage& m) { on_message(m); return true; }, timeout);
    if (!r) return std::unexpected(r.error());
    return {};
  }
  // The reader's group's committed offset of the partition; -1 when nothing is committed.
  virtual std::expected<int64_t, BusError> committed(const std::string& topic, int32_t partition,
                                                     std::chrono::milliseconds timeout) = 0;
  // The partition's first offset still held (low) and the offset its next message will
  // get (high watermark).
  struct Watermarks {
    int64_t low = 0;
    int64_t high = 0;
  };
  virtual std::expected<Watermarks, BusError> watermarks(const std::string& topic, int32_t partition,
                                                         std::chrono::milliseconds timeout) = 0;
  std::expected<int64_t, BusError> end_offset(const std::string& topic, int32_t partition,
                                              std::chrono::milliseconds timeout) {
    auto w = watermarks(topic, partition, timeout);
    if (!w) return std::unexpected(w.error());
    return w->high;
  }
};

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::vector<std::pair<std::string, std::string>> config;
};

// How a producer towards another cluster (a kafka adapter's peer) differs from the hub's
// own, which waits for its broker however long it is away and takes librdkafka's limit.
struct ProducerLimits {
  std::chrono::milliseconds delivery_timeout{0};  // 0: never give up on a message
  int max_message_bytes = 0;                      // 0: librdkafka's default
};

class Bus {
 public:
  virtual ~Bus() = default;
  // Creates the topics that do not exist yet; existing ones are left alone.
  virtual std::expected<void, BusError> ensure_topics(const std::vector<TopicSpec>& topics) = 0;
  // True when a broker answered a metadata request within `timeout`.
  virtual bool reachable(std::chrono::milliseconds timeout) = 0;
  std::unique_ptr<Producer> make_producer() { return make_producer(ProducerLimits{}); }
  // Idempotent, acks=all; past `limits.delivery_timeout` a message is reported failed
  // (transient) instead of waiting on.
  virtual std::unique_ptr<Producer> make_producer(const ProducerLimits& limits) = 0;
  virtual std::unique_ptr<Consumer> make_consumer(RebalanceListener* listener) = 0;
  // `group` keeps the reader's position; it never takes part in the hub's own group.
  virtual std::unique_ptr<TopicReader> make_reader(const std::string& group) = 0;
  // A plain member of `group` (no static membership, so a dead member's partitions move
  // on after `session_timeout`): the scheduler's leader election.
  virtual std::unique_ptr<Consumer> make_group_member(const std::string& group, RebalanceListener* listener,
                                                      std::chrono::milliseconds session_timeout) = 0;
  // "host:port,…" clients can use (the mock cluster's own address in embedded mode).
  virtual std::string bootstrap_servers() const = 0;
  virtual bool embedded() const = 0;
  // This hub's name among the cluster's hubs (bus.instance_id, else client id and host).
  virtual std::string member_name() const = 0;
};

// Whether librdkafka takes the configuration's client settings (bus.security, the SASL
// password file): renkeid --check. The error names the setting or the file.
std::expected<void, BusError> check_bus_settings(const BusConfig& config);

// TLS/SASL client settings (security.protocol, ssl.*, sasl.*) as librdkafka takes them:
// `security` as it is, plus sasl.password read from `sasl_password_file` (empty: none),
// so that the password is never written in the configuration. `what` prefixes errors
// ("bus.security"); the password itself never appears in one.
using ClientSettings = std::vector<std::pair<std::string, std::string>>;
std::expected<ClientSettings, BusError> client_security_settings(const ClientSettings& security,
                                                                 const std::string& sasl_password_file,
                                                                 std::string_view what);
// Whether librdkafka accepts these settings (names and values), without connecting.
std::expected<void, BusError> check_client_settings(const ClientSettings& settings, std::string_view what);

// A librdkafka bus for `config`: a real cluster, or an in-process mock cluster (not
// durable) when config.brokers is empty.
std::expected<std::unique_ptr<Bus>, BusError> make_kafka_bus(const BusConfig& config);

}  // namespace renkei
