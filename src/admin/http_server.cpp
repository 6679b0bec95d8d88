#include "http_server.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <future>
#include <mutex>
#include <optional>
#include <set>

#include "bearer_auth.hpp"
#include "request_guard.hpp"

namespace renkei {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// What the server keeps of a connection, whatever its stream (plain TCP or TLS).
class Session {
 public:
  virtual ~Session() = default;
  virtual void close_from_outside() = 0;
};

// After an error reply the client may still be sending a body we will not read.
// Closing with unread input makes the kernel send RST, which can destroy our reply
// before the client reads it; so read and discard for a bounded while first.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

HttpResponse plain(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The method for a log line: Beast only lets token characters through, but bound it.
std::string escape_method(const std::string& m) {
  std::string out;
  for (char c : m.substr(0, 10)) out += std::isalpha(static_cast<unsigned char>(c)) ? c : '?';
  return out;
}

bool is_framing_header(const std::string& name) {
  auto n = lower(name);
  return n == "content-length" || n == "transfer-encoding" || n == "connection";
}

}  // namespace

struct AdminHttpServer::Impl {
  // One of the two is set.
  struct Route {
    Handler sync;
    AsyncHandler async;
  };
  using MethodMap = std::map<std::string, Route>;

  Impl(asio::io_context& io_ctx, AdminHttpOptions opts) : io(io_ctx), options(opts) {}

  void dispatch(const HttpRequest& req, Reply reply) const;
  HttpResponse call(const Handler& h, const HttpRequest& req) const;
  void call(const AsyncHandler& h, const HttpRequest& req, Reply reply) const;

  // False once stopped: the caller must then not start serving.
  bool track(Session* s, std::weak_ptr<Session> w) {
    std::lock_guard lock(mu);
    if (stopped) return false;
    sessions.emplace(s, std::move(w));
    return true;
  }
  void forget(Session* s) {
    std::lock_guard lock(mu);
    sessions.erase(s);
    --open;
  }
  // Reserves a place for a new connection; false when the cap is reached.
  bool admit() {
    std::lock_guard lock(mu);
    if (open >= options.max_connections) return false;
    ++open;
    return true;
  }
  void observe(const HttpRequest& head, const HttpResponse& r) const {
    if (r.status < 400 || r.status > 499 || !options.on_refused) return;
    try {
      options.on_refused(head, r);
    } catch (const std::exception& e) {
      spdlog::error("admin http: refusal observer failed: {}", e.what());
    } catch (...) {
      spdlog::error("admin http: refusal observer failed");
    }
  }
  bool is_stopped() {
    std::lock_guard lock(mu);
    return stopped;
  }

  asio::io_context& io;
  const AdminHttpOptions options;

  mutable std::mutex routes_mu;
  std::map<std::string, MethodMap> exact;   // path → method → handler
  std::map<std::string, MethodMap> prefix;  // prefix → method → handler
  std::vector<std::pair<std::string, std::function<std::string(const HttpRequest&)>>> protected_prefixes;

