// librdkafka behind the Bus interface. The C API is used throughout: the admin and mock
// cluster APIs exist only there, and one API is easier to keep correct than two.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>

#include "renkei/bus.hpp"
#include "renkei/guarded_thread.hpp"
#include "mock_cluster_waker.hpp"

namespace renkei {

std::optional<std::string_view> BusMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return std::nullopt;
}

namespace {

// A one-off callback that frees itself after its one delivery.
class CallbackHandler final : public DeliveryHandler {
 public:
  explicit CallbackHandler(DeliveryCallback cb) : cb_(std::move(cb)) {}
  void on_delivery(const std::optional<BusError>& error) override {
    std::unique_ptr<CallbackHandler> self(this);
    if (cb_) cb_(error);
  }

 private:
  DeliveryCallback cb_;
};

}  // namespace

std::expected<void, BusError> Producer::produce(OutMessage msg, DeliveryCallback on_delivery) {
  std::vector<HeaderView> headers;
  headers.reserve(msg.headers.size());
  for (const auto& h : msg.headers) headers.push_back({h.key.c_str(), h.value});
  auto* handler = new CallbackHandler(std::move(on_delivery));
  auto r = produce(MessageView{msg.topic, msg.key, msg.value, headers, msg.tombstone}, handler);
  if (!r) delete handler;
  return r;
}

namespace {

using Config = std::vector<std::pair<std::string, std::string>>;

BusError error_from(rd_kafka_resp_err_t err, const std::string& context) {
  // Everything librdkafka may still recover from on its own counts as transient.
  bool permanent = err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__INVALID_ARG ||
                   err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                   err == RD_KAFKA_RESP_ERR_INVALID_RECORD || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                   err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__FATAL;
  return BusError{!permanent, context + ": " + rd_kafka_err2str(err), err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE};
}

void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  // syslog levels; librdkafka never puts message payloads into its log lines.
  if (level <= 3) spdlog::error("kafka {}: {}", fac, buf);
  else if (level <= 4) spdlog::warn("kafka {}: {}", fac, buf);
  else if (level <= 6) spdlog::info("kafka {}: {}", fac, buf);
  else spdlog::debug("kafka {}: {}", fac, buf);
}

void error_cb(rd_kafka_t*, int err, const char* reason, void*) {
  auto e = static_cast<rd_kafka_resp_err_t>(err);
  // Brokers going away are normal during restarts: librdkafka reconnects by itself.
  if (e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    spdlog::warn("kafka: {} ({})", reason, rd_kafka_err2name(e));
  else
    spdlog::error("kafka: {} ({})", reason, rd_kafka_err2name(e));
}

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

std::expected<rd_kafka_conf_t*, BusError> make_conf(const Config& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return std::unexpected(BusError{false, "kafka setting " + k + ": " + err});
    }
  }
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  return conf;
}

std::expected<Handle, BusError> make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // takes conf on success
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return std::unexpected(BusError{false, std::string("kafka client: ") + err});
  }
  return Handle(rk);
}

