// The librdkafka bus against its embedded mock cluster (BusConfig with no brokers): a real
// Kafka protocol conversation on loopback, no external broker.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "renkei/batch.hpp"
#include "renkei/bus.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string unique(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(Clock::now().time_since_epoch().count() % 1'000'000'007) + "-" + std::to_string(++n);
}

// Partition counts of every topic the cluster reports, asked with librdkafka directly.
std::map<std::string, int> topic_partitions(const std::string& bootstrap) {
  std::map<std::string, int> out;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    ADD_FAILURE() << err;
    return out;
  }
  const rd_kafka_metadata_t* md = nullptr;
  auto rc = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);  // all topics: creates none
  EXPECT_EQ(rc, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(rc);
  if (md) {
    for (int i = 0; i < md->topic_cnt; ++i)
      if (!md->topics[i].err) out[md->topics[i].topic] = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_destroy(rk);
  return out;
}

class RecordingListener final : public RebalanceListener {
 public:
  void on_assigned(const std::vector<TopicPartition>& parts) override {
    std::lock_guard lock(mu_);
    assigned_.insert(assigned_.end(), parts.begin(), parts.end());
  }
  void on_revoked(const std::vector<TopicPartition>& parts) override {
    std::lock_guard lock(mu_);
    revoked_.insert(revoked_.end(), parts.begin(), parts.end());
  }
  std::vector<TopicPartition> assigned() const {
    std::lock_guard lock(mu_);
    return assigned_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<TopicPartition> assigned_, revoked_;
};

// Counts delivery reports.
class Deliveries final : public DeliveryHandler {
 public:
  void on_delivery(const std::optional<BusError>& error) override {
    std::lock_guard lock(mu_);
    if (error) errors_.push_back(error->message);
    ++done_;
    cv_.notify_all();
  }
  bool wait_for(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_ >= n; });
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int done_ = 0;
  std::vector<std::string> errors_;
};

struct Got {
  std::string topic;
  int32_t partition;
  int64_t offset;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Polls until `n` messages arrived or `timeout` passed.
std::vector<Got> consume(Consumer& c, std::size_t n, std::chrono::milliseconds timeout) {
  std::vector<Got> out;
  auto deadline = Clock::now() + timeout;
  while (out.size() < n && Clock::now() < deadline) {
    auto m = c.poll(200ms);
    EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
    if (!m || !*m) continue;
    const BusMessage& msg = **m;
    Got g{std::string(msg.topic), msg.partition, msg.offset, std::string(msg.key), std::string(msg.value), {}};
    for (const auto& [k, v] : msg.headers) g.headers.emplace_back(std::string(k), std::string(v));
    out.push_back(std::move(g));
  }
  return out;
}

class KafkaBusEmbedded : public ::testing::Test {
 protected:
  void SetUp() override {
    BusConfig cfg;  // no brokers: the embedded mock cluster
    cfg.group_id = unique("renkei-test-group");
    cfg.client_id = "renkei-bus-test";
    group_ = cfg.group_id;
    auto b = make_kafka_bus(cfg);
    ASSERT_TRUE(b.has_value()) << b.error().message;
    bus_ = std::move(*b);
  }

  void make_topic(const std::string& name, int partitions = 1) {
    auto r = bus_->ensure_topics({TopicSpec{name, partitions, 1, {}}});
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  std::string group_;
  std::unique_ptr<Bus> bus_;
};

TEST_F(KafkaBusEmbedded, IsEmbeddedAndReachable) {
  EXPECT_TRUE(bus_->embedded());
  const auto bootstrap = bus_->bootstrap_servers();
  EXPECT_FALSE(bootstrap.empty());
  EXPECT_NE(bootstrap.find(':'), std::string::npos) << bootstrap;
  EXPECT_TRUE(bus_->reachable(5s));
}

TEST_F(KafkaBusEmbedded, EnsureTopicsCreatesTopicsAndIsIdempotent) {
  const std::string a = unique("renkei.if.901"), b = unique("renkei.if.902");
  const std::vector<TopicSpec> specs = {{a, 2, 1, {}}, {b, 3, 1, {{"cleanup.policy", "compact"}}}};
  auto r = bus_->ensure_topics(specs);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto topics = topic_partitions(bus_->bootstrap_servers());
  ASSERT_TRUE(topics.contains(a)) << "topic " << a << " not created";
  ASSERT_TRUE(topics.contains(b)) << "topic " << b << " not created";
  EXPECT_EQ(topics[a], 2);
  EXPECT_EQ(topics[b], 3);
  // A second call with the same and one new topic: fine, existing ones left alone.
  const std::string c = unique("renkei.if.903");
  r = bus_->ensure_topics({{a, 2, 1, {}}, {b, 3, 1, {}}, {c, 1, 1, {}}});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  topics = topic_partitions(bus_->bootstrap_servers());
  EXPECT_EQ(topics[a], 2);
  EXPECT_EQ(topics[b], 3);
  EXPECT_EQ(topics[c], 1);
  EXPECT_TRUE(bus_->ensure_topics({}).has_value());
}

TEST_F(KafkaBusEmbedded, RecordsWithHeadersComeBackInOrder) {
  const std::string topic = unique("renkei.if.904");
  make_topic(topic);
  auto producer = bus_->make_producer();
  producer->prepare({topic});

  constexpr int kBorrowed = 12;
  std::vector<Got> sent;
  Deliveries reports;
  const std::string batch = "20260101T000000Z-0123456789abcdef";
  for (int i = 0; i < kBorrowed; ++i) {
    const std::string seq = std::to_string(i + 1);
    const std::string value = "0001,\x8f\x5a\x96\xaf," + seq + std::string("\0bin", 4);
    std::vector<HeaderView> headers = {{hdr::kInterface.data(), "904"},
                                       {hdr::kBatchId.data(), batch},
                                       {hdr::kSeq.data(), seq},
                                       {hdr::kCharset.data(), "ibm-943_P15A-2003"},
                                       {hdr::kTraceId.data(), ""}};  // an empty value survives too
    auto r = producer->produce(MessageView{topic, batch, value, headers}, &reports);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    Got g{topic, 0, i, batch, value, {}};
    for (const auto& h : headers) g.headers.emplace_back(h.key, std::string(h.value));
    sent.push_back(std::move(g));
  }
  // The owned form (the DLQ path) with a one-off callback; its end marker goes last.
  std::atomic<int> owned_ok{0};
  BatchEnd end{kBorrowed, std::string(64, 'a'), true, "name;with=separators.csv"};
  OutMessage last{topic, batch, "", {{std::string(hdr::kBatchId), batch}, {std::string(hdr::kBatchEnd), end.format()}}};
  sent.push_back(Got{topic, 0, kBorrowed, batch, "", {{std::string(hdr::kBatchId), batch}, {std::string(hdr::kBatchEnd), end.format()}}});
  ASSERT_TRUE(producer->produce(std::move(last), [&](const std::optional<BusError>& e) {
    if (!e) ++owned_ok;
  }).has_value());

  ASSERT_TRUE(producer->flush(10s).has_value());
  ASSERT_TRUE(reports.wait_for(kBorrowed, 10s));
  EXPECT_EQ(reports.errors(), std::vector<std::string>{});
  EXPECT_EQ(owned_ok.load(), 1);

  RecordingListener listener;
  auto consumer = bus_->make_consumer(&listener);
  ASSERT_TRUE(consumer->subscribe({topic}).has_value());
  auto got = consume(*consumer, sent.size(), 25s);
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].topic, topic);
    EXPECT_EQ(got[i].partition, 0);
    EXPECT_EQ(got[i].offset, sent[i].offset);
    EXPECT_EQ(got[i].key, sent[i].key);
    EXPECT_EQ(got[i].value, sent[i].value);
    EXPECT_EQ(got[i].headers, sent[i].headers);
  }
  auto assigned = listener.assigned();
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].topic, topic);
  consumer->close();
}

