#pragma once
// The first look at an HTTP request from outside, before any route sees it: the path,
// the query and the header values a handler uses (Authorization, X-Renkei-Operator,
// Renkei-Interface, Idempotency-Key) must be valid UTF-8 without control characters.
// A refusal names the field and the byte offset, never the value: it may be hostile,
// and it ends up in a 400 body, a log line and the audit log.
#include <optional>
#include <string>
#include <string_view>

#include "http_server.hpp"

namespace renkei {

// nullopt: the request may be routed. Otherwise the reason for a 400.
std::optional<std::string> refuse_request(const HttpRequest& req);

// The name a client claims in X-Renkei-Operator (renkeictl sends the login name), when
// it is there and clean: recorded in the audit log as a claim, never as who asked.
std::optional<std::string> claimed_operator(const HttpRequest& req);

}  // namespace renkei