class KafkaProducer final : public Producer {
 public:
  explicit KafkaProducer(Handle rk) : rk_(std::move(rk)) {
    // Delivery callbacks run here: one that throws must not end delivery reports for all.
    poller_ = std::thread([this] {
      run_guarded("renkei:produce", [this] {
        while (!stop_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_.get(), 100);
      }, [this] { return stop_.load(); }, std::chrono::milliseconds(100));
    });
  }
  ~KafkaProducer() override {
    stop_ = true;
    poller_.join();
    // Undelivered messages still own their callbacks: purge so each is told, then free.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
  }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* handler = static_cast<DeliveryHandler*>(m->_private);
    if (!handler) return;
    if (m->err) handler->on_delivery(error_from(m->err, "delivery"));
    else handler->on_delivery(std::nullopt);
  }

  std::expected<void, BusError> produce(const MessageView& msg, DeliveryHandler* handler) override {
    const std::string topic(msg.topic);
    // On the stack for the usual handful of headers: this runs once per record.
    constexpr std::size_t kInline = 24;
    std::array<rd_kafka_vu_t, kInline> inline_vus;
    std::vector<rd_kafka_vu_t> heap_vus;
    rd_kafka_vu_t* vus = inline_vus.data();
    if (5 + msg.headers.size() > kInline) {
      heap_vus.resize(5 + msg.headers.size());
      vus = heap_vus.data();
    }
    std::size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[n++].u.cstr = topic.c_str();
    vus[n].vtype = RD_KAFKA_VTYPE_KEY;
    vus[n].u.mem = {const_cast<char*>(msg.key.data()), msg.key.size()};
    ++n;
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    if (msg.tombstone) vus[n].u.mem = {nullptr, 0};
    else vus[n].u.mem = {const_cast<char*>(msg.value.data()), msg.value.size()};
    ++n;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vus[n++].u.ptr = handler;
    for (const auto& h : msg.headers) {
      vus[n].vtype = RD_KAFKA_VTYPE_HEADER;
      vus[n++].u.header = {h.key, h.value.data(), static_cast<ssize_t>(h.value.size())};
    }
    for (;;) {
      rd_kafka_error_t* e = rd_kafka_produceva(rk_.get(), vus, n);
      if (!e) return {};
      auto code = rd_kafka_error_code(e);
      rd_kafka_error_destroy(e);
      if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Back-pressure: the source waits here while the broker is slow or away.
        rd_kafka_poll(rk_.get(), 50);
        continue;
      }
      return std::unexpected(error_from(code, "produce to " + topic));
    }
  }

  void poll(std::chrono::milliseconds timeout) override {
    rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
  }

  void prepare(const std::vector<std::string>& topics) override {
    // One metadata request for all of them (the locally known topics, which the handles
    // make these), not one round trip per topic: 195 topics took seconds at start-up.
    std::vector<rd_kafka_topic_t*> handles;
    handles.reserve(topics.size());
    for (const auto& t : topics)
      if (rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), t.c_str(), nullptr)) handles.push_back(rkt);
    const rd_kafka_metadata_t* md = nullptr;
    if (!handles.empty() && rd_kafka_metadata(rk_.get(), 0, nullptr, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_metadata_destroy(md);
    for (auto* rkt : handles) rd_kafka_topic_destroy(rkt);
  }

  std::expected<void, BusError> flush(std::chrono::milliseconds timeout) override {
    auto err = rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
    if (err) return std::unexpected(error_from(err, "flush"));
    return {};
  }

 private:
  Handle rk_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

struct PartitionList {
  rd_kafka_topic_partition_list_t* list;
  explicit PartitionList(const std::vector<TopicPartition>& parts)
      : list(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()))) {
    for (const auto& p : parts) rd_kafka_topic_partition_list_add(list, p.topic.c_str(), p.partition)->offset = p.offset;
  }
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list); }
  PartitionList(const PartitionList&) = delete;
  PartitionList& operator=(const PartitionList&) = delete;
};

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (!list) return out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  return out;
}

// A consumed message as the hub sees it: views into librdkafka's buffer, which `owner`
// keeps alive. Used by the hub's consumer and by the topic reader alike.
BusMessage to_bus_message(std::shared_ptr<rd_kafka_message_t> owner) {
  const rd_kafka_message_t* m = owner.get();
  BusMessage msg;
  msg.topic = rd_kafka_topic_name(m->rkt);
  msg.partition = m->partition;
  msg.offset = m->offset;
  if (m->key) msg.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) msg.value = std::string_view(static_cast<const char*>(m->payload), m->len);
  msg.tombstone = m->payload == nullptr;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(m), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    msg.headers.reserve(rd_kafka_header_cnt(hdrs));
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
      msg.headers.emplace_back(name, val ? std::string_view(static_cast<const char*>(val), size) : std::string_view());
  }
  msg.owner = std::move(owner);
  return msg;
}

class KafkaConsumer final : public Consumer {
 public:
  // The handle comes after construction because its callbacks need this object's address.
  explicit KafkaConsumer(RebalanceListener* listener) : listener_(listener) {}
  void attach(Handle rk) {
    rk_ = std::move(rk);
    rd_kafka_poll_set_consumer(rk_.get());
  }
  ~KafkaConsumer() override {
    if (rk_) close();
    if (prio_q_) rd_kafka_queue_destroy(prio_q_);
    if (main_q_) rd_kafka_queue_destroy(main_q_);
    for (int fd : wake_)
      if (fd >= 0) ::close(fd);
  }

