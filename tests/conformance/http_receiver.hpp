#pragma once
// A small HTTP receiver on loopback for the http adapter's tests: records every accepted
// request (method, target, Idempotency-Key, body) and answers with a status and, to a
// GET, a body the test chooses.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace renkei::conformance {

struct ReceivedPost {
  std::string target;
  std::string idempotency_key;
  std::string body;
  std::string content_type;
  std::string method;
  std::string authorization;
  std::string business_date;  // Renkei-Business-Date
  std::string renkei_target;  // Renkei-Target
};

class TestReceiver {
 public:
  TestReceiver() : acceptor_(io_, {boost::asio::ip::address_v4::loopback(), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~TestReceiver() {
    stopping_ = true;
    // Wake the blocking accept with a connection of our own.
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket s(io_);
    s.connect({boost::asio::ip::address_v4::loopback(), port_}, ec);
    thread_.join();
  }

  unsigned short port() const { return port_; }
  void answer_with(int status) { status_ = status; }
  void delay(std::chrono::milliseconds d) { delay_ms_ = static_cast<int>(d.count()); }
  void serve_body(std::string body) {
    std::lock_guard lock(mu_);
    body_ = std::move(body);
  }
  // Requests of any status, accepted or not.
  int requests() const { return requests_; }
  std::vector<ReceivedPost> posts() const {
    std::lock_guard lock(mu_);
    return posts_;
  }

 private:
  void serve() {
    namespace http = boost::beast::http;
    while (!stopping_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buf;
      http::request_parser<http::string_body> parser;
      parser.body_limit(256 * 1024 * 1024);
      http::read(socket, buf, parser, ec);
      if (ec) continue;
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
      const auto& req = parser.get();
      const int status = status_;
      ++requests_;
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = "{}";
      if (status >= 200 && status < 300) {
        // Only an accepted request counts, as a real target would keep it.
        std::lock_guard lock(mu_);
        posts_.push_back({std::string(req.target()), std::string(req["Idempotency-Key"]), req.body(),
                          std::string(req[http::field::content_type]), std::string(req.method_string()),
                          std::string(req[http::field::authorization]), std::string(req["Renkei-Business-Date"]),
                          std::string(req["Renkei-Target"])});
        if (req.method() == http::verb::get) res.body() = body_;
      }
      if (status == 204 || status == 304) res.body().clear();  // such answers have no body
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> status_{200};
  std::atomic<int> delay_ms_{0};
  std::atomic<int> requests_{0};
  std::string body_;
  mutable std::mutex mu_;
  std::vector<ReceivedPost> posts_;
  std::thread thread_;
};

}  // namespace renkei::conformance
