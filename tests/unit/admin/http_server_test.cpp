#include "http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace renkei {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using Response = http::response<http::string_body>;

// A client with its own io_context and a deadline on every operation, so a server bug
// fails the test instead of hanging it.
class Client {
 public:
  explicit Client(const tcp::endpoint& ep) : stream_(io_) {
    run([&](auto done) { stream_.async_connect(ep, [done](beast::error_code ec) { done(ec); }); }, "connect");
  }

  Response send(http::request<http::string_body> req) {
    req.prepare_payload();
    run([&](auto done) { http::async_write(stream_, req, [done](beast::error_code ec, std::size_t) { done(ec); }); },
        "write");
    return read();
  }

  Response get(const std::string& target, bool keep_alive = true) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    req.keep_alive(keep_alive);
    return send(std::move(req));
  }

  Response read() {
    Response res;
    run([&](auto done) { http::async_read(stream_, buf_, res, [done](beast::error_code ec, std::size_t) { done(ec); }); },
        "read");
    return res;
  }

  void write_raw(const std::string& bytes) {
    run([&](auto done) {
      asio::async_write(stream_, asio::buffer(bytes), [done](beast::error_code ec, std::size_t) { done(ec); });
    }, "write");
  }

  // Reads exactly what is available up to the first blank line (a status line + headers).
  std::string read_head() {
    std::string out;
    run([&](auto done) {
      asio::async_read_until(stream_, asio::dynamic_buffer(out), "\r\n\r\n",
                             [done](beast::error_code ec, std::size_t) { done(ec); });
    }, "read");
    return out;
  }

  // The error that ends the connection from the server side (expected: eof).
  beast::error_code wait_closed(std::chrono::seconds limit = 5s) {
    beast::error_code result;
    stream_.expires_after(limit);
    std::function<void()> loop = [&] {
      stream_.async_read_some(asio::buffer(scratch_), [&](beast::error_code ec, std::size_t) {
        if (ec) result = ec;
        else loop();
      });
    };
    loop();
    io_.restart();
    io_.run();
    return result;
  }

 private:
  template <class Start>
  void run(Start start, const char* what) {
    beast::error_code result;
    stream_.expires_after(5s);
    start([&result](beast::error_code ec) { result = ec; });
    io_.restart();
    io_.run();
    if (result) throw std::runtime_error(std::string(what) + ": " + result.message());
  }

  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  char scratch_[4096];
};

