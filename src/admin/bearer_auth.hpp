#pragma once
// Admin writes need the bearer token kept in auth.token_file. A missing file gets a fresh
// random token (mode 0600), so a new installation is never open by default.
#include <expected>
#include <functional>
#include <mutex>
#include <string>

#include "http_server.hpp"

namespace renkei {

class BearerAuth {
 public:
  // Reads (or creates) the token file; an error says why neither worked.
  std::expected<void, std::string> load(const std::string& token_file);
  // nullopt-like: an empty string means authorised; otherwise the refusal's reason.
  std::string check(const HttpRequest& req) const;
  // 401 with WWW-Authenticate, as RFC 6750 asks.
  static HttpResponse refuse(const std::string& reason);

 private:
  mutable std::mutex mu_;
  std::string token_;
};

// Wraps a write handler: refused requests get 401 and a log line (without the token),
// and are told to `on_refused` (the audit log) when given.
using RefusalHook = std::function<void(const HttpRequest& req, const std::string& why)>;
Handler require_token(const BearerAuth& auth, Handler h, RefusalHook on_refused = {});

}  // namespace renkei
