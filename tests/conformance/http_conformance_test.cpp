// The `http` kind in the adapter conformance suite (its sink; its polling source, pull_url,
// is tested in http_pull_source_test.cpp, and systems that push to /ingest with the
// daemon in tests/integration/test_http_route.py),
// plus what only the http kind promises: Idempotency-Key, retry classes, deadlines.
#include "adapter_conformance.hpp"
#include "http/http_adapter.hpp"
#include "http/http_client.hpp"
#include "http_receiver.hpp"

namespace renkei::conformance {

// The http kind: a unit is what the receiver accepted under one Idempotency-Key (a
// repeat under the same key is the same output, as a target that honours the key keeps it).
class HttpDriver final : public AdapterDriver {
 public:
  static std::string name() { return "http"; }
  std::string kind() const override { return "http"; }

  std::map<std::string, std::string> settings(const std::string&, const fs::path&) override {
    return {{"url", "http://127.0.0.1:" + std::to_string(receiver_.port()) + "/{system}/{interface}"},
            {"timeout_ms", "2000"},
            {"backoff_initial_ms", "250"},
            {"backoff_max_ms", "4000"},
            {"max_body_bytes", "1048576"},
            {"max_batch_bytes", "67108864"},
            {"ack_timeout_ms", "10000"},
            {"content_type", "text/csv; charset=Shift_JIS"}};
  }

  Split split(std::string_view unit) const override { return split_lines(unit); }

  void inject(const Catalogue&, const SystemDef&, int, const std::string&, std::string_view) override {
    ADD_FAILURE() << "the http kind has no polling source";
  }
  std::vector<std::string> inject_not_ready(const Catalogue&, const SystemDef&, int) override { return {}; }
  std::vector<std::string> missing_after_open(const Catalogue&, const SystemDef&, const SystemDef&, int) override {
    return {};
  }

  std::map<std::string, std::string> delivered(const Catalogue&, const SystemDef& sink, int route_id) override {
    std::map<std::string, std::string> out;
    const std::string target = "/" + sink.id + "/" + interface_label(route_id);
    for (const auto& p : receiver_.posts())
      if (p.target == target) add_delivery(out, p.idempotency_key, p.body);
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
  // The target has the batch before the ledger records it: no window where the hub
  // believes in an output the target lacks.
  bool simulate_crash_after_record(const Catalogue&, const SystemDef&, const SinkBatchInfo&, const std::string&,
                                   std::string_view) override {
    return false;
  }
  // Records wait in memory until the end marker: a crash leaves nothing to clean up.
  bool simulate_crash_mid_batch(const Catalogue&, const SystemDef&, const SinkBatchInfo&, std::string_view) override {
    return false;
  }

  TestReceiver receiver_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Http, AdapterConformance, ::testing::Types<HttpDriver>, DriverNames);

// ---- what only the http kind promises -----------------------------------------------------

namespace {

class HttpAdapter : public AdapterConformance<HttpDriver> {
 protected:
  TestReceiver& receiver() { return driver_.receiver_; }
  SystemDef& target() { return cat_.systems[1]; }
};

TEST_F(HttpAdapter, RegistryMakesOnlyASink) {
  EXPECT_EQ(make_source(from(), cat_), nullptr) << "http systems push to /ingest; there is nothing to poll";
  EXPECT_NE(make_sink(to(), cat_), nullptr);
}

TEST_F(HttpAdapter, EventCarriesAStableIdempotencyKeyAndTheContentType) {
  auto snk = sink();
  const std::string rec = "\x8f\x5a\x96\xaf,event";
  ASSERT_TRUE(snk->deliver_event(SinkEvent{kRoute, "4bf92f3577b34da6a3ce929d0e0e4736"}, rec).has_value());
  auto posts = receiver().posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].target, "/b/007");
  EXPECT_EQ(posts[0].idempotency_key, "renkei-007-4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(posts[0].idempotency_key, adapters::idempotency_key(kRoute, "4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_EQ(posts[0].body, rec);
  EXPECT_EQ(posts[0].content_type, "text/csv; charset=Shift_JIS");
}

// An http system that relays a route as its via hop: {system} stays the hop, {target} and
// Renkei-Target name the route's receiving system; its own routes name itself.
TEST_F(HttpAdapter, AHopNamesTheRoutesReceivingSystemInTargetAndHeader) {
  SystemDef hop = target();
  hop.id = "hop";
  hop.adapter.settings["url"] = "http://127.0.0.1:" + std::to_string(receiver().port()) + "/{system}/{target}/{interface}";
  this->cat_.systems.push_back(hop);
  RouteDef relayed = this->cat_.routes[0];
  relayed.id = 8;
  relayed.topic = "renkei.if.008";
  relayed.via = "hop";
  relayed.via_end = RouteEnd::To;
  this->cat_.routes.push_back(relayed);
  RouteDef own = this->cat_.routes[0];
  own.id = 9;
  own.topic = "renkei.if.009";
  own.to = "hop";
  this->cat_.routes.push_back(own);
  ASSERT_EQ(Catalogue::target_carrier(relayed), "hop");

  auto snk = make_sink(*this->cat_.system("hop"), this->cat_);
  ASSERT_TRUE(snk && snk->open());
  ASSERT_TRUE(snk->deliver_event(SinkEvent{8, "e8"}, "x").has_value());
  ASSERT_TRUE(snk->deliver_event(SinkEvent{9, "e9"}, "y").has_value());
  auto posts = receiver().posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].target, "/hop/b/008");
  EXPECT_EQ(posts[0].renkei_target, "b");
  EXPECT_EQ(posts[1].target, "/hop/hop/009");
  EXPECT_EQ(posts[1].renkei_target, "hop");
}

