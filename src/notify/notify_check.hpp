#pragma once
// Checks of a NotifyConfig for the YAML loader to report (and refuse) before the hub
// starts. The Notifier runs the channel checks again and leaves out a channel that fails
// them, so a config that skipped the loader still cannot put CR/LF into a request.
#include <expected>
#include <string>

#include "renkei/notify/notify_config.hpp"

namespace renkei {

// name set; url http:// or https://; header names are tokens and values hold no control
// characters; timeout > 0.
std::expected<void, std::string> check_webhook_channel(const WebhookChannel& channel);

// name set; url smtp:// or smtps://; from and each of a non-empty `to` a bare address
// (an '@', no spaces, controls, brackets or commas); password_file only with a username;
// timeout > 0.
std::expected<void, std::string> check_mail_channel(const MailChannel& channel);

// Every channel, unique channel names (they are metric labels), every template (both
// texts), max_attempts ≥ 1, first_backoff ≥ 0, queue_limit ≥ 1. The error says which.
std::expected<void, std::string> check_notify_config(const NotifyConfig& config);

}  // namespace renkei
