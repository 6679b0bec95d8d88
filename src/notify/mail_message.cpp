#include "mail_message.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <string>

#include "notify_template.hpp"

namespace renkei {

namespace {

// 42 bytes → 56 base64 characters → a 68-character encoded-word: "Subject: " plus the
// first word stays within 78 columns, as RFC 2047 §2 and RFC 5322 §2.1.1 ask.
constexpr std::size_t kWordBytes = 42;
constexpr std::size_t kBodyColumns = 76;  // RFC 2045 §6.8: at most 76 characters a line

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Lone LF or lone CR → CRLF: text/plain's canonical form (RFC 2046 §4.1.1).
std::string crlf_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  std::string domain;
  if (at != std::string_view::npos)
    for (char c : address.substr(at + 1))
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
        domain += c;
  return domain.empty() ? std::string("renkei.invalid") : domain;
}

std::string two_digits(int n) { return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)}; }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a NUL too
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::string encode_header_words(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t n = std::min(kWordBytes, text.size() - pos);
    // Back off to the start of a UTF-8 sequence so that no word ends inside a character
    // (RFC 2047 §5: each encoded-word must be self-contained). Only invalid input, a run
    // of kWordBytes continuation bytes, is cut where it stands.
    if (pos + n < text.size()) {
      std::size_t cut = n;
      while (cut > 0 && is_utf8_continuation(text[pos + cut])) --cut;
      if (cut > 0) n = cut;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?";
    out += base64_encode(text.substr(pos, n));
    out += "?=";
    pos += n;
  }
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point at) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  localtime_r(&t, &tm);
  long off = tm.tm_gmtoff / 60;  // minutes east of UTC
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  // Written by hand rather than with strftime: %a and %b follow the locale, and a Japanese
  // locale would put 火 and 3月 where RFC 5322 wants Tue and Mar.
  return std::string(days[tm.tm_wday]) + ", " + two_digits(tm.tm_mday) + " " + months[tm.tm_mon] + " " +
         std::to_string(tm.tm_year + 1900) + " " + two_digits(tm.tm_hour) + ":" + two_digits(tm.tm_min) + ":" +
         two_digits(tm.tm_sec) + " " + sign + two_digits(static_cast<int>(off / 60)) +
         two_digits(static_cast<int>(off % 60));
}

std::string make_message_id(std::string_view from) {
  unsigned char raw[16];
  std::string left;
  if (RAND_bytes(raw, sizeof raw) == 1) {
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned char b : raw) {
      left += hex[b >> 4];
      left += hex[b & 0xF];
    }
  } else {
    static std::atomic<std::uint64_t> counter{0};
    left = std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "." +
           std::to_string(++counter);
  }
  return left + "@" + domain_of(from);
}

std::string build_mail_message(const MailChannel& channel, std::string_view subject, std::string_view body,
                               std::string_view message_id, std::chrono::system_clock::time_point date) {
  std::string to;
  for (const auto& rcpt : channel.to) {
    if (!to.empty()) to += ", ";
    to += escape_controls(rcpt);
  }
  std::string m;
  m += "Date: " + rfc5322_date(date) + "\r\n";
  m += "From: " + escape_controls(channel.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + encode_header_words(escape_controls(subject)) + "\r\n";
  m += "Message-ID: <" + escape_controls(message_id) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n";
  m += "\r\n";
  std::string encoded = base64_encode(crlf_lines(body));
  for (std::size_t i = 0; i < encoded.size(); i += kBodyColumns) {
    m.append(encoded, i, kBodyColumns);
    m += "\r\n";
  }
  return m;
}

}  // namespace renkei