TEST_F(KafkaBusEmbedded, ATombstoneIsANullValueAndAnEmptyValueIsNot) {
  // renkei.state deletes a key with a null value; an empty value (a batch's end marker)
  // must stay a value, or compaction would drop it.
  const std::string topic = unique("renkei.if.906");
  make_topic(topic);
  auto producer = bus_->make_producer();
  std::atomic<int> ok{0};
  auto count = [&](const std::optional<BusError>& e) { if (!e) ++ok; };
  ASSERT_TRUE(producer->produce(OutMessage{topic, "gone", "", {}, true}, count).has_value());
  ASSERT_TRUE(producer->produce(OutMessage{topic, "empty", "", {}}, count).has_value());
  ASSERT_TRUE(producer->produce(OutMessage{topic, "full", "x", {}}, count).has_value());
  ASSERT_TRUE(producer->flush(10s).has_value());
  EXPECT_EQ(ok.load(), 3);

  auto consumer = bus_->make_consumer(nullptr);
  ASSERT_TRUE(consumer->subscribe({topic}).has_value());
  std::vector<std::pair<std::string, bool>> got;
  auto deadline = Clock::now() + 25s;
  while (got.size() < 3 && Clock::now() < deadline) {
    auto m = consumer->poll(200ms);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    if (*m) got.emplace_back(std::string((*m)->key), (*m)->tombstone);
  }
  const std::vector<std::pair<std::string, bool>> want = {{"gone", true}, {"empty", false}, {"full", false}};
  EXPECT_EQ(got, want);
  consumer->close();
}