  std::mutex mu;  // guards the members below
  bool stopped = false;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::size_t open = 0;  // admitted connections not yet destroyed
  std::chrono::steady_clock::time_point last_cap_log{};
};

namespace {

HttpRequest to_request(const http::request<http::string_body>& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.body = req.body();
  for (const auto& f : req) {
    auto name = lower(std::string(f.name_string()));
    auto [it, inserted] = r.headers.try_emplace(name, std::string(f.value()));
    if (!inserted) it->second += ", " + std::string(f.value());
  }
  return r;
}

http::response<http::string_body> to_beast(HttpResponse resp, unsigned version, bool keep_alive) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(resp.status));
  if (!resp.content_type.empty()) res.set(http::field::content_type, resp.content_type);
  for (const auto& [k, v] : resp.headers)
    if (!is_framing_header(k)) res.insert(k, v);
  // These statuses cannot carry a body; Beast would throw on framing one.
  if (resp.status == 204 || resp.status == 304) resp.body.clear();
  res.body() = std::move(resp.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

// One connection: read a request, answer it, repeat while keep-alive holds. All of
// its work runs on its own strand, so stop() reaches it by posting there. `Stream` is
// beast::tcp_stream, or beast::ssl_stream over it when the server has a TLS context.
template <class Stream>
class StreamSession final : public Session, public std::enable_shared_from_this<StreamSession<Stream>> {
  using std::enable_shared_from_this<StreamSession<Stream>>::shared_from_this;
  using std::enable_shared_from_this<StreamSession<Stream>>::weak_from_this;
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... StreamArgs>
  StreamSession(std::shared_ptr<AdminHttpServer::Impl> impl, StreamArgs&&... args)
      : impl_(std::move(impl)), stream_(std::forward<StreamArgs>(args)...) {}
  ~StreamSession() override { impl_->forget(this); }

  void start() {
    if (!impl_->track(this, weak_from_this())) return close();
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        // The handshake counts against the same deadline as a request.
        beast::get_lowest_layer(self->stream_).expires_after(self->impl_->options.io_timeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            spdlog::debug("admin http: TLS handshake failed: {}", ec.message());
            return self->close();
          }
          self->read_header();
        });
      } else {
        self->read_header();
      }
    });
  }

  void close_from_outside() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void read_header() {
    if (impl_->is_stopped()) return close();
    parser_.emplace();
    parser_->body_limit(impl_->options.body_limit);
    // One deadline for the whole request, so trickling bytes does not extend it.
    tcp().expires_after(impl_->options.io_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&StreamSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return handle();
    // Clients such as curl wait for this before sending a large body.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code wec, std::size_t) {
        if (wec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&StreamSession::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpRequest head = to_request(parser_->get());
      head.body.clear();
      impl_->observe(head, plain(413, "request body too large"));
      return reply_and_close(413, "request body too large\n");
    }
    if (ec == http::error::header_limit) return reply_and_close(431, "request header too large\n");
    // Any other parse error leaves no way to find where the next request starts.
    if (is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
      return reply_and_close(400, "bad request\n");
    // Timeout, reset, client gone or stop(): nobody to answer.
    if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted)
      spdlog::debug("admin http: connection closed: {}", ec.message());
    close();
  }

  void handle() {
    auto& req = parser_->get();
    HttpRequest r = to_request(req);
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    // The answer may come from another thread (an async handler): back onto the strand.
    impl_->dispatch(r, [self = shared_from_this(), keep_alive, version, method = r.method,
                        path = r.path](HttpResponse resp) {
      asio::post(self->stream_.get_executor(), [self, keep_alive, version, method, path,
                                                answer = std::move(resp)]() mutable {
        spdlog::debug("admin http: {} {} -> {}", method, path, answer.status);
        self->res_ = to_beast(std::move(answer), version, keep_alive);
        self->write(keep_alive ? After::read : After::close);
      });
    });
  }

  void reply_and_close(int status, std::string body) {
    res_ = to_beast(plain(status, std::move(body)), 11, false);
    write(After::linger);
  }

  enum class After { read, close, linger };

  void write(After next) {
    tcp().expires_after(impl_->options.io_timeout);
    http::async_write(stream_, res_, [self = shared_from_this(), next](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      switch (next) {
        case After::read: return self->read_header();
        case After::close: return self->close();
        case After::linger: return self->linger();
      }
    });
  }

  void linger() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().expires_after(kLingerTime);
    drain_buf_.resize(16 * 1024);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buf_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kLingerBytes) return self->close();
      self->drain();
    });
  }

  // Without a TLS close_notify: the admin protocol frames every message itself, so a
  // truncation cannot pass for a complete answer.
  void close() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
  }

  std::shared_ptr<AdminHttpServer::Impl> impl_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> res_;
  std::vector<char> drain_buf_;
  std::size_t drained_ = 0;
};

