#include "http/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace renkei::adapters {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::expected<HttpUrl, std::string> parse_http_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    if (url.starts_with("https://")) return std::unexpected(std::string("https is not supported (use http:// or a local TLS proxy)"));
    return std::unexpected(std::string("expected a URL starting with http://"));
  }
  url.remove_prefix(scheme.size());
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.find('@') != std::string_view::npos)
    return std::unexpected(std::string("credentials in the URL are not supported"));
  out.host_header = std::string(authority);
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected(std::string("missing ']' in the host"));
    out.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::unexpected(std::string("expected :port after ']'"));
    if (!rest.empty()) port = rest.substr(1);
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::unexpected(std::string("missing host"));
  if (port.empty()) port = "80";
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos || std::stoul(std::string(port)) > 65535)
    return std::unexpected(std::string("port must be a number 0-65535"));
  out.port = std::string(port);
  return out;
}

struct HttpClient::Impl {
  struct Outcome {
    std::optional<HttpAnswer> answer;
    std::string failure;
    bool timed_out = false;
    bool whole = false;  // the answer's body was read to its end (within the limit)
  };

  // One request and its answer within `timeout`, read by `parser` (its body kind and
  // limit are the caller's).
  template <class Parser>
  Outcome attempt(const HttpUrl& url, const http::request<http::string_body>& req, Parser& parser,
                  std::chrono::milliseconds timeout, bool reuse, const std::atomic<bool>* cancel = nullptr) {
    ioc.restart();
    if (!reuse) {
      drop();
      stream = std::make_unique<beast::tcp_stream>(ioc);
      peer = url.host + ":" + url.port;
    }
    tcp::resolver resolver(ioc);
    beast::flat_buffer buffer;
    Outcome out;
    auto fail = [&](const char* step, beast::error_code ec) {
      if (out.failure.empty()) out.failure = std::string(step) + " " + url.host_header + ": " + ec.message();
    };
    auto exchange = [&] {
      http::async_write(*stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("send to", ec);
        http::async_read(*stream, buffer, parser, [&](beast::error_code ec2, std::size_t) {
          // An oversized answer body still has a usable status line.
          if (ec2 && !(ec2 == http::error::body_limit && parser.is_header_done())) return fail("answer from", ec2);
          const auto& res = parser.get();
          out.answer = HttpAnswer{static_cast<int>(res.result_int()), std::string(res.reason())};
          out.whole = !ec2;
          if (ec2 || !res.keep_alive()) closing = true;
        });
      });
    };
    if (reuse) {
      exchange();
    } else {
      resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return fail("resolve", ec);
        stream->async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) return fail("connect", ec2);
          // Request and answer are small and latency is the point: no Nagle delay.
          beast::error_code ignored;
          stream->socket().set_option(tcp::no_delay(true), ignored);
          exchange();
        });
      });
    }
    // In slices, so that a caller that is stopping (cancel) need not wait out `timeout`.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool cancelled = false;
    while (!ioc.stopped()) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      if (cancel && cancel->load()) {
        cancelled = true;
        break;
      }
      ioc.run_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
    }
    if (!ioc.stopped()) {
      // Deadline passed with work pending: cancel it and let the handlers finish.
      resolver.cancel();
      beast::error_code ignored;
      stream->socket().close(ignored);
      ioc.run();
      if (!out.answer || cancelled) {
        out.answer.reset();
        out.timed_out = true;
        out.failure = cancelled ? "request to " + url.host_header + " cancelled (the hub is stopping)"
                                : "no answer from " + url.host_header + " within " + std::to_string(timeout.count()) + " ms";
      }
    }
    if (!out.answer || closing) drop();
    return out;
  }

  void drop() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
    }
    stream.reset();
    peer.clear();
    closing = false;
  }

  // One io_context for the client's life; each call runs it until its request is done.
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  std::string peer;  // host:port the open connection goes to
  bool closing = false;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() { impl_->drop(); }

std::expected<HttpAnswer, std::string> HttpClient::post(
    const HttpUrl& url, const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    std::chrono::milliseconds timeout) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host_header);
  req.set(http::field::user_agent, "renkei");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::string(body);
  req.prepare_payload();
  const bool reuse = impl_->stream && impl_->peer == url.host + ":" + url.port;
  auto attempt = [&](bool again) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);  // the answer's body is not used; do not read a flood
    return impl_->attempt(url, req, parser, timeout, again);
  };
  auto out = attempt(reuse);
  if (!out.answer && reuse && !out.timed_out) out = attempt(false);
  if (!out.answer) return std::unexpected(out.failure.empty() ? "no answer from " + url.host_header : out.failure);
  return *out.answer;
}

std::expected<HttpAnswer, std::string> HttpClient::get_to_file(
    const HttpUrl& url, const std::vector<std::pair<std::string, std::string>>& headers, const std::string& path,
    std::uint64_t max_bytes, std::chrono::milliseconds timeout, const std::atomic<bool>* cancel) {
  http::request<http::string_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.host_header);
  req.set(http::field::user_agent, "renkei");
  for (const auto& [k, v] : headers) req.set(k, v);
  http::response_parser<http::file_body> parser;
  parser.body_limit(max_bytes);
  beast::error_code ec;
  parser.get().body().open(path.c_str(), beast::file_mode::write, ec);
  if (ec) return std::unexpected("create " + path + ": " + ec.message());
  // A fresh connection: pulls are rare and may be long, a kept one buys nothing.
  auto out = impl_->attempt(url, req, parser, timeout, false, cancel);
  impl_->drop();
  auto& file = parser.get().body().file();
  if (out.answer && out.whole && ::fsync(file.native_handle()) != 0)
    return std::unexpected("fsync " + path + ": " + std::strerror(errno));
  file.close(ec);
  if (!out.answer) return std::unexpected(out.failure.empty() ? "no answer from " + url.host_header : out.failure);
  // Checked here as well: Boost 1.74's parser lets a body past body_limit through when
  // it arrives with its header (seen in tests/conformance/http_pull_source_test.cpp).
  std::error_code size_ec;
  const bool too_large = std::filesystem::file_size(path, size_ec) > max_bytes;
  if (!out.whole || too_large || size_ec)
    return std::unexpected("the answer from " + url.host_header + " is larger than " + std::to_string(max_bytes) +
                           " bytes, or was cut off");
  return *out.answer;
}

HttpClientPool::Lease HttpClientPool::take() {
  std::unique_ptr<HttpClient> client;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      client = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!client) client = std::make_unique<HttpClient>();
  return Lease(*this, std::move(client));
}

void HttpClientPool::give_back(std::unique_ptr<HttpClient> client) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(client));
}

}  // namespace renkei::adapters
