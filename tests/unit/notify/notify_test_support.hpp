#pragma once
// Helpers for the notifier's tests: a counter recorder, a tiny HTTP/1.1 server and a
// listener that never answers, all on 127.0.0.1 with a port the kernel picks, and base64
// decoding for reading back what was sent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "notifier.hpp"

namespace renkei::test {

using namespace std::chrono_literals;

inline std::string base64_decode(std::string_view b64) {
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) throw std::runtime_error("bad base64");
  // EVP_DecodeBlock counts the bytes the padding stands for: take them off again.
  std::size_t pad = 0;
  for (std::size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

// What the Notifier counted, with a wait for a condition on it.
class Recorder {
 public:
  struct Drop {
    std::string channel;
    NotifyEvent event;
    std::string why;
  };

  NotifyCounters counters() {
    return NotifyCounters{
        .sent = [this](std::string_view ch, NotifyEvent) { add(sent_, std::string(ch)); },
        .failed = [this](std::string_view ch, NotifyEvent) { add(failed_, std::string(ch)); },
        .dropped =
            [this](std::string_view ch, NotifyEvent e, std::string_view why) {
              std::lock_guard lock(mu_);
              dropped_.push_back({std::string(ch), e, std::string(why)});
              cv_.notify_all();
            },
    };
  }

  std::size_t sent(std::string_view ch = {}) const { return count(sent_, ch); }
  std::size_t failed(std::string_view ch = {}) const { return count(failed_, ch); }
  std::size_t dropped(std::string_view why = {}) const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(dropped_.begin(), dropped_.end(), [&](const Drop& d) { return why.empty() || d.why == why; }));
  }

  // True once pred() holds (checked on every count and at least every 20 ms).
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms) {
    auto until = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu_);
    while (true) {
      lock.unlock();
      bool ok = pred();
      lock.lock();
      if (ok) return true;
      if (std::chrono::steady_clock::now() >= until) return false;
      cv_.wait_for(lock, 20ms);
    }
  }

 private:
  void add(std::vector<std::string>& v, std::string ch) {
    std::lock_guard lock(mu_);
    v.push_back(std::move(ch));
    cv_.notify_all();
  }
  std::size_t count(const std::vector<std::string>& v, std::string_view ch) const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [&](const auto& c) { return ch.empty() || c == ch; }));
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> sent_, failed_;
  std::vector<Drop> dropped_;
};

// A socket listening on 127.0.0.1 at a port the kernel chose.
inline int listen_loopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Accepts connections into the kernel's backlog and never reads or answers: a target that
// hangs. The client's connect succeeds, its request is never answered.
class SilentListener {
 public:
  SilentListener() : fd_(listen_loopback(port_)) {}
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_;
};

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// HTTP/1.1 on loopback, one request per connection: the n-th request is answered with
// statuses[n] (the last one for every request after), "Connection: close".
class TestHttpServer {
 public:
  explicit TestHttpServer(std::vector<int> statuses) : statuses_(std::move(statuses)), fd_(listen_loopback(port_)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(path); }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }

  // Reads until `done` says the data is complete, at most 2 s.
  bool read_until(int c, std::string& data, const std::function<bool()>& done) {
    auto until = std::chrono::steady_clock::now() + 2s;
    char buf[4096];
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until || stop_) return false;
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  void handle(int c) {
    std::string data;
    if (!read_until(c, data, [&] { return data.find("\r\n\r\n") != std::string::npos; })) return;
    std::size_t head_end = data.find("\r\n\r\n");
    ReceivedRequest req;
    std::string_view head(data.data(), head_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view first = head.substr(0, line_end);
    req.method = std::string(first.substr(0, first.find(' ')));
    std::size_t p1 = first.find(' ') + 1;
    req.path = std::string(first.substr(p1, first.find(' ', p1) - p1));
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t e = head.find("\r\n", pos);
      if (e == std::string_view::npos) e = head.size();
      std::string_view line = head.substr(pos, e - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        req.headers[name] = std::string(value);
      }
      pos = e + 2;
    }
    std::size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    if (!read_until(c, data, [&] { return data.size() >= head_end + 4 + length; })) return;
    req.body = data.substr(head_end + 4, length);

    int status;
    {
      std::lock_guard lock(mu_);
      status = statuses_[std::min(requests_.size(), statuses_.size() - 1)];
      requests_.push_back(std::move(req));
    }
    std::string answer = "HTTP/1.1 " + std::to_string(status) + " Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    (void)!::write(c, answer.data(), answer.size());
  }

  std::vector<int> statuses_;
  int port_ = 0;
  int fd_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace renkei::test
