// The `kafka` kind in the adapter conformance suite, against librdkafka's mock cluster as
// the peer (its sink; the inbound side is an EventSource, not a file-unit Source, tested
// below and with the daemon in tests/integration/test_kafka_route.py), plus what only the
// kafka kind promises: headers that make a repeat recognisable, retry classes, peer faults.
#include <set>

#include "adapter_conformance.hpp"
#include "kafka/kafka_adapter.hpp"
#include "kafka_peer_cluster.hpp"
#include "renkei/adapter_spec.hpp"

namespace renkei::conformance {

namespace {
constexpr const char* kSinkTopic = "renkei.b.007";
constexpr const char* kSourceTopic = "renkei.a.007";

std::string header(const BusMessage& m, std::string_view name) { return std::string(m.header(name).value_or("")); }
}  // namespace

// The kafka kind: a unit is what the peer topic holds under one idempotency key, as a peer
// that recognises repeats keeps it: an event is its record; a batch is its records in
// sequence, visible once its end marker arrived (then rebuilt as the file was).
class KafkaDriver final : public AdapterDriver {
 public:
  static std::string name() { return "kafka"; }
  std::string kind() const override { return "kafka"; }

  std::map<std::string, std::string> settings(const std::string&, const fs::path&) override {
    return {{"brokers", peer_.bootstrap()},
            {"topic", "renkei.{system}.{interface}"},
            {"delivery_timeout_ms", "3000"},
            {"max_message_bytes", "8388608"},
            {"max_batch_bytes", "67108864"},
            {"backoff_initial_ms", "250"},
            {"backoff_max_ms", "4000"}};
  }

  Split split(std::string_view unit) const override { return split_lines(unit); }

  void inject(const Catalogue&, const SystemDef&, int, const std::string&, std::string_view) override {
    ADD_FAILURE() << "the kafka kind has no file-unit source";
  }
  std::vector<std::string> inject_not_ready(const Catalogue&, const SystemDef&, int) override { return {}; }
  std::vector<std::string> missing_after_open(const Catalogue&, const SystemDef&, const SystemDef&, int) override {
    return {};
  }

  std::map<std::string, std::string> delivered(const Catalogue&, const SystemDef& sink, int route_id) override {
    std::map<std::string, std::string> out;
    // batch id → its records since the last marker, as sent (a repeat is not folded in). An
    // attempt cut off before its marker is not a delivery: the peer reads a batch at its
    // marker, and the attempt that follows starts again at record 1.
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> records;
    for (const auto& m : peer_.read("renkei." + sink.id + "." + interface_label(route_id))) {
      const std::string batch = header(m, hdr::kBatchId);
      if (batch.empty()) {
        add_delivery(out, header(m, adapters::kIdempotencyHeader), std::string(m.value));
      } else if (auto end = m.header(hdr::kBatchEnd)) {
        auto e = BatchEnd::parse(*end);
        EXPECT_TRUE(e.has_value()) << *end;
        std::string bytes;
        for (const auto& [seq, rec] : records[batch]) bytes += (bytes.empty() && seq == 1 ? "" : "\n") + rec;
        if (e && e->final_newline) bytes += "\n";
        EXPECT_EQ(records[batch].size(), e ? e->count : 0) << "batch " << batch;
        add_delivery(out, batch, bytes);
        records.erase(batch);
      } else {
        const uint64_t seq = std::stoull(header(m, hdr::kSeq));
        if (seq == 1) records[batch].clear();
        records[batch].emplace_back(seq, std::string(m.value));
      }
    }
    return out;
  }
  bool repeats_reach_the_target() const override { return true; }
  // Only the ledger is on disk, written atomically (no temp names stay behind).
  std::vector<std::string> leftovers(const Catalogue& cat, const SystemDef& sink, int route_id) override {
    std::vector<std::string> out;
    std::error_code ec;
    const fs::path dir = fs::path(cat.hub.state_dir) / "delivered" / sink.id / interface_label(route_id);
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().filename().string().starts_with('.')) out.push_back(e.path().string());
    return out;
  }
  // The peer acknowledges the batch before the ledger records it.
  bool simulate_crash_after_record(const Catalogue&, const SystemDef&, const SinkBatchInfo&, const std::string&,
                                   std::string_view) override {
    return false;
  }
  // Records wait in memory until the end marker: a crash leaves nothing to clean up.
  bool simulate_crash_mid_batch(const Catalogue&, const SystemDef&, const SinkBatchInfo&, std::string_view) override {
    return false;
  }

