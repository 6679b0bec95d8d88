#pragma once
// librdkafka 2.0.2's mock cluster loses wake-ups: its thread marks its op queue served
// before it drains the wake-up pipe, so an op queued in between leaves no byte behind and
// waits for the thread's 1 s timer (every later op too, as the queue still counts as
// woken). Topic creation at start hit that on almost every run. A TCP connection to the
// mock's listener also wakes its poll and serves every queued op, so while ops wait, this
// connects to it every few milliseconds.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <thread>

#include "renkei/guarded_thread.hpp"

namespace renkei {

class MockClusterWaker {
 public:
  // `bootstrap` is the mock's own "host:port" (from rd_kafka_mock_cluster_bootstraps).
  explicit MockClusterWaker(std::string_view bootstrap) {
    if (auto ep = endpoint_of(bootstrap)) thread_ = std::thread([this, ep = *ep] { loop(ep); });
  }
  ~MockClusterWaker() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  MockClusterWaker(const MockClusterWaker&) = delete;
  MockClusterWaker& operator=(const MockClusterWaker&) = delete;

 private:
  static std::optional<boost::asio::ip::tcp::endpoint> endpoint_of(std::string_view bootstrap) {
    auto first = bootstrap.substr(0, bootstrap.find(','));
    auto colon = first.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    unsigned short port = 0;
    auto digits = first.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0) return std::nullopt;
    boost::system::error_code aec;
    auto addr = boost::asio::ip::make_address(std::string(first.substr(0, colon)), aec);
    if (aec) return std::nullopt;
    return boost::asio::ip::tcp::endpoint(addr, port);
  }

  void loop(boost::asio::ip::tcp::endpoint ep) {
    run_catching([&] {
      boost::asio::io_context io;
      while (!stop_) {
        boost::asio::ip::tcp::socket s(io);
        boost::system::error_code ec;
        s.connect(ep, ec);
        s.close(ec);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace renkei