  void prefer(const std::vector<std::string>& topics) override {
    preferred_ = std::set<std::string>(topics.begin(), topics.end());
    if (preferred_.empty() || prio_q_) return;
    // librdkafka 2.0.2 decides whether to fetch a partition by the length of the queue its
    // records go to: a queue of their own keeps these fetched while the others wait. Both
    // queues signal one pipe, so poll() waits on both at once.
    if (::pipe2(wake_.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
      spdlog::warn("consumer: no wake-up pipe ({}); realtime topics share the queue", std::strerror(errno));
      wake_ = {-1, -1};
      preferred_.clear();
      return;
    }
    prio_q_ = rd_kafka_queue_new(rk_.get());
    main_q_ = rd_kafka_queue_get_consumer(rk_.get());
    static const char one = 1;
    rd_kafka_queue_io_event_enable(prio_q_, wake_[1], &one, 1);
    rd_kafka_queue_io_event_enable(main_q_, wake_[1], &one, 1);
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
    auto* self = static_cast<KafkaConsumer*>(opaque);
    if (self) self->committed_.clear();
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, parts);
      if (self) self->route_preferred(parts);
      if (self && self->listener_) self->listener_->on_assigned(to_vector(parts));
    } else {
      if (self && self->listener_) self->listener_->on_revoked(to_vector(parts));
      rd_kafka_assign(rk, nullptr);
    }
  }

  std::expected<void, BusError> subscribe(const std::vector<std::string>& topics) override {
    PartitionList list({});
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.list, t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(rk_.get(), list.list)) return std::unexpected(error_from(err, "subscribe"));
    return {};
  }

  // The preferred topics' partitions of an assignment onto their own queue, before their
  // fetch starts. Never moved later: records of one partition in both queues would be
  // handed out of order (a fetch stop processed late falls back to the shared queue,
  // which only loses the preference).
  void route_preferred(const rd_kafka_topic_partition_list_t* parts) {
    if (!prio_q_) return;
    for (int i = 0; i < parts->cnt; ++i) {
      const auto& e = parts->elems[i];
      if (!preferred_.contains(e.topic)) continue;
      if (rd_kafka_queue_t* pq = rd_kafka_queue_get_partition(rk_.get(), e.topic, e.partition)) {
        rd_kafka_queue_forward(pq, prio_q_);
        rd_kafka_queue_destroy(pq);
      }
    }
  }

  std::expected<std::optional<BusMessage>, BusError> poll(std::chrono::milliseconds timeout) override {
    rd_kafka_message_t* m = prio_q_ ? poll_both(timeout) : rd_kafka_consumer_poll(rk_.get(), static_cast<int>(timeout.count()));
    if (!m) return std::optional<BusMessage>{};
    std::shared_ptr<rd_kafka_message_t> owner(m, rd_kafka_message_destroy);
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return std::optional<BusMessage>{};
      auto e = error_from(m->err, "consume");
      if (e.transient) {
        spdlog::warn("{}", e.message);
        return std::optional<BusMessage>{};
      }
      return std::unexpected(e);
    }
    return std::optional<BusMessage>(to_bus_message(std::move(owner)));
  }

  std::expected<void, BusError> commit(const std::vector<TopicPartition>& offsets) override {
    if (offsets.empty()) return {};
    PartitionList list(offsets);
    if (auto err = rd_kafka_commit(rk_.get(), list.list, 0)) return std::unexpected(error_from(err, "commit"));
    return {};
  }

  std::expected<void, BusError> seek(const TopicPartition& to) override {
    PartitionList list({to});
    if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_.get(), list.list, 5000)) {
      BusError be{true, std::string("seek: ") + rd_kafka_error_string(e)};
      rd_kafka_error_destroy(e);
      return std::unexpected(be);
    }
    if (auto err = list.list->elems[0].err) return std::unexpected(error_from(err, "seek"));
    return {};
  }

  void pause(const std::vector<TopicPartition>& parts) override {
    PartitionList list(parts);
    rd_kafka_pause_partitions(rk_.get(), list.list);
  }
  void resume(const std::vector<TopicPartition>& parts) override {
    PartitionList list(parts);
    rd_kafka_resume_partitions(rk_.get(), list.list);
  }

  std::vector<std::pair<TopicPartition, int64_t>> lag() override {
    std::vector<std::pair<TopicPartition, int64_t>> out;
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(rk_.get(), &assigned) || !assigned) return out;
    rd_kafka_position(rk_.get(), assigned);
    // Nothing fetched yet on a partition means no position: the consumer starts at the
    // committed offset then. Ask the broker once per assignment, not on every scrape.
    std::vector<TopicPartition> unknown;
    for (int i = 0; i < assigned->cnt; ++i) {
      auto& e = assigned->elems[i];
      if (e.offset < 0 && !committed_.contains({e.topic, e.partition})) unknown.push_back({e.topic, e.partition, -1});
    }
    if (!unknown.empty()) {
      PartitionList list(unknown);
      if (!rd_kafka_committed(rk_.get(), list.list, 2000))
        for (int i = 0; i < list.list->cnt; ++i)
          committed_[{list.list->elems[i].topic, list.list->elems[i].partition}] = list.list->elems[i].offset;
    }
    for (int i = 0; i < assigned->cnt; ++i) {
      auto& e = assigned->elems[i];
      int64_t lo = -1, hi = -1;
      if (rd_kafka_get_watermark_offsets(rk_.get(), e.topic, e.partition, &lo, &hi) || hi < 0) continue;
      int64_t pos = e.offset;
      if (pos < 0) {
        auto it = committed_.find({e.topic, e.partition});
        pos = it != committed_.end() && it->second >= 0 ? it->second : lo;  // no commit: from the start
      }
      out.push_back({{e.topic, e.partition, pos}, std::max<int64_t>(0, hi - std::max(pos, lo))});
    }
    rd_kafka_topic_partition_list_destroy(assigned);
    return out;
  }

  // The preferred queue first, then the consumer's own (which also serves rebalances);
  // when both are empty, waits on their shared pipe. The pipe is drained before the
  // queues are read, so a record queued after the read writes a new byte.
  rd_kafka_message_t* poll_both(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      char buf[64];
      while (::read(wake_[0], buf, sizeof buf) > 0) {
      }
      if (rd_kafka_message_t* m = rd_kafka_consume_queue(prio_q_, 0)) return m;
      if (rd_kafka_message_t* m = rd_kafka_consume_queue(main_q_, 0)) return m;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nullptr;
      pollfd pfd{wake_[0], POLLIN, 0};
      ::poll(&pfd, 1, static_cast<int>(left.count()));
    }
  }

  void close() override {
    if (closed_.exchange(true)) return;
    rd_kafka_consumer_close(rk_.get());
  }

  std::optional<std::string> fatal_error() const override {
    char reason[512];
    auto err = rd_kafka_fatal_error(rk_.get(), reason, sizeof reason);
    if (!err) return std::nullopt;
    return std::string(rd_kafka_err2name(err)) + ": " + reason;
  }

 private:
  Handle rk_;
  RebalanceListener* listener_;
  std::atomic<bool> closed_{false};
  std::set<std::string> preferred_;
  rd_kafka_queue_t* prio_q_ = nullptr;
  rd_kafka_queue_t* main_q_ = nullptr;
  std::array<int, 2> wake_{-1, -1};
  std::map<std::pair<std::string, int32_t>, int64_t> committed_;  // for partitions not fetched yet
};