  MockPeerCluster peer_{{kSinkTopic, kSourceTopic}};
};

INSTANTIATE_TYPED_TEST_SUITE_P(Kafka, AdapterConformance, ::testing::Types<KafkaDriver>, DriverNames);

// ---- what only the kafka kind promises ----------------------------------------------------

namespace {

class KafkaAdapter : public AdapterConformance<KafkaDriver> {
 protected:
  MockPeerCluster& peer() { return driver_.peer_; }
  SystemDef& target() { return cat_.systems[1]; }
  SystemDef& origin() { return cat_.systems[0]; }

  std::unique_ptr<EventSource> event_source() {
    auto s = make_event_source(from(), cat_);
    EXPECT_NE(s, nullptr);
    auto r = s->open();
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().detail);
    return s;
  }
  // What the peer publishes on the source topic, acknowledged.
  void publish(const std::string& key, const std::string& value, std::vector<Header> headers = {}) {
    auto producer = peer().client().make_producer();
    std::optional<BusError> failed;
    bool done = false;
    ASSERT_TRUE(producer->produce(OutMessage{kSourceTopic, key, value, std::move(headers)},
                                  [&](const std::optional<BusError>& e) {
                                    failed = e;
                                    done = true;
                                  }));
    ASSERT_TRUE(producer->flush(std::chrono::seconds(10)));
    ASSERT_TRUE(done);
    ASSERT_FALSE(failed) << failed->message;
  }
  // The next record the source offers, waiting up to 20 s for the group to settle.
  std::optional<InboundEvent> next(EventSource& s) {
    for (int i = 0; i < 40; ++i) {
      auto e = s.next(std::chrono::milliseconds(500));
      EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().detail);
      if (e && *e) return std::move(**e);
    }
    return std::nullopt;
  }
};

TEST_F(KafkaAdapter, RegistryMakesASinkAndAnEventSourceButNoUnitSource) {
  EXPECT_EQ(make_source(from(), cat_), nullptr) << "kafka peers publish record by record";
  EXPECT_NE(make_event_source(from(), cat_), nullptr);
  EXPECT_NE(make_sink(to(), cat_), nullptr);
  SystemDef on_files = from();
  on_files.adapter.kind = "file";
  EXPECT_EQ(make_event_source(on_files, cat_), nullptr);
}