void accept_loop(std::shared_ptr<AdminHttpServer::Impl> impl, std::shared_ptr<tcp::acceptor> acc) {
  acc->async_accept(asio::make_strand(impl->io), [impl, acc](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acc->is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: back off instead of spinning on the error.
      spdlog::warn("admin http: accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(acc->get_executor(), std::chrono::milliseconds(100));
      timer->async_wait([impl, acc, timer](beast::error_code) {
        if (acc->is_open()) accept_loop(impl, acc);
      });
      return;
    }
    if (!impl->admit()) {
      // Closed at once: no reply, which would need a read and a write we cannot afford.
      // Counted before the close, so whoever sees the close also sees the count.
      if (impl->options.on_connection_refused) impl->options.on_connection_refused();
      beast::error_code ignored;
      socket.close(ignored);
      bool log = false;
      {
        std::lock_guard lock(impl->mu);
        auto now = std::chrono::steady_clock::now();
        if (now - impl->last_cap_log > std::chrono::seconds(10)) {
          impl->last_cap_log = now;
          log = true;
        }
      }
      if (log)
        spdlog::warn("admin http: {} connections open (http.max_connections); closing new ones",
                     impl->options.max_connections);
      return accept_loop(impl, acc);
    }
    if (impl->options.tls)
      std::make_shared<StreamSession<beast::ssl_stream<beast::tcp_stream>>>(impl, std::move(socket), *impl->options.tls)
          ->start();
    else
      std::make_shared<StreamSession<beast::tcp_stream>>(impl, std::move(socket))->start();
    accept_loop(impl, acc);
  });
}

struct HostPort {
  std::string host;
  std::string port;
};

std::expected<HostPort, std::string> split_host_port(const std::string& s) {
  auto bad = [&](const std::string& why) {
    return std::unexpected("invalid listen address '" + s + "': " + why);
  };
  HostPort hp;
  std::string rest;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return bad("missing ']'");
    hp.host = s.substr(1, close - 1);
    rest = s.substr(close + 1);
    if (rest.empty() || rest[0] != ':') return bad("expected [host]:port");
    rest = rest.substr(1);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return bad("expected host:port");
    hp.host = s.substr(0, colon);
    rest = s.substr(colon + 1);
    if (hp.host.find(':') != std::string::npos) return bad("write IPv6 addresses as [addr]:port");
  }
  // Listening everywhere must be a visible choice (0.0.0.0), never an empty field.
  if (hp.host.empty()) return bad("missing host (use 0.0.0.0 for all interfaces)");
  if (rest.empty() || rest.size() > 5 || !std::all_of(rest.begin(), rest.end(), [](unsigned char c) {
        return std::isdigit(c);
      }))
    return bad("port must be a number 0-65535");
  if (std::stoul(rest) > 65535) return bad("port must be a number 0-65535");
  hp.port = rest;
  return hp;
}

}  // namespace