class KafkaTopicReader final : public TopicReader {
 public:
  explicit KafkaTopicReader(Handle rk) : rk_(std::move(rk)) {}
  ~KafkaTopicReader() override { rd_kafka_consumer_close(rk_.get()); }

  std::expected<Batch, BusError> read_to_end(const std::string& topic, bool from_start,
                                             std::chrono::milliseconds timeout) override {
    const int ms = static_cast<int>(timeout.count());
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    auto err = rd_kafka_metadata(rk_.get(), 0, rkt, &md, ms);
    rd_kafka_topic_destroy(rkt);
    if (err) return std::unexpected(error_from(err, "metadata of " + topic));
    std::vector<TopicPartition> parts;
    if (md->topic_cnt == 1 && !md->topics[0].err)
      for (int i = 0; i < md->topics[0].partition_cnt; ++i) parts.push_back({topic, md->topics[0].partitions[i].id, -1});
    rd_kafka_metadata_destroy(md);
    if (parts.empty()) return std::unexpected(BusError{false, "topic " + topic + " does not exist"});

    PartitionList start(parts);
    if (!from_start)
      if (auto e = rd_kafka_committed(rk_.get(), start.list, ms)) return std::unexpected(error_from(e, "committed offsets"));
    Batch out;
    std::map<int32_t, int64_t> high;
    for (int i = 0; i < start.list->cnt; ++i) {
      auto& el = start.list->elems[i];
      int64_t lo = 0, hi = 0;
      if (auto e = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), el.partition, &lo, &hi, ms))
        return std::unexpected(error_from(e, "watermarks of " + topic));
      if (el.offset < lo) el.offset = lo;  // nothing committed (or compacted away): the start
      high[el.partition] = hi;
      out.ends.push_back({topic, el.partition, el.offset});
    }
    if (auto e = rd_kafka_assign(rk_.get(), start.list)) return std::unexpected(error_from(e, "assign"));
    auto pending = [&] {
      for (const auto& e : out.ends)
        if (e.offset < high[e.partition]) return true;
      return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending()) {
      if (std::chrono::steady_clock::now() > deadline) {
        rd_kafka_assign(rk_.get(), nullptr);
        return std::unexpected(BusError{true, "reading " + topic + ": timed out before its end"});
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 200);
      if (!m) continue;
      std::shared_ptr<rd_kafka_message_t> owner(m, rd_kafka_message_destroy);
      if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
        auto e = error_from(m->err, "reading " + topic);
        if (e.transient) continue;
        rd_kafka_assign(rk_.get(), nullptr);
        return std::unexpected(e);
      }
      if (m->offset >= high[m->partition]) continue;  // arrived after the call began
      for (auto& e : out.ends)
        if (e.partition == m->partition) e.offset = m->offset + 1;
      out.messages.push_back(to_bus_message(std::move(owner)));
    }
    rd_kafka_assign(rk_.get(), nullptr);
    return out;
  }

  std::expected<void, BusError> commit(const std::vector<TopicPartition>& offsets) override {
    if (offsets.empty()) return {};
    PartitionList list(offsets);
    if (auto err = rd_kafka_commit(rk_.get(), list.list, 0)) return std::unexpected(error_from(err, "commit"));
    return {};
  }

  std::expected<int64_t, BusError> scan_while(const std::string& topic, int32_t partition, int64_t from, int64_t to,
                                              const std::function<bool(const BusMessage&)>& on_message,
                                              std::chrono::milliseconds timeout) override {
    if (from >= to) return from;
    PartitionList list({{topic, partition, from}});
    if (auto e = rd_kafka_assign(rk_.get(), list.list)) return std::unexpected(error_from(e, "assign"));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int64_t next = from;
    while (next < to) {
      if (std::chrono::steady_clock::now() > deadline) {
        rd_kafka_assign(rk_.get(), nullptr);
        return std::unexpected(BusError{true, "reading " + topic + ": timed out"});
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 200);
      if (!m) continue;
      std::shared_ptr<rd_kafka_message_t> owner(m, rd_kafka_message_destroy);
      if (m->err) {
        auto e = error_from(m->err, "reading " + topic);
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || e.transient) continue;
        rd_kafka_assign(rk_.get(), nullptr);
        return std::unexpected(e);
      }
      if (m->offset < next) continue;
      if (m->offset >= to) break;
      next = m->offset + 1;
      if (!on_message(to_bus_message(std::move(owner)))) break;
    }
    rd_kafka_assign(rk_.get(), nullptr);
    return next;
  }

  std::expected<int64_t, BusError> committed(const std::string& topic, int32_t partition,
                                             std::chrono::milliseconds timeout) override {
    PartitionList list(std::vector<TopicPartition>{{topic, partition, -1}});
    if (auto e = rd_kafka_committed(rk_.get(), list.list, static_cast<int>(timeout.count())))
      return std::unexpected(error_from(e, "committed offset of " + topic));
    const int64_t at = list.list->elems[0].offset;
    return at >= 0 ? at : -1;
  }

  std::expected<Watermarks, BusError> watermarks(const std::string& topic, int32_t partition,
                                                 std::chrono::milliseconds timeout) override {
    Watermarks w;
    if (auto e = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition, &w.low, &w.high,
                                                  static_cast<int>(timeout.count())))
      return std::unexpected(error_from(e, "watermarks of " + topic));
    return w;
  }

 private:
  Handle rk_;
};

