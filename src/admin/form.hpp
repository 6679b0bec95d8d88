#pragma once
// What a browser sends: application/x-www-form-urlencoded bodies and Cookie headers.
// Parsed once into names and values that are clean UTF-8; a refusal names the field and
// the byte offset, never the value.
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http_server.hpp"

namespace renkei {

using Form = std::map<std::string, std::string, std::less<>>;

std::expected<Form, std::string> parse_form(std::string_view body);
// The value of cookie `name` in the request, if there is one.
std::optional<std::string> cookie_value(const HttpRequest& req, std::string_view name);

}  // namespace renkei
