#pragma once
// The admin HTTP endpoint (metrics, health, JSON API) on Boost.Beast.
//
// Handlers run on the io_context's threads, one request at a time per connection, so
// they must be quick and thread-safe: anything slow belongs on another executor.
// Every request passes request_guard.hpp first: a path, query or header value a
// handler reads that is not clean UTF-8 gets 400 before any route sees it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "renkei/metrics.hpp"

namespace boost::asio::ssl {
class context;
}

namespace renkei {

// Members all have initializers so that designated initialisation (`{.body = ...}`)
// stays clean under -Wmissing-field-initializers.
struct HttpRequest {
  std::string method{};  // as sent, e.g. "GET"
  std::string target{};  // path + "?" + query, as sent
  std::string path{};    // not percent-decoded
  std::string query{};   // without the "?"
  std::string body{};
  std::map<std::string, std::string> headers{};  // lower-case names; repeats joined with ", "
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body{};
  // Content-Length, Transfer-Encoding and Connection are the server's to set and
  // are ignored here: a handler must not be able to break the framing.
  std::vector<std::pair<std::string, std::string>> headers{};
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// A handler that answers later, e.g. only once Kafka has confirmed a write: it must not
// block (it runs on the event loop like Handler) and calls `reply` once, from any thread.
// Until then the connection waits; the handler owns any deadline.
using Reply = std::function<void(HttpResponse)>;
using AsyncHandler = std::function<void(const HttpRequest&, Reply)>;

struct AdminHttpOptions {
  std::size_t body_limit = 1024 * 1024;  // larger bodies get 413
  // For a whole request (headers and body) and for writing a response, so that a
  // stuck or slow client cannot hold a session forever.
  std::chrono::milliseconds io_timeout = std::chrono::seconds(30);
  // The same deadline also closes a keep-alive connection that sends nothing more.
  // Serve HTTPS with this context (make_tls_context); null: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls{};
  // Connections open at once; one more is closed as soon as it is accepted, so one
  // client cannot take every file descriptor (http.max_connections).
  std::size_t max_connections = 256;
  // Told of each connection closed for the cap (e.g. to count it); any thread.
  std::function<void()> on_connection_refused{};
  // Told of every 4xx answer (the request without its body): the audit log of refusals.
  // Called on the server's threads, so it must not block.
  std::function<void(const HttpRequest&, const HttpResponse&)> on_refused{};
};

// A TLS 1.2+ server context from PEM files (certificate chain, private key); the error
// names the file that could not be used.
std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_tls_context(const std::string& cert_file,
                                                                                        const std::string& key_file);

class AdminHttpServer {
 public:
  // `io` must outlive the server; it may be run by any number of threads.
  explicit AdminHttpServer(boost::asio::io_context& io, AdminHttpOptions options = {});
  // Calls stop(); sessions still running keep what they need alive until they end.
  ~AdminHttpServer();
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // Routes may be added at any time (also while serving). For a request, an exact route
  // with its method wins, then the longest prefix route with its method; a path that
  // some route matches but not with this method gets 405 and `Allow`; else 404.
  void add_route(std::string method, std::string path, Handler h);
  void add_prefix_route(std::string method, std::string prefix, Handler h);
  void add_async_prefix_route(std::string method, std::string prefix, AsyncHandler h);

  // Every request whose path starts with `prefix` (any method) must pass `check`
  // (empty string: allowed; else the reason of a 401), before its route runs.
  void protect_prefix(std::string prefix, std::function<std::string(const HttpRequest&)> check);

  // Connections open now (tests and metrics).
  std::size_t open_connections() const;

  // "127.0.0.1:9464", "[::1]:9464", "localhost:0". Port 0 picks a free port; the bound
  // endpoint is returned so it can be logged. May be called more than once.
  std::expected<boost::asio::ip::tcp::endpoint, std::string> listen(const std::string& host_port);

  // Closes the acceptors and open connections. Safe from any thread; it takes effect
  // on the io_context, which then runs out of this server's work.
  void stop();

  // Routing without the network: what a request would get (also 404/405/500). For an
  // async route this waits for its reply (tests only: never on the event loop).
  HttpResponse dispatch(const HttpRequest& req) const;
  // The same, answering through `reply` (at once for a plain handler).
  void dispatch(const HttpRequest& req, Reply reply) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// GET /healthz, GET /readyz (503 with the reason when not ready), GET /metrics.
// `ready` and `not_ready_reason` are called on the server's threads; `registry` is held
// by reference and must outlive the server.
void add_standard_routes(AdminHttpServer& server, MetricsRegistry& registry, std::function<bool()> ready,
                         std::function<std::string()> not_ready_reason);

}  // namespace renkei