TEST_F(KafkaBusEmbedded, HeaderLookupOnAConsumedMessage) {
  const std::string topic = unique("renkei.if.905");
  make_topic(topic);
  auto producer = bus_->make_producer();
  ASSERT_TRUE(producer->produce(OutMessage{topic, "k", "v", {{"renkei-seq", "7"}, {"renkei-charset", "UTF-8"}}},
                                nullptr).has_value());
  ASSERT_TRUE(producer->flush(10s).has_value());
  auto consumer = bus_->make_consumer(nullptr);
  ASSERT_TRUE(consumer->subscribe({topic}).has_value());
  std::optional<BusMessage> kept;
  for (auto deadline = Clock::now() + 25s; !kept && Clock::now() < deadline;) {
    auto m = consumer->poll(200ms);
    ASSERT_TRUE(m.has_value());
    if (*m) kept = std::move(**m);
  }
  ASSERT_TRUE(kept.has_value());
  // The views stay valid while the message is kept, even after more polling.
  (void)consumer->poll(100ms);
  EXPECT_EQ(kept->header("renkei-seq"), std::optional<std::string_view>("7"));
  EXPECT_EQ(kept->header("renkei-charset"), std::optional<std::string_view>("UTF-8"));
  EXPECT_EQ(kept->header("renkei-batch-id"), std::nullopt);
  EXPECT_EQ(kept->key, "k");
  EXPECT_EQ(kept->value, "v");
  consumer->close();
}

