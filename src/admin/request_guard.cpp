#include "request_guard.hpp"

#include <array>

#include "renkei/outside_value.hpp"

namespace renkei {

namespace {

// Long enough for every route and its query; a longer target is not ours.
constexpr std::size_t kMaxTarget = 4096;
constexpr std::size_t kMaxHeader = 8192;

// The headers some handler reads as text. Others are only framing for Beast.
constexpr std::array<std::string_view, 6> kCheckedHeaders = {
    "authorization", "x-renkei-operator", "renkei-interface", "idempotency-key", "renkei-trace-id", "content-type"};

}  // namespace

std::optional<std::string> refuse_request(const HttpRequest& req) {
  if (auto p = safe_header_value("path", req.path, kMaxTarget); !p) return p.error().message();
  if (auto q = safe_header_value("query", req.query, kMaxTarget); !q) return q.error().message();
  for (auto name : kCheckedHeaders) {
    auto it = req.headers.find(std::string(name));
    if (it == req.headers.end()) continue;
    if (auto h = safe_header_value("header " + std::string(name), it->second, kMaxHeader); !h)
      return h.error().message();
  }
  return std::nullopt;
}

std::optional<std::string> claimed_operator(const HttpRequest& req) {
  auto it = req.headers.find("x-renkei-operator");
  if (it == req.headers.end() || it->second.empty()) return std::nullopt;
  auto ok = safe_header_value("operator", it->second, 64);
  if (!ok) return std::nullopt;
  return std::string(*ok);
}

}  // namespace renkei
