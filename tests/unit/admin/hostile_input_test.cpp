// The admin server against hostile clients: the connection cap, requests that trickle
// (slowloris), and bytes that are not clean UTF-8 in the path, query or used headers.
#include "http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace renkei {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class HostileInputTest : public ::testing::Test {
 protected:
  void start(AdminHttpOptions options) {
    options.on_refused = [this](const HttpRequest& req, const HttpResponse& r) {
      std::lock_guard lock(mu_);
      refused_.emplace_back(req.method, r.status);
    };
    options.on_connection_refused = [this] { ++capped_; };
    server_ = std::make_unique<AdminHttpServer>(io_, options);
    server_->add_route("GET", "/healthz", [](const HttpRequest&) { return HttpResponse{.body = "ok\n"}; });
    server_->add_route("POST", "/write", [](const HttpRequest&) { return HttpResponse{.body = "done\n"}; });
    auto ep = server_->listen("127.0.0.1:0");
    ASSERT_TRUE(ep) << ep.error();
    endpoint_ = *ep;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  // A blocking client socket with a receive timeout, so a server bug fails, never hangs.
  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(endpoint_);
    timeval tv{5, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }
  // Everything the server sends until it closes (or the 5 s receive timeout).
  static std::string read_all(tcp::socket& s) {
    std::string out;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      auto n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) return out;
    }
  }
  std::string exchange(const std::string& raw) {
    auto s = connect();
    asio::write(s, asio::buffer(raw));
    return read_all(s);
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::unique_ptr<AdminHttpServer> server_;
  std::thread thread_;
  tcp::endpoint endpoint_;
  std::mutex mu_;
  std::vector<std::pair<std::string, int>> refused_;
  std::atomic<int> capped_{0};
};

TEST_F(HostileInputTest, ConnectionsBeyondTheCapAreClosedAtOnceAndCounted) {
  start(AdminHttpOptions{.max_connections = 3});
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect());
  for (int i = 0; i < 50 && server_->open_connections() < 3; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(server_->open_connections(), 3u);
  auto extra = connect();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(read_all(extra), "");  // closed without a word
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_GE(capped_.load(), 1);
  // Once one held connection goes, a new one is served again.
  held.pop_back();
  for (int i = 0; i < 100 && server_->open_connections() >= 3; ++i) std::this_thread::sleep_for(20ms);
  auto answer = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
}

TEST_F(HostileInputTest, TricklingRequestIsCutOffAtTheDeadline) {
  start(AdminHttpOptions{.io_timeout = 500ms});
  auto s = connect();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  boost::system::error_code ec;
  for (char c : req) {
    asio::write(s, asio::buffer(&c, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(100ms);
    if (std::chrono::steady_clock::now() - t0 > 3s) break;
  }
  // Cut off after about the deadline, long before the request was complete (~4 s).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  EXPECT_EQ(read_all(s).find("200"), std::string::npos);
}

TEST_F(HostileInputTest, InvalidUtf8InPathIs400NamingOffsetWithoutTheValue) {
  start(AdminHttpOptions{});
  auto answer = exchange("GET /healthz\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_NE(answer.find("path is not valid UTF-8 at byte 8"), std::string::npos) << answer;
  EXPECT_EQ(answer.find('\xff'), std::string::npos);
}

TEST_F(HostileInputTest, InvalidOperatorHeaderOnAWriteIs400AndReported) {
  start(AdminHttpOptions{});
  auto answer = exchange(
      "POST /write HTTP/1.1\r\nHost: x\r\nX-Renkei-Operator: ab\xc3\x28\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_NE(answer.find("header x-renkei-operator is not valid UTF-8 at byte 2"), std::string::npos) << answer;
  std::lock_guard lock(mu_);
  ASSERT_EQ(refused_.size(), 1u);
  EXPECT_EQ(refused_[0], std::make_pair(std::string("POST"), 400));
}

TEST_F(HostileInputTest, ControlCharacterInQueryIs400) {
  start(AdminHttpOptions{});
  HttpRequest req{.method = "GET", .target = "/healthz?a=\x01", .path = "/healthz", .query = "a=\x01"};
  auto r = server_->dispatch(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("query has a control character at byte 2"), std::string::npos) << r.body;
}

TEST_F(HostileInputTest, ProtectedPrefixNeedsTheCheckForEveryMethod) {
  start(AdminHttpOptions{});
  server_->add_route("GET", "/api/v1/x", [](const HttpRequest&) { return HttpResponse{.body = "secret\n"}; });
  server_->protect_prefix("/api/v1/", [](const HttpRequest& req) {
    return req.headers.contains("authorization") ? std::string() : std::string("no bearer token");
  });
  HttpRequest req{.method = "GET", .target = "/api/v1/x", .path = "/api/v1/x"};
  EXPECT_EQ(server_->dispatch(req).status, 401);
  req.headers["authorization"] = "Bearer t";
  EXPECT_EQ(server_->dispatch(req).status, 200);
  HttpRequest open{.method = "GET", .target = "/healthz", .path = "/healthz"};
  EXPECT_EQ(server_->dispatch(open).status, 200);
}

}  // namespace
}  // namespace renkei
