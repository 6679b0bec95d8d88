#pragma once
// The RFC 5322 message the notifier hands to SMTP. Everything a notification's variables
// can reach is encoded so that no byte of it can end a header line:
//  - the subject is made one line (escape_controls: CR, LF and the other C0 controls
//    become `\xHH`), then RFC 2047 encoded-words (=?UTF-8?B?…?=), folded between words;
//    a word never splits a UTF-8 sequence, so each decodes on its own;
//  - the body is UTF-8 with line ends made CRLF, sent as base64 in 76-column lines
//    (Content-Transfer-Encoding: base64), so the SMTP dialogue never sees its bytes;
//  - From, To and the Message-ID are the channel's and the notifier's own, escaped the
//    same way as a second guard (check_mail_channel refuses such addresses up front).
#include <chrono>
#include <string>
#include <string_view>

#include "renkei/notify/notify_config.hpp"

namespace renkei {

// Standard base64 (RFC 4648, with padding, no line breaks).
std::string base64_encode(std::string_view bytes);

// `text` as RFC 2047 B encoded-words, separated by CRLF SP (a header fold) so that a
// header line stays under 78 columns; empty for an empty text.
std::string encode_header_words(std::string_view text);

// "Tue, 04 Mar 2025 09:30:00 +0900" in the machine's local time zone.
std::string rfc5322_date(std::chrono::system_clock::time_point at);

// A fresh id-left@id-right without the angle brackets: 128 random bits in hex @ the From
// address's domain (a clock and counter stand in should OpenSSL have no entropy: the id
// has to be unique, not secret).
std::string make_message_id(std::string_view from);

// The whole message, headers and body, CRLF line ends. `message_id` without brackets.
std::string build_mail_message(const MailChannel& channel, std::string_view subject, std::string_view body,
                               std::string_view message_id,
                               std::chrono::system_clock::time_point date = std::chrono::system_clock::now());

}  // namespace renkei
