#include "http/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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

std::expected<HttpAnswer, std::string> http_post(const HttpUrl& url,
                                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                                 std::string_view body, std::chrono::milliseconds timeout) {
  // A private io_context per call: the deadline covers resolve, connect, write and read
  // alike, and nothing outlives the call.
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host_header);
  req.set(http::field::user_agent, "renkei");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::string(body);
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024 * 1024);  // the answer's body is not used; do not read a flood

  std::optional<std::string> failure;
  bool answered = false;
  auto fail = [&](const char* step, beast::error_code ec) {
    if (!failure) failure = std::string(step) + " " + url.host_header + ": " + ec.message();
  };
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("resolve", ec);
    stream.async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
      if (ec2) return fail("connect", ec2);
      http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
        if (ec3) return fail("send to", ec3);
        http::async_read(stream, buffer, parser, [&](beast::error_code ec4, std::size_t) {
          // An oversized answer body still has a usable status line.
          if (ec4 && !(ec4 == http::error::body_limit && parser.is_header_done())) return fail("answer from", ec4);
          answered = true;
        });
      });
    });
  });
  ioc.run_for(timeout);
  if (!ioc.stopped()) {
    // Deadline passed with work pending: cancel it and let the handlers finish.
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
    ioc.run();
    if (!answered)
      return std::unexpected("no answer from " + url.host_header + " within " + std::to_string(timeout.count()) + " ms");
  }
  if (!answered) return std::unexpected(failure.value_or("no answer from " + url.host_header));
  const auto& res = parser.get();
  return HttpAnswer{static_cast<int>(res.result_int()), std::string(res.reason())};
}

}  // namespace renkei::adapters