// bus.security as librdkafka settings, the SASL password read from its file.
std::expected<Config, BusError> security_settings(const BusConfig& cfg) {
  return client_security_settings(cfg.security, cfg.sasl_password_file, "bus.security");
}

class KafkaBus final : public Bus {
 public:
  static std::expected<std::unique_ptr<Bus>, BusError> create(const BusConfig& cfg) {
    auto bus = std::unique_ptr<KafkaBus>(new KafkaBus(cfg));
    auto security = security_settings(cfg);
    if (!security) return std::unexpected(security.error());
    bus->security_ = std::move(*security);
    if (cfg.brokers.empty() && !cfg.security.empty())
      spdlog::warn("bus.security is ignored in embedded mode (the mock cluster has no TLS/SASL)");
    if (cfg.brokers.empty()) {
      // Embedded mode: a mock cluster hosted by a handle of its own, served on loopback.
      // The host handle never connects anywhere; its "no bootstrap.servers" warning is noise.
      auto conf = make_conf({{"client.id", cfg.client_id + "-mock-host"}, {"log_level", "3"}});
      if (!conf) return std::unexpected(conf.error());
      auto host = make_handle(RD_KAFKA_PRODUCER, *conf);
      if (!host) return std::unexpected(host.error());
      bus->mock_host_ = std::move(*host);
      bus->mock_ = rd_kafka_mock_cluster_new(bus->mock_host_.get(), 1);
      if (!bus->mock_) return std::unexpected(BusError{false, "cannot start the embedded mock cluster"});
      bus->bootstrap_ = rd_kafka_mock_cluster_bootstraps(bus->mock_);
    } else {
      bus->bootstrap_ = cfg.brokers;
    }
    auto conf = make_conf(bus->common({}));
    if (!conf) return std::unexpected(conf.error());
    auto admin = make_handle(RD_KAFKA_PRODUCER, *conf);
    if (!admin) return std::unexpected(admin.error());
    bus->admin_ = std::move(*admin);
    return std::unique_ptr<Bus>(std::move(bus));
  }

