#include "api_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "renkei/outside_value.hpp"

namespace renkei::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

namespace {
std::chrono::milliseconds g_timeout = std::chrono::seconds(60);
}  // namespace

void set_api_timeout(std::chrono::milliseconds timeout) { g_timeout = timeout; }
std::chrono::milliseconds api_timeout() { return g_timeout; }

std::string operator_name() {
  // The environment is outside input: a name that is not clean UTF-8 is sent escaped
  // (\xHH), so it can neither break the header nor the JSON body it goes into.
  auto clean = [](std::string_view v) {
    std::string s = safe_header_value("operator", v, 64) ? std::string(v) : escape_for_log(v);
    return s.size() > 64 ? s.substr(0, 64) : s;
  };
  for (const char* var : {"SUDO_USER", "LOGNAME", "USER"})
    if (const char* v = std::getenv(var); v && *v) return clean(v);
  if (const passwd* pw = ::getpwuid(::getuid())) return clean(pw->pw_name);
  return "uid:" + std::to_string(::getuid());
}

ApiEndpoint endpoint_of(const HttpConfig& http, const std::string& api) {
  const bool tls = !http.tls_cert_file.empty();
  return ApiEndpoint{api.empty() ? (tls ? "https://" : "http://") + http.listen : api, tls ? http.tls_cert_file : ""};
}

namespace {

// Runs the io_context until `done` or the deadline: every step is asynchronous, so a
// hub that accepts and then says nothing cannot hold renkeictl past its deadline.
bool run_until(boost::asio::io_context& io, const bool& done, std::chrono::steady_clock::time_point deadline) {
  // The previous step may have left the context out of work, which stops it.
  if (io.stopped()) io.restart();
  while (!done) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    if (io.run_one_for(left) == 0 && io.stopped()) return done;
  }
  return true;
}

}  // namespace

std::expected<ApiResponse, std::string> api_call(const ApiEndpoint& endpoint, const std::string& method,
                                                 const std::string& target, const std::string& token,
                                                 const std::string& json_body, const std::string& operator_name) {
  const std::string& base = endpoint.base;
  const bool tls = base.starts_with("https://");
  const std::string_view scheme = tls ? "https://" : "http://";
  if (!base.starts_with(scheme))
    return std::unexpected("API address must start with http:// or https:// (got '" + base + "')");
  std::string hostport = base.substr(scheme.size());
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return std::unexpected("API address needs a port: " + base);
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, hostport);
  req.set(http::field::user_agent, "renkeictl");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!operator_name.empty()) req.set("X-Renkei-Operator", operator_name);
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = json_body;
  }
  req.prepare_payload();
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    const auto timeout = g_timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string timed_out = "no answer from renkeid at " + base + " within " +
                                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                                  " s (timeout)";
    beast::error_code ec;
    bool done = false;
    auto step = [&](auto&& start_op) -> std::optional<std::string> {
      done = false;
      ec = {};
      start_op([&](beast::error_code e, auto&&...) {
        ec = e;
        done = true;
      });
      if (!run_until(io, done, deadline)) return timed_out;
      if (ec == beast::error::timeout) return timed_out;
      if (ec) return "cannot reach renkeid at " + base + ": " + ec.message();
      return std::nullopt;
    };
    auto results = resolver.resolve(host, port);
    ssl::context ctx(ssl::context::tls_client);
    if (tls) {
      if (endpoint.ca_file.empty()) ctx.set_default_verify_paths();
      else ctx.load_verify_file(endpoint.ca_file);
      ctx.set_verify_mode(ssl::verify_peer);
    }
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    auto& lowest = beast::get_lowest_layer(stream);
    // The tcp_stream's own timer backs up run_until: both end at the same deadline.
    lowest.expires_after(timeout);
    if (auto e = step([&](auto h) { lowest.async_connect(results, h); })) return std::unexpected(*e);
    if (tls) {
      stream.set_verify_callback(ssl::host_name_verification(host));
      // SNI is for names only; an address literal must not be sent as one.
      beast::error_code parse_ec;
      boost::asio::ip::make_address(host, parse_ec);
      if (parse_ec) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
      if (auto e = step([&](auto h) { stream.async_handshake(ssl::stream_base::client, h); })) return std::unexpected(*e);
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto exchange = [&](auto& s) -> std::optional<std::string> {
      if (auto e = step([&](auto h) { http::async_write(s, req, h); })) return e;
      return step([&](auto h) { http::async_read(s, buffer, res, h); });
    };
    if (auto e = tls ? exchange(stream) : exchange(lowest)) return std::unexpected(*e);
    beast::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return ApiResponse{static_cast<int>(res.result_int()), res.body()};
  } catch (const std::exception& e) {
    return std::unexpected("cannot reach renkeid at " + base + ": " + e.what());
  }
}

}  // namespace renkei::cli
