#pragma once
// What the notifier sends, where, and how hard it tries. The hub's YAML loader fills
// these; nothing here reads files. Secrets are never in the config itself: a channel
// names a file (bearer_token_file, password_file) that the notifier reads at send time,
// so a rotated secret needs no reload and the config can be shown without redaction.
//
// Every member has an initializer so that designated initialisation
// (`WebhookChannel{.name = "chat", .url = "..."}`) stays clean under
// -Wmissing-field-initializers.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace renkei {

enum class NotifyEvent { RunFailed, RunMissing, DlqGrowth, ManualOverdue, TargetDown, HookFailed };

// The names used in the YAML (`events: [run-failed, …]`) and in the webhook JSON.
inline constexpr std::string_view to_string(NotifyEvent e) {
  switch (e) {
    case NotifyEvent::RunFailed: return "run-failed";
    case NotifyEvent::RunMissing: return "run-missing";
    case NotifyEvent::DlqGrowth: return "dlq-growth";
    case NotifyEvent::ManualOverdue: return "manual-overdue";
    case NotifyEvent::TargetDown: return "target-down";
    case NotifyEvent::HookFailed: return "hook-failed";
  }
  return "unknown";
}

inline constexpr NotifyEvent all_notify_events[] = {NotifyEvent::RunFailed,     NotifyEvent::RunMissing,
                                                    NotifyEvent::DlqGrowth,     NotifyEvent::ManualOverdue,
                                                    NotifyEvent::TargetDown,    NotifyEvent::HookFailed};

inline constexpr std::optional<NotifyEvent> parse_notify_event(std::string_view s) {
  for (NotifyEvent e : all_notify_events)
    if (to_string(e) == s) return e;
  return std::nullopt;
}

// A POST of application/json to `url` (http or https only). `headers` are added as given
// (the loader must refuse CR/LF in them; the notifier disables a channel that has any).
// With bearer_token_file set, its first line is sent as "Authorization: Bearer …".
struct WebhookChannel {
  std::string name{};
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string bearer_token_file{};
  std::chrono::milliseconds timeout{5000};  // the whole attempt: connect, send, answer
  bool operator==(const WebhookChannel&) const = default;
};

// One mail per notification to every address in `to`.
struct MailChannel {
  std::string name{};
  std::string url{};      // smtp://host:port or smtps://host:port (TLS from the start)
  bool starttls = false;  // smtp:// that must upgrade (CURLUSESSL_ALL): no plain-text fallback
  std::string from{};     // a bare address, e.g. renkei@city.example.lg.jp
  std::vector<std::string> to{};
  std::string username{};       // empty: no SMTP AUTH
  std::string password_file{};  // first line is the password; read at send time, never logged
  std::chrono::milliseconds timeout{10000};
  bool operator==(const MailChannel&) const = default;
};

// `subject` is for mail only; a webhook gets `body` rendered as its "text" field.
// Placeholders: see notify_template.hpp.
struct NotifyTemplate {
  std::string subject{};
  std::string body{};
  bool operator==(const NotifyTemplate&) const = default;
};

struct NotifyConfig {
  std::vector<WebhookChannel> webhooks{};
  std::vector<MailChannel> mails{};
  std::map<NotifyEvent, NotifyTemplate> templates{};  // missing → default_template(event)
  std::vector<NotifyEvent> events{};                  // which events are sent (empty: all)
  int max_attempts = 5;                               // per channel and notification, first try included
  std::chrono::milliseconds first_backoff{1000};      // doubles after each failed attempt
  std::size_t queue_limit = 1000;                     // deliveries unfinished (in flight, retries included)
  bool operator==(const NotifyConfig&) const = default;
};

}  // namespace renkei
