#pragma once
// renkeictl's way into a running renkeid: its admin HTTP API on loopback.
#include <chrono>
#include <expected>
#include <string>
#include <utility>

#include "renkei/catalogue/model.hpp"

namespace renkei::cli {

struct ApiResponse {
  int status = 0;
  std::string body;
};

// Where renkeid's API is: "http://host:port" or "https://host:port". Over HTTPS the
// server's certificate is checked against `ca_file` (for a hub's own self-signed
// certificate: that certificate file, http.tls.cert_file), else the system's CAs, and
// must name `host`.
struct ApiEndpoint {
  ApiEndpoint(std::string b = {}, std::string ca = {}) : base(std::move(b)), ca_file(std::move(ca)) {}
  std::string base;
  std::string ca_file;
};

// The hub's own endpoint from its http config: https and its certificate as the CA when
// http.tls is set. `api`, when not empty, replaces the address (same CA).
ApiEndpoint endpoint_of(const HttpConfig& http, const std::string& api = {});

// `token` (may be empty) goes in as a bearer token. A non-empty `json_body` is sent as
// application/json; `operator_name` names the person for the daemon's audit log
// (X-Renkei-Operator).
std::expected<ApiResponse, std::string> api_call(const ApiEndpoint& endpoint, const std::string& method,
                                                 const std::string& target, const std::string& token,
                                                 const std::string& json_body = "",
                                                 const std::string& operator_name = "");

// How long one api_call may take in all (connect, TLS, request, answer); past it the
// call fails with a message saying so. Default 60 s (renkeictl --timeout).
void set_api_timeout(std::chrono::milliseconds timeout);
std::chrono::milliseconds api_timeout();

// The login name of whoever runs renkeictl (SUDO_USER first: `sudo renkeictl` is still
// that person), for the audit log.
std::string operator_name();

}  // namespace renkei::cli