  ~KafkaBus() override {
    admin_.reset();
    if (mock_) rd_kafka_mock_cluster_destroy(mock_);
  }

  std::expected<void, BusError> ensure_topics(const std::vector<TopicSpec>& topics) override {
    if (topics.empty()) return {};
    if (mock_) {
      // The mock cluster does not serve CreateTopics: create through its own API, which
      // blocks until the mock's thread has served the request. All are sent at once, and
      // the waker keeps that thread from sleeping on a lost wake-up meanwhile.
      std::vector<rd_kafka_resp_err_t> errs(topics.size(), RD_KAFKA_RESP_ERR_NO_ERROR);
      {
        MockClusterWaker waker(bootstrap_);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < topics.size(); ++i)
          threads.emplace_back([&, i] { errs[i] = rd_kafka_mock_topic_create(mock_, topics[i].name.c_str(), topics[i].partitions, 1); });
        for (auto& t : threads) t.join();
      }
      for (std::size_t i = 0; i < topics.size(); ++i)
        if (errs[i] && errs[i] != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
          return std::unexpected(error_from(errs[i], "create topic " + topics[i].name));
      return {};
    }
    std::vector<rd_kafka_NewTopic_t*> news;
    char err[512];
    for (const auto& t : topics) {
      auto* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
      if (!nt) {
        for (auto* n : news) rd_kafka_NewTopic_destroy(n);
        return std::unexpected(BusError{false, "topic " + t.name + ": " + err});
      }
      for (const auto& [k, v] : t.config) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
      news.push_back(nt);
    }
    rd_kafka_queue_t* q = rd_kafka_queue_new(admin_.get());
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(admin_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, 30000, err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, err, sizeof err);
    rd_kafka_CreateTopics(admin_.get(), news.data(), news.size(), opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    std::expected<void, BusError> result{};
    if (!ev) {
      result = std::unexpected(BusError{true, "create topics: no answer within 60 s"});
    } else if (rd_kafka_event_error(ev)) {
      result = std::unexpected(error_from(rd_kafka_event_error(ev), "create topics"));
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** res =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        auto e = rd_kafka_topic_result_error(res[i]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          result = std::unexpected(BusError{e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                            std::string("create topic ") + rd_kafka_topic_result_name(res[i]) +
                                                ": " + rd_kafka_topic_result_error_string(res[i])});
          break;
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    for (auto* n : news) rd_kafka_NewTopic_destroy(n);
    return result;
  }

  bool reachable(std::chrono::milliseconds timeout) override {
    const rd_kafka_metadata_t* md = nullptr;
    auto err = rd_kafka_metadata(admin_.get(), 0, nullptr, &md, static_cast<int>(timeout.count()));
    if (md) rd_kafka_metadata_destroy(md);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  std::unique_ptr<Producer> make_producer(const ProducerLimits& limits) override {
    Config settings{
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", "5"},
        {"batch.num.messages", "10000"},
        {"compression.type", "lz4"},
        // The hub's own (0): a record waits for the broker however long it is away: lag,
        // never loss.
        {"message.timeout.ms", std::to_string(limits.delivery_timeout.count())},
        // What waits for the broker's ack (bus.memory.producer_buffer_records and _kib);
        // beyond either a source waits (QUEUE_FULL), it does not buffer.
        {"queue.buffering.max.messages", std::to_string(cfg_.memory.producer_buffer_records)},
        {"queue.buffering.max.kbytes", std::to_string(cfg_.memory.producer_buffer_kib)},
    };
    if (limits.max_message_bytes > 0) settings.emplace_back("message.max.bytes", std::to_string(limits.max_message_bytes));
    auto conf = make_conf(common(std::move(settings)));
    if (!conf) throw std::runtime_error(conf.error().message);
    rd_kafka_conf_set_dr_msg_cb(*conf, KafkaProducer::on_delivery);
    auto h = make_handle(RD_KAFKA_PRODUCER, *conf);
    if (!h) throw std::runtime_error(h.error().message);
    return std::make_unique<KafkaProducer>(std::move(*h));
  }

  std::unique_ptr<Consumer> make_consumer(RebalanceListener* listener) override {
    return group_consumer(listener,
                          {
                              {"group.id", cfg_.group_id},
                              {"enable.auto.commit", "false"},
                              {"enable.auto.offset.store", "false"},
                              {"auto.offset.reset", "earliest"},
                              // bus.memory: a daily file lands on one partition and is fetched
                              // in pieces of partition_fetch_kib; what is fetched ahead of the
                              // router, over all its partitions, is bounded too: a backlog (a
                              // replay, a catch-up, a stalled lane) waits on the broker, not here.
                              {"max.partition.fetch.bytes", std::to_string(cfg_.memory.partition_fetch_kib * 1024LL)},
                              {"fetch.max.bytes", std::to_string(cfg_.memory.fetch_max_kib * 1024LL)},
                              {"queued.max.messages.kbytes", std::to_string(cfg_.memory.consumer_prefetch_kib)},
                              // Topics of routes added by a reload are found within this time.
                              {"topic.metadata.refresh.interval.ms", "10000"},
                              // librdkafka 2.0.2 stops fetching every partition once the shared
                              // queue passes a threshold and decides again only when a broker
                              // thread wakes (an I/O, or 1 s): short fetch waits keep it waking
                              // (bus_bench 1M: 4.0-4.4 s at 10 ms, 5.4-5.6 s at 100, 11-15 s at
                              // the default 500). The count threshold is left to the byte bound:
                              // 65-byte records hit the default 100000 messages first.
                              {"fetch.wait.max.ms", "10"},
                              {"queued.min.messages", "10000000"},
                          },
                          true);
  }

  std::unique_ptr<TopicReader> make_reader(const std::string& group) override {
    auto conf = make_conf(common({
        {"group.id", group},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "false"},
        // A reader walks a whole topic (a DLQ backlog, the state log): what librdkafka
        // fetches ahead of it is what bounds its memory, not the topic's size.
        {"queued.max.messages.kbytes", "4096"},
        {"fetch.max.bytes", "4194304"},
    }));
    if (!conf) throw std::runtime_error(conf.error().message);
    auto h = make_handle(RD_KAFKA_CONSUMER, *conf);
    if (!h) throw std::runtime_error(h.error().message);
    rd_kafka_poll_set_consumer(h->get());
    return std::make_unique<KafkaTopicReader>(std::move(*h));
  }

  std::unique_ptr<Consumer> make_group_member(const std::string& group, RebalanceListener* listener,
                                              std::chrono::milliseconds session_timeout) override {
    const auto heartbeat = std::max<long long>(session_timeout.count() / 3, 100);
    return group_consumer(listener,
                          {
                              {"group.id", group},
                              {"enable.auto.commit", "false"},
                              {"enable.auto.offset.store", "false"},
                              {"session.timeout.ms", std::to_string(session_timeout.count())},
                              {"heartbeat.interval.ms", std::to_string(heartbeat)},
                          },
                          false);
  }

  std::string bootstrap_servers() const override { return bootstrap_; }
  bool embedded() const override { return mock_ != nullptr; }
  std::string member_name() const override { return instance_id(); }

 private:
  explicit KafkaBus(BusConfig cfg) : cfg_(std::move(cfg)) {}

  // A consumer group member with these settings; `static_member` gives it this hub's
  // group.instance.id.
  std::unique_ptr<Consumer> group_consumer(RebalanceListener* listener, Config settings, bool static_member) const {
    auto consumer = std::make_unique<KafkaConsumer>(listener);
    auto conf = make_conf(common(std::move(settings)));
    if (!conf) throw std::runtime_error(conf.error().message);
    // Route topics are created by the hub; a typo must not create one. (The mock cluster
    // predates this request and only warns about it, and has no static membership.)
    if (!mock_) {
      rd_kafka_conf_set(*conf, "allow.auto.create.topics", "false", nullptr, 0);
      if (static_member) rd_kafka_conf_set(*conf, "group.instance.id", instance_id().c_str(), nullptr, 0);
    }
    rd_kafka_conf_set_rebalance_cb(*conf, KafkaConsumer::on_rebalance);
    rd_kafka_conf_set_opaque(*conf, consumer.get());
    auto h = make_handle(RD_KAFKA_CONSUMER, *conf);
    if (!h) throw std::runtime_error(h.error().message);
    consumer->attach(std::move(*h));
    return consumer;
  }

  std::string instance_id() const {
    if (!cfg_.instance_id.empty()) return cfg_.instance_id;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return cfg_.client_id + "-" + host;
  }

  Config common(Config extra) const {
    // Requests go out at once: with Nagle a small produce or fetch request can wait for
    // the broker's delayed ACK of the one before (tens of ms on a realtime event).
    Config c{{"bootstrap.servers", bootstrap_}, {"client.id", cfg_.client_id}, {"socket.nagle.disable", "true"}};
    // The embedded mock cluster speaks plaintext only.
    if (!mock_) c.insert(c.end(), security_.begin(), security_.end());
    c.insert(c.end(), extra.begin(), extra.end());
    return c;
  }

  BusConfig cfg_;
  Config security_;  // bus.security with the SASL password read from its file
  Handle mock_host_;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstrap_;
  Handle admin_;
};

}  // namespace

std::expected<void, BusError> check_bus_settings(const BusConfig& config) {
  auto security = security_settings(config);
  if (!security) return std::unexpected(security.error());
  return check_client_settings(*security, "bus.security");
}

std::expected<ClientSettings, BusError> client_security_settings(const ClientSettings& security,
                                                                 const std::string& sasl_password_file,
                                                                 std::string_view what) {
  ClientSettings out(security.begin(), security.end());
  if (!sasl_password_file.empty()) {
    std::ifstream in(sasl_password_file);
    std::string password;
    if (!in || !std::getline(in, password) || password.empty())
      return std::unexpected(
          BusError{false, std::string(what) + ": cannot read sasl.password_file " + sasl_password_file});
    out.emplace_back("sasl.password", password);
  }
  return out;
}

std::expected<void, BusError> check_client_settings(const ClientSettings& settings, std::string_view what) {
  auto conf = make_conf(settings);
  if (!conf) return std::unexpected(BusError{false, std::string(what) + ": " + conf.error().message});
  rd_kafka_conf_destroy(*conf);
  return {};
}

std::expected<std::unique_ptr<Bus>, BusError> make_kafka_bus(const BusConfig& config) {
  return KafkaBus::create(config);
}

}  // namespace renkei