void AdminHttpServer::Impl::dispatch(const HttpRequest& req, Reply outer) const {
  // Refusals are shown to the observer (the audit log) with the request minus its body.
  Reply reply = outer;
  if (options.on_refused) {
    HttpRequest head{.method = req.method, .target = req.target, .path = req.path, .query = req.query, .body = {},
                     .headers = req.headers};
    reply = [this, head = std::move(head), outer = std::move(outer)](HttpResponse r) {
      observe(head, r);
      outer(std::move(r));
    };
  }
  if (auto why = refuse_request(req)) {
    spdlog::warn("admin http: {} refused: {}", escape_method(req.method), *why);
    HttpResponse r = plain(400, "");
    r.content_type = "application/json";
    r.body = "{\"error\":\"bad request\",\"reason\":\"" + *why + "\"}\n";
    return reply(std::move(r));
  }
  {
    std::function<std::string(const HttpRequest&)> check;
    {
      std::lock_guard lock(routes_mu);
      for (const auto& [p, c] : protected_prefixes)
        if (req.path.starts_with(p)) check = c;
    }
    if (check)
      if (auto why = check(req); !why.empty()) {
        spdlog::warn("api: {} {} refused: {}", escape_method(req.method), req.path, why);
        return reply(BearerAuth::refuse(why));
      }
  }
  const Route* handler = nullptr;
  Route found;
  std::set<std::string> allowed;
  {
    std::lock_guard lock(routes_mu);
    if (auto it = exact.find(req.path); it != exact.end()) {
      if (auto m = it->second.find(req.method); m != it->second.end()) handler = &m->second;
      for (const auto& [method, h] : it->second) allowed.insert(method);
    }
    if (!handler) {
      std::size_t best = 0;
      for (const auto& [p, methods] : prefix) {
        if (req.path.compare(0, p.size(), p) != 0) continue;
        for (const auto& [method, h] : methods) allowed.insert(method);
        auto m = methods.find(req.method);
        if (m != methods.end() && (!handler || p.size() > best)) {
          handler = &m->second;
          best = p.size();
        }
      }
    }
    if (handler) found = *handler;  // copied under the lock: routes may change meanwhile
  }
  if (!handler) {
    if (allowed.empty()) return reply(plain(404, "not found\n"));
    HttpResponse r = plain(405, "method not allowed\n");
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    r.headers.emplace_back("Allow", allow);
    return reply(std::move(r));
  }
  if (found.async) return call(found.async, req, std::move(reply));
  reply(call(found.sync, req));
}

void AdminHttpServer::Impl::call(const AsyncHandler& h, const HttpRequest& req, Reply reply) const {
  // Exactly one answer reaches the client, whatever the handler does.
  auto once = [answered = std::make_shared<std::atomic<bool>>(false), reply = std::move(reply)](HttpResponse r) {
    if (answered->exchange(true)) return;
    if (r.status < 200 || r.status > 599) r = plain(500, "internal server error\n");
    reply(std::move(r));
  };
  try {
    h(req, once);
    return;
  } catch (const std::exception& e) {
    spdlog::error("admin http: handler for {} {} failed: {}", req.method, req.path, e.what());
  } catch (...) {
    spdlog::error("admin http: handler for {} {} failed with a non-standard exception", req.method, req.path);
  }
  once(plain(500, "internal server error\n"));
}

HttpResponse AdminHttpServer::Impl::call(const Handler& h, const HttpRequest& req) const {
  // The exception text may carry internals (paths, SQL, personal data): log it, never send it.
  try {
    HttpResponse r = h(req);
    if (r.status < 200 || r.status > 599) {
      spdlog::error("admin http: handler for {} {} returned invalid status {}", req.method, req.path, r.status);
      return plain(500, "internal server error\n");
    }
    return r;
  } catch (const std::exception& e) {
    spdlog::error("admin http: handler for {} {} failed: {}", req.method, req.path, e.what());
  } catch (...) {
    spdlog::error("admin http: handler for {} {} failed with a non-standard exception", req.method, req.path);
  }
  return plain(500, "internal server error\n");
}

AdminHttpServer::AdminHttpServer(asio::io_context& io, AdminHttpOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

AdminHttpServer::~AdminHttpServer() { stop(); }

void AdminHttpServer::add_route(std::string method, std::string path, Handler h) {
  std::lock_guard lock(impl_->routes_mu);
  impl_->exact[std::move(path)][std::move(method)] = Impl::Route{std::move(h), {}};
}

void AdminHttpServer::add_prefix_route(std::string method, std::string prefix, Handler h) {
  std::lock_guard lock(impl_->routes_mu);
  impl_->prefix[std::move(prefix)][std::move(method)] = Impl::Route{std::move(h), {}};
}

void AdminHttpServer::add_async_prefix_route(std::string method, std::string prefix, AsyncHandler h) {
  std::lock_guard lock(impl_->routes_mu);
  impl_->prefix[std::move(prefix)][std::move(method)] = Impl::Route{{}, std::move(h)};
}

void AdminHttpServer::protect_prefix(std::string prefix, std::function<std::string(const HttpRequest&)> check) {
  std::lock_guard lock(impl_->routes_mu);
  impl_->protected_prefixes.emplace_back(std::move(prefix), std::move(check));
}

std::size_t AdminHttpServer::open_connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->open;
}