// librdkafka 2.0.2's mock cluster does not let a group member that left free its place:
// a second *subscribing* member of the same group waits out the first one's session
// timeout (45 s, measured with plain librdkafka too). So each direction is checked with a
// standalone (assign-only, never joining) librdkafka client on the other side: the hub's
// commit is what a new consumer of the group resumes from, and the hub's consumer resumes
// from what the group committed.
class Standalone {
 public:
  Standalone(const std::string& bootstrap, const std::string& group) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (auto [k, v] : {std::pair{"bootstrap.servers", bootstrap.c_str()}, std::pair{"group.id", group.c_str()},
                        std::pair{"enable.auto.commit", "false"}, std::pair{"auto.offset.reset", "earliest"},
                        std::pair{"log_level", "3"}})
      EXPECT_EQ(rd_kafka_conf_set(conf, k, v, err, sizeof err), RD_KAFKA_CONF_OK) << err;
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk_) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(err);
    }
    rd_kafka_poll_set_consumer(rk_);
  }
  ~Standalone() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  Standalone(const Standalone&) = delete;
  Standalone& operator=(const Standalone&) = delete;

  int64_t committed(const std::string& topic, int32_t partition) {
    auto* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic.c_str(), partition);
    auto err = rd_kafka_committed(rk_, l, 10000);
    EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    int64_t off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return off;
  }
  void commit(const std::string& topic, int32_t partition, int64_t offset) {
    auto* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset = offset;
    auto err = rd_kafka_commit(rk_, l, 0);
    EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    rd_kafka_topic_partition_list_destroy(l);
  }
  // Reads from the group's committed offset; the first message's offset, or -1.
  int64_t first_offset_from_committed(const std::string& topic, int32_t partition, std::chrono::milliseconds timeout) {
    auto* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset = RD_KAFKA_OFFSET_STORED;
    rd_kafka_assign(rk_, l);
    rd_kafka_topic_partition_list_destroy(l);
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 200);
      if (!m) continue;
      int64_t off = m->err ? -1 : m->offset;
      rd_kafka_message_destroy(m);
      if (off >= 0) return off;
    }
    return -1;
  }

 private:
  rd_kafka_t* rk_ = nullptr;
};

std::vector<std::string> produce_values(Bus& bus, const std::string& topic, int n) {
  auto producer = bus.make_producer();
  Deliveries reports;
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back("record-" + std::to_string(i));
  for (const auto& v : values) {
    auto r = producer->produce(MessageView{topic, "key", v, {}}, &reports);
    EXPECT_TRUE(r.has_value());
  }
  EXPECT_TRUE(producer->flush(10s).has_value());
  EXPECT_TRUE(reports.wait_for(n, 10s));
  EXPECT_EQ(reports.errors(), std::vector<std::string>{});
  return values;
}

TEST_F(KafkaBusEmbedded, CommitIsWhereANewConsumerOfTheGroupResumes) {
  const std::string topic = unique("renkei.if.906");
  make_topic(topic);
  auto values = produce_values(*bus_, topic, 6);
  {
    auto first = bus_->make_consumer(nullptr);
    ASSERT_TRUE(first->subscribe({topic}).has_value());
    auto got = consume(*first, 3, 25s);
    ASSERT_EQ(got.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(got[i].value, values[i]);
    // Records 0..2 durably handled: commit the next offset to read.
    auto c = first->commit({TopicPartition{topic, 0, got.back().offset + 1}});
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_TRUE(first->commit({}).has_value());
    first->close();
  }
  Standalone next(bus_->bootstrap_servers(), group_);
  EXPECT_EQ(next.committed(topic, 0), 3);
  EXPECT_EQ(next.first_offset_from_committed(topic, 0, 10s), 3);
}

TEST_F(KafkaBusEmbedded, ConsumerResumesAfterTheGroupsCommittedOffset) {
  const std::string topic = unique("renkei.if.907");
  make_topic(topic);
  auto values = produce_values(*bus_, topic, 6);
  {
    Standalone before(bus_->bootstrap_servers(), group_);
    before.commit(topic, 0, 4);  // what an earlier consumer of the group committed
  }
  auto consumer = bus_->make_consumer(nullptr);
  ASSERT_TRUE(consumer->subscribe({topic}).has_value());
  auto rest = consume(*consumer, 2, 25s);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].offset, 4);
  EXPECT_EQ(rest[0].value, values[4]);
  EXPECT_EQ(rest[1].offset, 5);
  EXPECT_EQ(rest[1].value, values[5]);
  EXPECT_TRUE(consume(*consumer, 1, 500ms).empty()) << "a record before the committed offset came again";
  consumer->close();
}

}  // namespace
}  // namespace renkei
