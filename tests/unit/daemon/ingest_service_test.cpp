#include "ingest_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "renkei/batch.hpp"
#include "support/temp_dir.hpp"

namespace renkei {
namespace {

// Keeps what was produced; the test decides when (and whether) Kafka acknowledges.
class FakeProducer final : public Producer {
 public:
  struct Sent {
    std::string topic, key, value;
    std::map<std::string, std::string> headers;
    DeliveryHandler* handler;
  };
  std::expected<void, BusError> produce(const MessageView& m, DeliveryHandler* handler) override {
    std::lock_guard lock(mu);
    Sent s{std::string(m.topic), std::string(m.key), std::string(m.value), {}, handler};
    for (const auto& h : m.headers) s.headers[h.key] = std::string(h.value);
    sent.push_back(std::move(s));
    if (ack_at_once) handler->on_delivery(std::nullopt);
    return {};
  }
  void poll(std::chrono::milliseconds) override {}
  void prepare(const std::vector<std::string>&) override {}
  std::expected<void, BusError> flush(std::chrono::milliseconds) override { return {}; }

  std::mutex mu;
  std::vector<Sent> sent;
  bool ack_at_once = true;
};

class Ingest : public ::testing::Test {
 protected:
  Ingest() {
    auto cat = std::make_shared<Catalogue>();
    auto sys = [&](std::string id, std::string kind, std::string charset) {
      SystemDef s;
      s.id = std::move(id);
      s.name = s.id;
      s.charset = std::move(charset);
      s.adapter.kind = std::move(kind);
      s.adapter.settings = {{"max_body_bytes", "64"}, {"ack_timeout_ms", "300"}};
      cat->systems.push_back(std::move(s));
    };
    sys("seal", "http", "ibm-943_P15A-2003");
    sys("cert", "http", "UTF-8");
    sys("files", "file", "UTF-8");
    auto route = [&](int id, std::string from, std::string to) {
      RouteDef r;
      r.id = id;
      r.from = std::move(from);
      r.to = std::move(to);
      r.topic = "renkei.if." + interface_label(id);
      cat->routes.push_back(std::move(r));
    };
    route(28, "seal", "cert");
    route(30, "cert", "files");
    route(31, "cert", "seal");
    route(40, "files", "cert");
    auto rt = std::make_shared<Runtime>();
    rt->catalogue = cat;
    runtime_.set(rt);
    std::ofstream(dir_ / "token") << "0123456789abcdef0123456789abcdef\n";
    EXPECT_TRUE(auth_.load(dir_ / "token").has_value());
    service_ = std::make_unique<IngestService>(server_, io_, producer_, runtime_, metrics_, auth_);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  ~Ingest() override {
    work_.reset();
    io_.stop();
    io_thread_.join();
  }

  HttpResponse post(const std::string& path, std::string body, std::map<std::string, std::string> headers = {},
                    bool token = true) {
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.target = path;
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (token) r.headers["authorization"] = "Bearer 0123456789abcdef0123456789abcdef";
    return server_.dispatch(r);  // waits for the async answer
  }
  static nlohmann::json json(const HttpResponse& r) { return nlohmann::json::parse(r.body); }

  renkei::testing::TempDir dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
  AdminHttpServer server_{io_};
  FakeProducer producer_;
  RuntimeHolder runtime_;
  MetricsRegistry registry_;
  HubMetrics metrics_{registry_};
  BearerAuth auth_;
  std::unique_ptr<IngestService> service_;
  std::thread io_thread_;
};

TEST_F(Ingest, AcceptedOnlyOnceKafkaHasIt) {
  auto r = post("/ingest/seal/028", "000001,\x88\xf3\x8a\xd3", {{"idempotency-key", "evt-1"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json(r)["trace_id"], "evt-1");
  EXPECT_EQ(json(r)["interface"], 28);
  ASSERT_EQ(producer_.sent.size(), 1u);
  const auto& m = producer_.sent[0];
  EXPECT_EQ(m.topic, "renkei.if.028");
  EXPECT_EQ(m.key, "seal") << "no layout: the system keys its events, so they keep their order";
  EXPECT_EQ(m.value, "000001,\x88\xf3\x8a\xd3");
  EXPECT_EQ(m.headers.at("renkei-interface"), "028");
  EXPECT_EQ(m.headers.at("renkei-source"), "seal");
  EXPECT_EQ(m.headers.at("renkei-charset"), "ibm-943_P15A-2003");
  EXPECT_EQ(m.headers.at("renkei-trace-id"), "evt-1");
  EXPECT_TRUE(m.headers.contains("renkei-ingested-at"));
  EXPECT_FALSE(m.headers.contains("renkei-batch-id"));
  EXPECT_NE(registry_.render().find("renkei_records_received_total{interface=\"028\",system=\"seal\"} 1\n"),
            std::string::npos);
}

TEST_F(Ingest, NoAcknowledgementInTimeIs503AndAFailureToo) {
  producer_.ack_at_once = false;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = post("/ingest/seal/028", "late");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));
  EXPECT_FALSE(json(r)["trace_id"].get<std::string>().empty());
  // The acknowledgement that comes after the answer changes nothing (and counts nothing).
  producer_.sent[0].handler->on_delivery(std::nullopt);
  EXPECT_NE(registry_.render().find("renkei_records_received_total{interface=\"028\",system=\"seal\"} 0\n"),
            std::string::npos);

  // Kafka says no: 503 at once.
  std::thread failer([this] {
    for (;;) {
      {
        std::lock_guard lock(producer_.mu);
        if (producer_.sent.size() == 2) {
          producer_.sent[1].handler->on_delivery(BusError{true, "broker down"});
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  r = post("/ingest/seal/028", "refused");
  failer.join();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("broker down"), std::string::npos);
}

TEST_F(Ingest, BadInputIsRefusedWithAReason) {
  EXPECT_EQ(post("/ingest/seal/028", "x", {}, false).status, 401);
  auto r = post("/ingest/seal/028", std::string("ab\x82", 3) + "\xff" + "cd");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(r)["error"], "illegal-sequence");
  EXPECT_EQ(json(r)["offset"], 2);
  EXPECT_EQ(r.body.find("cd"), std::string::npos) << "record contents in the answer";
  EXPECT_EQ(post("/ingest/seal/028", std::string(65, 'x')).status, 413);
  EXPECT_EQ(post("/ingest/seal/028", "").status, 400);
  EXPECT_EQ(post("/ingest/nobody/028", "x").status, 404);
  EXPECT_EQ(post("/ingest/files/040", "x").status, 404) << "a file system does not post";
  EXPECT_EQ(post("/ingest/seal/031", "x").status, 404) << "route 31 starts at cert";
  EXPECT_EQ(post("/ingest/seal/abc", "x").status, 400);
  EXPECT_EQ(post("/ingest/cert", "x").status, 400) << "cert sends on two routes: which one?";
  EXPECT_EQ(post("/ingest/seal/028", "x", {{"idempotency-key", ".hidden"}}).status, 400);
  EXPECT_EQ(post("/ingest/seal/028", "x", {{"idempotency-key", "a..b"}}).status, 400);
  EXPECT_EQ(post("/ingest/seal/028", "x", {{"x-request-id", std::string(101, 'k')}}).status, 400);
  EXPECT_TRUE(producer_.sent.empty());
  // The route from a header, or the system's only one.
  EXPECT_EQ(post("/ingest/cert", "x", {{"renkei-interface", "031"}}).status, 202);
  EXPECT_EQ(post("/ingest/seal", "x").status, 202);
  ASSERT_EQ(producer_.sent.size(), 2u);
  EXPECT_EQ(producer_.sent[0].topic, "renkei.if.031");
  EXPECT_EQ(producer_.sent[1].topic, "renkei.if.028");
  EXPECT_EQ(producer_.sent[1].headers.at("renkei-trace-id").size(), 32u);
}

TEST_F(Ingest, ASystemWithItsOwnTokenFileNeedsThatToken) {
  auto cat = std::make_shared<Catalogue>(*runtime_.get()->catalogue);
  const std::string own = dir_ / "seal-token";  // missing: created with a fresh token
  cat->systems[0].adapter.settings["token_file"] = own;
  auto rt = std::make_shared<Runtime>();
  rt->catalogue = cat;
  runtime_.set(rt);
  auto hub_token = post("/ingest/seal/028", "x");
  EXPECT_EQ(hub_token.status, 401) << "the hub's token (which may replay DLQs) is not the system's";
  std::string token;
  std::getline(std::ifstream(own), token);
  ASSERT_EQ(token.size(), 64u);
  EXPECT_EQ(std::filesystem::status(own).permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);
  EXPECT_EQ(post("/ingest/seal/028", "x", {{"authorization", "Bearer " + token}}, false).status, 202);
  // Other systems keep the hub's token; an unknown system tells nothing without it.
  EXPECT_EQ(post("/ingest/cert/031", "x").status, 202);
  EXPECT_EQ(post("/ingest/nobody/028", "x", {{"authorization", "Bearer " + token}}, false).status, 401);
}

}  // namespace
}  // namespace renkei
