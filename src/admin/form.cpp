#include "form.hpp"

#include "renkei/outside_value.hpp"

namespace renkei {

namespace {

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::expected<Form, std::string> parse_form(std::string_view body) {
  Form f;
  std::size_t offset = 0;
  while (offset <= body.size() && !body.empty()) {
    auto amp = body.find('&', offset);
    auto part = body.substr(offset, amp == std::string_view::npos ? std::string_view::npos : amp - offset);
    if (!part.empty()) {
      auto eq = part.find('=');
      auto name = percent_decode(part.substr(0, eq));
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
      if (!name || !value) return std::unexpected("form: bad percent escape at byte " + std::to_string(offset));
      if (auto ok = safe_header_value("form field", *name, 64); !ok) return std::unexpected(ok.error().message());
      if (auto ok = safe_header_value("form field " + *name, *value, 4096); !ok)
        return std::unexpected(ok.error().message());
      if (!f.emplace(*name, *value).second) return std::unexpected("form: field " + *name + " given twice");
    }
    if (amp == std::string_view::npos) break;
    offset = amp + 1;
  }
  return f;
}

std::optional<std::string> cookie_value(const HttpRequest& req, std::string_view name) {
  auto it = req.headers.find("cookie");
  if (it == req.headers.end()) return std::nullopt;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    auto part = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace renkei