TEST_F(HttpAdapter, ServerErrorsAreTransientClientErrorsArePermanent) {
  auto snk = sink();
  for (int status : {500, 502, 503, 408, 429}) {
    SCOPED_TRACE(status);
    receiver().answer_with(status);
    auto r = snk->deliver_event(SinkEvent{kRoute, "e1"}, "x");
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().transient) << r.error().detail;
    EXPECT_NE(r.error().detail.find(std::to_string(status)), std::string::npos) << r.error().detail;
  }
  for (int status : {400, 404, 409, 413, 422}) {
    SCOPED_TRACE(status);
    receiver().answer_with(status);
    auto r = snk->deliver_event(SinkEvent{kRoute, "e2"}, "secret-contents");
    ASSERT_FALSE(r.has_value());
    EXPECT_FALSE(r.error().transient);
    EXPECT_EQ(r.error().kind, "target-rejected");
    EXPECT_EQ(r.error().detail.find("secret-contents"), std::string::npos) << "record contents in the detail";
  }
  receiver().answer_with(200);
  EXPECT_TRUE(snk->deliver_event(SinkEvent{kRoute, "e3"}, "x").has_value());
}

TEST_F(HttpAdapter, RefusedConnectionIsTransient) {
  unsigned short closed_port = 0;
  {
    TestReceiver gone;
    closed_port = gone.port();
  }
  target().adapter.settings["url"] = "http://127.0.0.1:" + std::to_string(closed_port) + "/x";
  auto snk = sink();
  auto r = snk->deliver_event(SinkEvent{kRoute, "e"}, "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().transient);
}

TEST_F(HttpAdapter, ASlowTargetTimesOutWithinTheDeadline) {
  target().adapter.settings["timeout_ms"] = "300";
  receiver().delay(std::chrono::milliseconds(1500));
  auto snk = sink();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = snk->deliver_event(SinkEvent{kRoute, "slow"}, "x");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().transient);
  EXPECT_LT(took, std::chrono::milliseconds(1200)) << "the deadline was not kept";
  receiver().delay(std::chrono::milliseconds(0));
}

TEST_F(HttpAdapter, RetryPolicyFollowsTheSettings) {
  auto snk = sink();
  EXPECT_EQ(snk->retry_policy().first, std::chrono::milliseconds(250));
  EXPECT_EQ(snk->retry_policy().max, std::chrono::milliseconds(4000));
}

TEST_F(HttpAdapter, MissingOrWrongUrlFailsAtOpen) {
  for (std::string url : {std::string(), std::string("https://example.org/"), std::string("ftp://x/")}) {
    SCOPED_TRACE(url);
    if (url.empty()) target().adapter.settings.erase("url");
    else target().adapter.settings["url"] = url;
    auto snk = make_sink(to(), cat_);
    ASSERT_NE(snk, nullptr);
    auto r = snk->open();
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().transient) << "configuration: records wait in Kafka for a fixed url";
  }
}

TEST_F(HttpAdapter, BatchIsOnePostWithTheBatchIdAsKey) {
  auto snk = sink();
  const std::string id = "20260301T000000Z-00000000000000aa";
  deliver(*snk, info(id), "a\nb\nc\n", "f.csv");
  auto posts = receiver().posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].idempotency_key, "renkei-007-" + id);
  EXPECT_EQ(posts[0].body, "a\nb\nc\n");
}

TEST(HttpUrl, Parses) {
  auto u = adapters::parse_http_url("http://127.0.0.1:8080/a/b?c=1");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/a/b?c=1");
  u = adapters::parse_http_url("http://[::1]/");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "80");
  u = adapters::parse_http_url("http://host");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->target, "/");
  EXPECT_FALSE(adapters::parse_http_url("http://user:pw@host/").has_value());
  EXPECT_FALSE(adapters::parse_http_url("http://host:99999/").has_value());
  EXPECT_FALSE(adapters::parse_http_url("http://:80/").has_value());
  EXPECT_EQ(adapters::expand_url("http://h/{system}/{interface}", 5, "cc"), "http://h/cc/005");
}

}  // namespace
}  // namespace renkei::conformance
