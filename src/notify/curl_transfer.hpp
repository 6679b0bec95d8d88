#pragma once
// One delivery attempt over libcurl: a webhook POST or an SMTP submission, on an easy
// handle of its own, bounded by the channel's timeout and abandoned within about a second
// once `stop` is set (curl's progress callback is asked at least that often).
//
// An error is curl's own text ("Failed to connect to 127.0.0.1 port 9 …", "HTTP 500", a
// secret file that cannot be read): never the URL (a webhook URL may carry its secret,
// an SMTP URL its userinfo), never a password or token, never the payload.
#include <atomic>
#include <expected>
#include <string>
#include <string_view>

#include "renkei/notify/notify_config.hpp"

namespace renkei {

// curl_global_init, exactly once per process (std::call_once); every function below
// calls it, so a caller need not.
void curl_init_once();

// POST application/json; any 2xx is success.
std::expected<void, std::string> post_webhook(const WebhookChannel& channel, std::string_view json,
                                              const std::atomic<bool>& stop);

// MAIL FROM / RCPT TO each of `to` / DATA `message` (a whole RFC 5322 message, CRLF).
std::expected<void, std::string> send_mail(const MailChannel& channel, std::string_view message,
                                           const std::atomic<bool>& stop);

// The first line of a secret file (trailing CR dropped); an error when it cannot be read
// or that line is empty. Read at each send so that a rotated secret is picked up.
std::expected<std::string, std::string> read_secret_file(const std::string& path);

}  // namespace renkei