HttpResponse AdminHttpServer::dispatch(const HttpRequest& req) const {
  auto answer = std::make_shared<std::promise<HttpResponse>>();
  auto got = answer->get_future();
  impl_->dispatch(req, [answer](HttpResponse r) { answer->set_value(std::move(r)); });
  return got.get();
}

void AdminHttpServer::dispatch(const HttpRequest& req, Reply reply) const { impl_->dispatch(req, std::move(reply)); }

std::expected<tcp::endpoint, std::string> AdminHttpServer::listen(const std::string& host_port) {
  auto hp = split_host_port(host_port);
  if (!hp) return std::unexpected(hp.error());

  beast::error_code ec;
  tcp::endpoint ep;
  auto addr = asio::ip::make_address(hp->host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, static_cast<unsigned short>(std::stoul(hp->port)));
  } else {
    tcp::resolver resolver(impl_->io);
    auto results = resolver.resolve(hp->host, hp->port, tcp::resolver::numeric_service, ec);
    if (ec || results.empty())
      return std::unexpected("cannot resolve '" + hp->host + "': " + (ec ? ec.message() : "no address"));
    ep = results.begin()->endpoint();
  }

  auto fail = [&](const char* step) {
    return std::unexpected("cannot listen on " + host_port + " (" + step + "): " + ec.message());
  };
  auto acc = std::make_shared<tcp::acceptor>(asio::make_strand(impl_->io));
  if (acc->open(ep.protocol(), ec); ec) return fail("open");
  // Lets a restarted daemon bind while old connections sit in TIME_WAIT; on Linux it
  // does not allow two live listeners on one port.
  if (acc->set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("setsockopt");
  if (acc->bind(ep, ec); ec) return fail("bind");
  if (acc->listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  auto bound = acc->local_endpoint(ec);
  if (ec) return fail("getsockname");

  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return std::unexpected("cannot listen on " + host_port + ": server is stopped");
    impl_->acceptors.push_back(acc);
  }
  asio::post(acc->get_executor(), [impl = impl_, acc] { accept_loop(impl, acc); });
  return bound;
}

void AdminHttpServer::stop() {
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::vector<std::weak_ptr<Session>> sessions;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    acceptors.swap(impl_->acceptors);
    for (const auto& [ptr, weak] : impl_->sessions) sessions.push_back(weak);
  }
  // Acceptors and sessions live on their strands; touching them from here would race.
  for (auto& acc : acceptors)
    asio::post(acc->get_executor(), [acc] {
      beast::error_code ec;
      acc->close(ec);
    });
  for (auto& weak : sessions)
    if (auto s = weak.lock()) s->close_from_outside();
}

std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_tls_context(const std::string& cert_file,
                                                                                        const std::string& key_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  beast::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return std::unexpected(cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) return std::unexpected(key_file + ": " + ec.message());
  return ctx;
}

void add_standard_routes(AdminHttpServer& server, MetricsRegistry& registry, std::function<bool()> ready,
                         std::function<std::string()> not_ready_reason) {
  server.add_route("GET", "/healthz", [](const HttpRequest&) { return plain(200, "ok\n"); });
  server.add_route("GET", "/readyz", [ready = std::move(ready), reason = std::move(not_ready_reason)](const HttpRequest&) {
    if (ready && ready()) return plain(200, "ready\n");
    std::string why = reason ? reason() : std::string();
    if (why.empty()) why = "not ready";
    if (why.back() != '\n') why += '\n';
    return plain(503, std::move(why));
  });
  server.add_route("GET", "/metrics", [&registry](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = registry.render();
    return r;
  });
}

}  // namespace renkei