TEST_F(KafkaAdapter, EventKeepsItsKeyAndCarriesRecognisableHeaders) {
  auto snk = sink();
  const std::string rec = "\x8f\x5a\x96\xaf,event";
  ASSERT_TRUE(snk->deliver_event(SinkEvent{kRoute, "4bf92f3577b34da6a3ce929d0e0e4736", "000123"}, rec).has_value());
  auto msgs = peer().read(kSinkTopic);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].key, "000123");
  EXPECT_EQ(msgs[0].value, rec);
  EXPECT_EQ(header(msgs[0], hdr::kInterface), "007");
  EXPECT_EQ(header(msgs[0], hdr::kSource), "a");
  EXPECT_EQ(header(msgs[0], hdr::kTraceId), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(header(msgs[0], adapters::kIdempotencyHeader), "renkei-007-4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(msgs[0].header(hdr::kBatchId));
  // Without a key the event's id keys it: repeats land on the same partition.
  ASSERT_TRUE(snk->deliver_event(SinkEvent{kRoute, "e2"}, "x").has_value());
  EXPECT_EQ(peer().read(kSinkTopic).at(1).key, "e2");
}

TEST_F(KafkaAdapter, BatchRecordsCarryBatchIdSequenceAndAClosingMarker) {
  auto snk = sink();
  const std::string id = "20260301T000000Z-00000000000000aa";
  deliver(*snk, info(id), "a\nb\n", "f.csv");
  auto msgs = peer().read(kSinkTopic);
  ASSERT_EQ(msgs.size(), 3u);
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    EXPECT_EQ(msgs[i].key, id);
    EXPECT_EQ(header(msgs[i], hdr::kBatchId), id);
    EXPECT_EQ(header(msgs[i], hdr::kInterface), "007");
  }
  EXPECT_EQ(header(msgs[0], hdr::kSeq), "1");
  EXPECT_EQ(header(msgs[1], hdr::kSeq), "2");
  EXPECT_EQ(header(msgs[1], adapters::kIdempotencyHeader), "renkei-007-" + id + "-2");
  auto end = BatchEnd::parse(header(msgs[2], hdr::kBatchEnd));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->count, 2u);
  EXPECT_EQ(end->sha256, sha256_hex("a\nb\n"));
  EXPECT_EQ(end->name, "f.csv");
  EXPECT_EQ(header(msgs[2], adapters::kIdempotencyHeader), "renkei-007-" + id + "-end");
}

