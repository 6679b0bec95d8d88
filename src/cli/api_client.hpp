#pragma once
// renkeictl's way into a running renkeid: its admin HTTP API on loopback.
#include <expected>
#include <string>

namespace renkei::cli {

struct ApiResponse {
  int status = 0;
  std::string body;
};

// `base` is "http://host:port"; `token` (may be empty) goes in as a bearer token. A
// non-empty `json_body` is sent as application/json; `operator_name` names the person
// for the daemon's audit log (X-Renkei-Operator).
std::expected<ApiResponse, std::string> api_call(const std::string& base, const std::string& method,
                                                 const std::string& target, const std::string& token,
                                                 const std::string& json_body = "",
                                                 const std::string& operator_name = "");

// The login name of whoever runs renkeictl (SUDO_USER first: `sudo renkeictl` is still
// that person), for the audit log.
std::string operator_name();

}  // namespace renkei::cli
