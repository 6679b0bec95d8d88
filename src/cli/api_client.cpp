#include "api_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace renkei::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string operator_name() {
  for (const char* var : {"SUDO_USER", "LOGNAME", "USER"})
    if (const char* v = std::getenv(var); v && *v) return v;
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return "uid:" + std::to_string(::getuid());
}

std::expected<ApiResponse, std::string> api_call(const std::string& base, const std::string& method,
                                                 const std::string& target, const std::string& token,
                                                 const std::string& json_body, const std::string& operator_name) {
  constexpr std::string_view scheme = "http://";
  if (!base.starts_with(scheme)) return std::unexpected("API address must start with http:// (got '" + base + "')");
  std::string hostport = base.substr(scheme.size());
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return std::unexpected("API address needs a port: " + base);
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(resolver.resolve(host, port));
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
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return ApiResponse{static_cast<int>(res.result_int()), res.body()};
  } catch (const std::exception& e) {
    return std::unexpected("cannot reach renkeid at " + base + ": " + e.what());
  }
}

}  // namespace renkei::cli