class AdminHttpServerTest : public ::testing::Test {
 protected:
  void start(AdminHttpOptions options = {}, int io_threads = 1) {
    server_ = std::make_unique<AdminHttpServer>(io_, options);
    add_standard_routes(*server_, registry_, [this] { return ready_.load(); },
                        [] { return std::string("bus not connected"); });
    auto ep = server_->listen("127.0.0.1:0");
    ASSERT_TRUE(ep) << ep.error();
    ASSERT_NE(ep->port(), 0);
    endpoint_ = *ep;
    for (int i = 0; i < io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  // Stopping must leave the io_context without work, or this join would hang.
  void stop_and_join() {
    if (server_) server_->stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  void TearDown() override { stop_and_join(); }

  asio::io_context io_;
  MetricsRegistry registry_;
  std::unique_ptr<AdminHttpServer> server_;
  std::vector<std::thread> threads_;
  tcp::endpoint endpoint_;
  std::atomic<bool> ready_{true};
};

TEST_F(AdminHttpServerTest, Healthz) {
  start();
  Client c(endpoint_);
  auto res = c.get("/healthz");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok\n");
  EXPECT_EQ(res[http::field::content_type], "text/plain; charset=utf-8");
}

TEST_F(AdminHttpServerTest, ReadyzReflectsReadiness) {
  start();
  Client c(endpoint_);
  auto ok = c.get("/readyz");
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(ok.body(), "ready\n");
  ready_ = false;
  auto no = c.get("/readyz");
  EXPECT_EQ(no.result_int(), 503);
  EXPECT_EQ(no.body(), "bus not connected\n");
}

TEST_F(AdminHttpServerTest, MetricsServesTheRegistry) {
  registry_.counter("renkei_records_received_total", "Records.", {{"interface", "001"}}).inc(42);
  start();
  Client c(endpoint_);
  auto res = c.get("/metrics");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body().find("# TYPE renkei_records_received_total counter\n"), std::string::npos);
  EXPECT_NE(res.body().find("renkei_records_received_total{interface=\"001\"} 42\n"), std::string::npos);
}

TEST_F(AdminHttpServerTest, UnknownPathIs404) {
  start();
  Client c(endpoint_);
  EXPECT_EQ(c.get("/nope").result_int(), 404);
  EXPECT_EQ(c.get("/healthz/extra").result_int(), 404);
}

TEST_F(AdminHttpServerTest, WrongMethodIs405WithAllow) {
  start();
  server_->add_route("POST", "/healthz", [](const HttpRequest&) { return HttpResponse{}; });
  Client c(endpoint_);
  http::request<http::string_body> req{http::verb::delete_, "/healthz", 11};
  auto res = c.send(req);
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[http::field::allow], "GET, POST");
  http::request<http::string_body> put{http::verb::put, "/metrics", 11};
  auto res2 = c.send(put);
  EXPECT_EQ(res2.result_int(), 405);
  EXPECT_EQ(res2[http::field::allow], "GET");
}

TEST_F(AdminHttpServerTest, OversizedBodyIs413) {
  start();  // default limit: 1 MiB
  server_->add_route("POST", "/ingest", [](const HttpRequest&) { return HttpResponse{}; });
  Client c(endpoint_);
  // Refused on the declared length alone, before the body arrives.
  c.write_raw("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(2 * 1024 * 1024) +
              "\r\n\r\n" + std::string(1000, 'x'));
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(AdminHttpServerTest, OversizedChunkedBodyIs413) {
  start(AdminHttpOptions{.body_limit = 16});
  server_->add_route("POST", "/ingest", [](const HttpRequest& r) { return HttpResponse{.body = r.body}; });
  Client c(endpoint_);
  http::request<http::string_body> small{http::verb::post, "/ingest", 11};
  small.body() = "exactly16bytes!!";
  EXPECT_EQ(c.send(small).body(), "exactly16bytes!!");
  c.write_raw("POST /ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              "10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 413);
  EXPECT_EQ(c.wait_closed(), asio::error::eof);
}

TEST_F(AdminHttpServerTest, ExpectContinue) {
  start();
  server_->add_route("POST", "/ingest", [](const HttpRequest& r) { return HttpResponse{.body = r.body}; });
  Client c(endpoint_);
  c.write_raw("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_head().rfind("HTTP/1.1 100 Continue\r\n", 0), 0u);
  c.write_raw("hello");
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "hello");
}

TEST_F(AdminHttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  Client c(endpoint_);
  auto a = c.get("/healthz");
  EXPECT_EQ(a.result_int(), 200);
  EXPECT_TRUE(a.keep_alive());
  auto b = c.get("/readyz");
  EXPECT_EQ(b.result_int(), 200);
  // Connection: close is honoured: answer, then the server closes.
  auto last = c.get("/healthz", false);
  EXPECT_EQ(last.result_int(), 200);
  EXPECT_FALSE(last.keep_alive());
  EXPECT_EQ(c.wait_closed(), asio::error::eof);
}

TEST_F(AdminHttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  Client c(endpoint_);
  c.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read().body(), "ok\n");
  EXPECT_EQ(c.read().body(), "ready\n");
}

TEST_F(AdminHttpServerTest, PrefixRoutesLongestWins) {
  start();
  server_->add_prefix_route("POST", "/api/v1/interfaces/", [](const HttpRequest& r) {
    return HttpResponse{.body = "generic " + r.path + " ? " + r.query};
  });
  server_->add_prefix_route("POST", "/api/v1/interfaces/097/", [](const HttpRequest& r) {
    return HttpResponse{.body = "specific " + r.path};
  });
  server_->add_route("GET", "/api/v1/interfaces", [](const HttpRequest&) { return HttpResponse{.body = "list"}; });
  Client c(endpoint_);
  http::request<http::string_body> run{http::verb::post, "/api/v1/interfaces/012/run?dry=1", 11};
  EXPECT_EQ(c.send(run).body(), "generic /api/v1/interfaces/012/run ? dry=1");
  http::request<http::string_body> run97{http::verb::post, "/api/v1/interfaces/097/run", 11};
  EXPECT_EQ(c.send(run97).body(), "specific /api/v1/interfaces/097/run");
  EXPECT_EQ(c.get("/api/v1/interfaces").body(), "list");
  auto wrong = c.get("/api/v1/interfaces/012/run");
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(wrong[http::field::allow], "POST");
}

TEST_F(AdminHttpServerTest, HandlerSeesMethodHeadersAndBody) {
  start();
  server_->add_route("PUT", "/echo", [](const HttpRequest& r) {
    HttpResponse resp;
    resp.status = 201;
    resp.content_type = "application/json";
    resp.body = r.method + "|" + r.headers.at("x-renkei-test") + "|" + r.body;
    resp.headers.emplace_back("X-Reply", "yes");
    resp.headers.emplace_back("Content-Length", "999");  // ignored: the server frames
    return resp;
  });
  Client c(endpoint_);
  http::request<http::string_body> req{http::verb::put, "/echo", 11};
  req.set("X-Renkei-Test", "v1");
  req.body() = "payload";
  auto res = c.send(req);
  EXPECT_EQ(res.result_int(), 201);
  EXPECT_EQ(res.body(), "PUT|v1|payload");
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res["X-Reply"], "yes");
  EXPECT_EQ(res[http::field::content_length], "14");
}

