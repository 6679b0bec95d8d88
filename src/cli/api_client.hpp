#pragma once
// renkeictl's way into a running renkeid: its admin HTTP API on loopback.
#include <expected>
#include <string>

namespace renkei::cli {

struct ApiResponse {
  int status = 0;
  std::string body;
};

// `base` is "http://host:port"; `token` (may be empty) goes in as a bearer token.
std::expected<ApiResponse, std::string> api_call(const std::string& base, const std::string& method,
                                                 const std::string& target, const std::string& token);

}  // namespace renkei::cli