TEST_F(KafkaAdapter, PeerDownIsTransientThenDelivered) {
  target().adapter.settings["delivery_timeout_ms"] = "1000";
  auto snk = sink();
  peer().broker_down();
  auto r = snk->deliver_event(SinkEvent{kRoute, "while-down"}, "waiting");
  ASSERT_FALSE(r.has_value()) << "delivered to a peer that is down";
  EXPECT_TRUE(r.error().transient) << r.error().detail;
  auto b = snk->begin(info("20260302T000000Z-00000000000000bb"));
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE((*b)->append("r1").has_value());
  auto c = (*b)->commit(end_for("r1\n", "down.csv"));
  ASSERT_FALSE(c.has_value());
  EXPECT_TRUE(c.error().transient) << c.error().detail;
  auto d = snk->delivered(info("20260302T000000Z-00000000000000bb"));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(*d) << "a batch the peer never acknowledged counted as delivered";
  // The router retries after its back-off: now the peer is back (librdkafka reconnects
  // on its own back-off, so the first attempts may still fail, transiently).
  peer().broker_up();
  auto until_delivered = [&](const std::function<AdapterResult<>()>& attempt) {
    for (int i = 0; i < 30; ++i) {
      auto a = attempt();
      if (a) return true;
      EXPECT_TRUE(a.error().transient) << a.error().detail;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  };
  ASSERT_TRUE(until_delivered([&] { return snk->deliver_event(SinkEvent{kRoute, "while-down"}, "waiting"); }));
  ASSERT_TRUE(until_delivered([&]() -> AdapterResult<> {
    auto again = snk->begin(info("20260302T000000Z-00000000000000bb"));
    if (!again) return std::unexpected(again.error());
    if (auto a = (*again)->append("r1"); !a) return a;
    return (*again)->commit(end_for("r1\n", "down.csv"));
  }));
  auto out = delivered();
  EXPECT_EQ(out.at("renkei-007-while-down"), "waiting");
  EXPECT_EQ(out.at("20260302T000000Z-00000000000000bb"), "r1\n");
}

TEST_F(KafkaAdapter, AnUnreachablePeerDoesNotKeepTheSinkFromOpening) {
  target().adapter.settings["brokers"] = "127.0.0.1:1";
  target().adapter.settings["delivery_timeout_ms"] = "500";
  auto snk = make_sink(to(), cat_);
  ASSERT_TRUE(snk->open().has_value());
  auto r = snk->deliver_event(SinkEvent{kRoute, "e"}, "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().transient);
}

TEST_F(KafkaAdapter, RecordTooLargeForThePeerIsPermanent) {
  target().adapter.settings["max_message_bytes"] = "1000";
  auto snk = sink();
  auto r = snk->deliver_event(SinkEvent{kRoute, "big"}, std::string(5000, 'Q'));
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().transient) << r.error().detail;
  EXPECT_EQ(r.error().kind, "target-rejected");
  EXPECT_EQ(r.error().detail.find("QQQQ"), std::string::npos) << "record contents in the detail";
  EXPECT_TRUE(snk->deliver_event(SinkEvent{kRoute, "small"}, "fits").has_value());
}

TEST_F(KafkaAdapter, TopicAuthorizationFailureIsPermanent) {
  auto snk = sink();
  ASSERT_TRUE(snk->deliver_event(SinkEvent{kRoute, "warm"}, "x").has_value());  // connected, metadata known
  peer().fail_requests(0 /* Produce */, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  auto r = snk->deliver_event(SinkEvent{kRoute, "denied"}, "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().transient) << r.error().detail;
  EXPECT_EQ(r.error().kind, "target-rejected");
}

TEST_F(KafkaAdapter, MissingBrokersIsAConfigErrorThatWaits) {
  target().adapter.settings.erase("brokers");
  auto snk = make_sink(to(), cat_);
  auto r = snk->open();
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().transient) << "configuration: records wait in Kafka for a fixed one";
}

TEST_F(KafkaAdapter, RetryPolicyFollowsTheSettings) {
  auto snk = sink();
  EXPECT_EQ(snk->retry_policy().first, std::chrono::milliseconds(250));
  EXPECT_EQ(snk->retry_policy().max, std::chrono::milliseconds(4000));
}

TEST_F(KafkaAdapter, EventSourceOffersWhatThePeerPublishedUntilConfirmed) {
  publish("000123", "first", {{std::string(hdr::kTraceId), "peer-trace-1"}});
  publish("", "second");
  {
    auto src = event_source();
    auto e1 = next(*src);
    ASSERT_TRUE(e1.has_value());
    EXPECT_EQ(e1->route_id, kRoute);
    EXPECT_EQ(e1->key, "000123");
    EXPECT_EQ(e1->value, "first");
    EXPECT_EQ(e1->trace_id, "peer-trace-1") << "the peer's own trace id is kept";
    EXPECT_EQ(e1->origin, std::string(kSourceTopic) + ":0:0");
    ASSERT_TRUE(src->confirm({*e1}).has_value());
    auto e2 = next(*src);
    ASSERT_TRUE(e2.has_value());
    EXPECT_EQ(e2->value, "second");
    EXPECT_EQ(e2->key, "");
    EXPECT_EQ(e2->trace_id, std::string("kafka-") + kSourceTopic + "-p0-o1") << "stable: where it stands";
    // Not confirmed (the hub's broker never acknowledged it, the hub crashed, …).
    e1.reset();
    e2.reset();
    src->close();
  }
  // Where a new member of the group (the restarted hub) starts: after the confirmed
  // record, at the other one. (Read without joining the group: the mock cluster lets a
  // group rebalance only long after the old member's session timeout.)
  auto reader = peer().client().make_reader("renkei-hub.peer.a");
  auto rest = reader->read_to_end(kSourceTopic, false, std::chrono::seconds(20));
  ASSERT_TRUE(rest.has_value()) << rest.error().message;
  ASSERT_EQ(rest->messages.size(), 1u) << "a confirmed record would be offered again";
  EXPECT_EQ(rest->messages[0].value, "second");
  EXPECT_EQ(rest->messages[0].offset, 1);
}

// ---- the options, checked at validate ------------------------------------------------------

TEST_F(KafkaAdapter, SpecRejectsWhatCannotWork) {
  const AdapterKindSpec* spec = find_adapter_kind("kafka");
  ASSERT_NE(spec, nullptr);
  ASSERT_TRUE(spec->check);
  EXPECT_EQ(spec->check(origin(), cat_), std::nullopt);
  auto problem = [&](std::map<std::string, std::string> settings) {
    SystemDef s = origin();
    for (const auto& [k, v] : settings) {
      if (v.empty()) s.adapter.settings.erase(k);
      else s.adapter.settings[k] = v;
    }
    return spec->check(s, cat_).value_or("");
  };
  EXPECT_NE(problem({{"brokers", ""}}).find("brokers"), std::string::npos);
  EXPECT_NE(problem({{"topic", "renkei.if.{interface}"}}).find("hub's own"), std::string::npos);
  EXPECT_NE(problem({{"topic", "bad topic {interface}"}}).find("not a Kafka topic"), std::string::npos);
  EXPECT_NE(problem({{"security.protocol", "sasl_ssl"}, {"sasl.mechanism", "SCRAM-SHA-512"}, {"sasl.username", "u"}})
                .find("sasl.password_file"),
            std::string::npos);
  EXPECT_NE(problem({{"sasl.username", "u"}}).find("security.protocol"), std::string::npos);
  EXPECT_EQ(problem({{"security.protocol", "sasl_plaintext"}, {"sasl.mechanism", "PLAIN"}, {"sasl.username", "u"},
                     {"sasl.password_file", "/etc/renkei/peer-password"}}),
            "");
  // Two routes out of the system need {interface} in the topic.
  RouteDef second = cat_.routes[0];
  second.id = 8;
  second.topic = "renkei.if.008";
  cat_.routes.push_back(second);
  EXPECT_NE(problem({{"topic", "renkei.a.events"}}).find("{interface}"), std::string::npos);
  EXPECT_EQ(problem({}), "");
  // The password is never an option: it lives in sasl.password_file.
  EXPECT_EQ(spec->option("sasl.password"), nullptr);
  EXPECT_NE(spec->option("sasl.password_file"), nullptr);
}

TEST(KafkaPeer, SecurityAndGroupPassThrough) {
  Catalogue cat;
  cat.hub.bus.group_id = "renkei-hub";
  cat.hub.bus.client_id = "renkei";
  SystemDef s;
  s.id = "peer";
  s.adapter.kind = "kafka";
  s.adapter.settings = {{"brokers", "k1:9093,k2:9093"},
                        {"topic", "renkei.{system}.{interface}"},
                        {"security.protocol", "sasl_ssl"},
                        {"ssl.ca.location", "/etc/ssl/peer-ca.pem"},
                        {"sasl.mechanism", "SCRAM-SHA-512"},
                        {"sasl.username", "hub"},
                        {"sasl.password_file", "/etc/renkei/peer-password"}};
  auto cfg = adapters::peer_bus_config(s, cat);
  EXPECT_EQ(cfg.brokers, "k1:9093,k2:9093");
  EXPECT_EQ(cfg.group_id, "renkei-hub.peer.peer");
  EXPECT_EQ(cfg.client_id, "renkei-peer");
  EXPECT_EQ(cfg.sasl_password_file, "/etc/renkei/peer-password");
  EXPECT_EQ(cfg.security, (ClientSettings{{"security.protocol", "sasl_ssl"},
                                          {"ssl.ca.location", "/etc/ssl/peer-ca.pem"},
                                          {"sasl.mechanism", "SCRAM-SHA-512"},
                                          {"sasl.username", "hub"}}));
  EXPECT_EQ(adapters::peer_topic(s, 28), "renkei.peer.028");
  s.adapter.settings["group_id"] = "their-group";
  EXPECT_EQ(adapters::peer_bus_config(s, cat).group_id, "their-group");
  // The password file is read as bus.security's is: a missing one is named, never shown.
  auto sec = client_security_settings(cfg.security, "/nonexistent/peer-password", "system peer");
  ASSERT_FALSE(sec.has_value());
  EXPECT_NE(sec.error().message.find("/nonexistent/peer-password"), std::string::npos);
}

}  // namespace
}  // namespace renkei::conformance
