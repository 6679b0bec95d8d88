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

namespace renkei::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

std::string operator_name() {
  for (const char* var : {"SUDO_USER", "LOGNAME", "USER"})
    if (const char* v = std::getenv(var); v && *v) return v;
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return "uid:" + std::to_string(::getuid());
}

ApiEndpoint endpoint_of(const HttpConfig& http, const std::string& api) {
  const bool tls = !http.tls_cert_file.empty();
  return ApiEndpoint{api.empty() ? (tls ? "https://" : "http://") + http.listen : api, tls ? http.tls_cert_file : ""};
}

namespace {

template <class Stream>
ApiResponse exchange(Stream& stream, http::request<http::string_body>& req) {
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return ApiResponse{static_cast<int>(res.result_int()), res.body()};
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
    if (!tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(std::chrono::seconds(60));
      stream.connect(resolver.resolve(host, port));
      auto res = exchange(stream, req);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      return res;
    }
    ssl::context ctx(ssl::context::tls_client);
    if (endpoint.ca_file.empty()) ctx.set_default_verify_paths();
    else ctx.load_verify_file(endpoint.ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    stream.set_verify_callback(ssl::host_name_verification(host));
    // SNI is for names only; an address literal must not be sent as one.
    beast::error_code parse_ec;
    boost::asio::ip::make_address(host, parse_ec);
    if (parse_ec) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
    beast::get_lowest_layer(stream).connect(resolver.resolve(host, port));
    stream.handshake(ssl::stream_base::client);
    auto res = exchange(stream, req);
    beast::error_code ec;
    stream.shutdown(ec);  // the server may just close: nothing depends on a clean close_notify
    return res;
  } catch (const std::exception& e) {
    return std::unexpected("cannot reach renkeid at " + base + ": " + e.what());
  }
}

}  // namespace renkei::cli
