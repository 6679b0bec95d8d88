#include "notify_check.hpp"

#include <set>
#include <string_view>

#include "notify_template.hpp"

namespace renkei {

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool has_control(std::string_view s) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return true;
  }
  return false;
}

// RFC 9110 token characters.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_bare_address(std::string_view s) {
  if (s.empty() || s.find('@') == std::string_view::npos) return false;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F || c == '<' || c == '>' || c == ',' || c == '"') return false;
  }
  return true;
}

// A channel's name is a metric label: an id, never free text.
bool is_channel_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '-' || c == '_'));
    if (!ok) return false;
  }
  return true;
}

// Whether the URL's host is this machine: only there may a secret travel unencrypted.
bool loopback_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  auto rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string_view host;
  if (rest.starts_with("[")) host = rest.substr(0, rest.find(']') + 1);
  else host = rest.substr(0, rest.find(':'));
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

}  // namespace

std::expected<void, std::string> check_webhook_channel(const WebhookChannel& ch) {
  auto bad = [&](const std::string& why) {
    return std::unexpected("webhook " + escape_controls(ch.name) + ": " + why);
  };
  if (!is_channel_name(ch.name)) return bad("name must be lower-case letters, digits, '-' and '_' (a metric label)");
  // The URL is not quoted in any error: a webhook URL often carries its secret in the path.
  if (!starts_with_ci(ch.url, "http://") && !starts_with_ci(ch.url, "https://"))
    return bad("url must be http:// or https://");
  if (has_control(ch.url)) return bad("url has control characters");
  for (const auto& [name, value] : ch.headers) {
    if (!is_token(name)) return bad("header name \"" + escape_controls(name) + "\" is not a token");
    if (has_control(value)) return bad("header " + name + " has control characters in its value");
  }
  if (!ch.bearer_token_file.empty() && starts_with_ci(ch.url, "http://") && !loopback_url(ch.url))
    return bad("would send its bearer token in plain text: use https:// (http:// only to this machine)");
  if (ch.timeout.count() <= 0) return bad("timeout must be positive");
  return {};
}

std::expected<void, std::string> check_mail_channel(const MailChannel& ch) {
  auto bad = [&](const std::string& why) {
    return std::unexpected("mail " + escape_controls(ch.name) + ": " + why);
  };
  if (!is_channel_name(ch.name)) return bad("name must be lower-case letters, digits, '-' and '_' (a metric label)");
  if (!starts_with_ci(ch.url, "smtp://") && !starts_with_ci(ch.url, "smtps://"))
    return bad("url must be smtp:// or smtps://");
  if (has_control(ch.url)) return bad("url has control characters");
  if (!is_bare_address(ch.from)) return bad("from must be a bare address");
  if (ch.to.empty()) return bad("needs at least one address in to");
  for (const auto& rcpt : ch.to)
    if (!is_bare_address(rcpt)) return bad("to \"" + escape_controls(rcpt) + "\" is not a bare address");
  if (has_control(ch.username)) return bad("username has control characters");
  if (!ch.password_file.empty() && ch.username.empty()) return bad("password_file needs a username");
  if (!ch.password_file.empty() && starts_with_ci(ch.url, "smtp://") && !ch.starttls && !loopback_url(ch.url))
    return bad("would send its password in plain text: use smtps:// or starttls: true (plain smtp:// only to this machine)");
  if (ch.timeout.count() <= 0) return bad("timeout must be positive");
  return {};
}

std::expected<void, std::string> check_notify_config(const NotifyConfig& config) {
  std::set<std::string> names;
  auto unique = [&](const std::string& name) -> std::expected<void, std::string> {
    if (!names.insert(name).second) return std::unexpected("channel name " + name + " is used twice");
    return {};
  };
  for (const auto& ch : config.webhooks) {
    if (auto ok = check_webhook_channel(ch); !ok) return ok;
    if (auto ok = unique(ch.name); !ok) return ok;
  }
  for (const auto& ch : config.mails) {
    if (auto ok = check_mail_channel(ch); !ok) return ok;
    if (auto ok = unique(ch.name); !ok) return ok;
  }
  for (const auto& [event, tpl] : config.templates) {
    std::string where = "template " + std::string(to_string(event));
    if (auto ok = check_template(tpl.subject); !ok) return std::unexpected(where + " subject: " + ok.error());
    if (auto ok = check_template(tpl.body); !ok) return std::unexpected(where + " body: " + ok.error());
  }
  if (config.max_attempts < 1) return std::unexpected("max_attempts must be at least 1");
  if (config.first_backoff.count() < 0) return std::unexpected("first_backoff must not be negative");
  if (config.queue_limit < 1) return std::unexpected("queue_limit must be at least 1");
  return {};
}

}  // namespace renkei