TEST_F(AdminHttpServerTest, HandlerExceptionIs500WithoutDetails) {
  start();
  server_->add_route("GET", "/boom", [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("secret /etc/renkei/token");
  });
  Client c(endpoint_);
  auto res = c.get("/boom");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(res.body().find("secret"), std::string::npos);
  // The connection survives a failed handler.
  EXPECT_EQ(c.get("/healthz").result_int(), 200);
}

TEST_F(AdminHttpServerTest, AsyncHandlerAnswersLaterFromAnotherThread) {
  start();
  std::vector<std::thread> repliers;
  std::mutex mu;
  server_->add_async_prefix_route("POST", "/later/", [&](const HttpRequest& req, Reply reply) {
    // As the ingest endpoint does: the answer comes from another thread (Kafka's).
    std::lock_guard lock(mu);
    repliers.emplace_back([reply, body = req.body] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      reply(HttpResponse{.status = 202, .body = "got " + body});
      reply(HttpResponse{.status = 500, .body = "a second answer is ignored"});
    });
  });
  server_->add_async_prefix_route("POST", "/throws/", [](const HttpRequest&, Reply) {
    throw std::runtime_error("secret");
  });
  Client c(endpoint_);
  for (int i = 0; i < 3; ++i) {
    http::request<http::string_body> req{http::verb::post, "/later/x", 11};
    req.body() = "n" + std::to_string(i);
    req.prepare_payload();
    auto res = c.send(req);
    EXPECT_EQ(res.result_int(), 202);
    EXPECT_EQ(res.body(), "got n" + std::to_string(i));
  }
  http::request<http::string_body> boom{http::verb::post, "/throws/x", 11};
  boom.prepare_payload();
  auto res = c.send(boom);
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(res.body().find("secret"), std::string::npos);
  EXPECT_EQ(c.get("/healthz").result_int(), 200) << "the connection goes on after async answers";
  // Routing without the network waits for the answer.
  HttpRequest r;
  r.method = "POST";
  r.path = "/later/y";
  r.body = "direct";
  EXPECT_EQ(server_->dispatch(r).body, "got direct");
  std::lock_guard lock(mu);
  for (auto& t : repliers) t.join();
}

TEST_F(AdminHttpServerTest, MalformedRequestIs400) {
  start();
  Client c(endpoint_);
  c.write_raw("GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 400);
}

TEST_F(AdminHttpServerTest, IdleClientIsDisconnectedAfterTimeout) {
  start(AdminHttpOptions{.io_timeout = 200ms});
  Client c(endpoint_);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.wait_closed(), asio::error::eof);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(AdminHttpServerTest, StopClosesOpenConnectionsAndTheListener) {
  start();
  Client c(endpoint_);
  EXPECT_EQ(c.get("/healthz").result_int(), 200);  // an idle keep-alive connection stays open
  auto t0 = std::chrono::steady_clock::now();
  stop_and_join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_THROW(Client{endpoint_}, std::runtime_error);
}

TEST_F(AdminHttpServerTest, ConcurrentClientsOnSeveralIoThreads) {
  Counter& hits = registry_.counter("renkei_test_hits_total", "Hits.");
  start({}, 4);
  server_->add_route("POST", "/hit", [&hits](const HttpRequest&) {
    hits.inc();
    return HttpResponse{};
  });
  constexpr int kClients = 8;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&] {
      Client c(endpoint_);
      for (int r = 0; r < kRequests; ++r) {
        http::request<http::string_body> req{http::verb::post, "/hit", 11};
        if (c.send(req).result_int() == 200 && c.get("/metrics").result_int() == 200) ++ok;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(hits.value(), kClients * kRequests);
}

TEST_F(AdminHttpServerTest, ListenErrorsAreValues) {
  start();
  AdminHttpServer other(io_);
  auto in_use = other.listen("127.0.0.1:" + std::to_string(endpoint_.port()));
  ASSERT_FALSE(in_use);
  EXPECT_NE(in_use.error().find("in use"), std::string::npos) << in_use.error();
  for (const char* bad : {"127.0.0.1", "127.0.0.1:99999", ":9464", "[::1", "::1:9464", "127.0.0.1:x"}) {
    auto r = other.listen(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
  }
}

TEST(AdminHttpDispatch, RoutesWithoutNetwork) {
  asio::io_context io;
  AdminHttpServer server(io);
  server.add_route("GET", "/bad-status", [](const HttpRequest&) { return HttpResponse{.status = 42}; });
  HttpRequest req;
  req.method = "GET";
  req.path = "/bad-status";
  EXPECT_EQ(server.dispatch(req).status, 500);
  req.path = "/missing";
  EXPECT_EQ(server.dispatch(req).status, 404);
}

}  // namespace
}  // namespace renkei
