#pragma once
// Outbound HTTP requests with a deadline (the sink's POSTs, the pull source's GETs), on Boost.Beast. Blocking: it runs on the router's
// thread (like the file sink's fsync), never on the admin server's event loop.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace renkei::adapters {

struct HttpUrl {
  std::string host;    // without brackets
  std::string port;    // "80" when not given
  std::string target;  // path and query, "/" when empty
  std::string host_header;
};

// "http://host[:port][/path]"; the error says why not (https is not spoken here).
std::expected<HttpUrl, std::string> parse_http_url(std::string_view url);

struct HttpAnswer {
  int status = 0;
  std::string reason;  // the status line's text; the body is never kept (it may echo data)
};

// POSTs over one kept-alive connection, reopened when the target closed it. Not
// thread-safe: one per sink, used by the route worker's thread.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connect (unless a connection is open), send, read the answer; all within `timeout`.
  // The error is a transport failure (refused, reset, timed out, unresolvable) in words
  // for the log. A kept connection that fails is replaced once at once: the target may
  // have closed it while idle (a repeat is harmless, the request has its Idempotency-Key).
  std::expected<HttpAnswer, std::string> post(const HttpUrl& url,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              std::string_view body, std::chrono::milliseconds timeout);

  // GETs `url` on a connection of its own and writes the answer's body to `path` (created
  // or truncated), fsynced when it came whole. Any status is an answer; a body larger than
  // `max_bytes`, or cut off, is an error, and so is `*cancel` turning true on the way.
  // The caller owns `path` afterwards.
  std::expected<HttpAnswer, std::string> get_to_file(const HttpUrl& url,
                                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                                     const std::string& path, std::uint64_t max_bytes,
                                                     std::chrono::milliseconds timeout,
                                                     const std::atomic<bool>* cancel = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Kept-alive connections for a sink whose POSTs run on several threads at once (its events
// in flight): each request borrows an idle connection, or a new one, and gives it back.
class HttpClientPool {
 public:
  class Lease {
   public:
    Lease(HttpClientPool& pool, std::unique_ptr<HttpClient> client) : pool_(&pool), client_(std::move(client)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (client_) pool_->give_back(std::move(client_));
    }
    HttpClient& operator*() { return *client_; }
    HttpClient* operator->() { return client_.get(); }

   private:
    HttpClientPool* pool_;
    std::unique_ptr<HttpClient> client_;
  };
  Lease take();

 private:
  void give_back(std::unique_ptr<HttpClient> client);
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

}  // namespace renkei::adapters
