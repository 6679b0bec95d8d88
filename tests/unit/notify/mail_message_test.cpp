// The mail message builder: a value with CR/LF cannot add a header, the Japanese subject
// survives RFC 2047 (each word on its own), the body is base64 of UTF-8 with CRLF lines.
#include "mail_message.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "notify_template.hpp"
#include "notify_test_support.hpp"

namespace renkei {
namespace {

using test::base64_decode;

MailChannel channel() {
  return MailChannel{.name = "ops",
                     .url = "smtp://127.0.0.1:25",
                     .from = "renkei@city.example.lg.jp",
                     .to = {"ops@city.example.lg.jp", "duty@city.example.lg.jp"}};
}

struct Parsed {
  std::vector<std::string> header_lines;  // as sent, CRLF removed, folds not joined
  std::string body;                       // after the blank line
};

Parsed parse(const std::string& m) {
  Parsed p;
  std::size_t end = m.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  std::string head = m.substr(0, end);
  p.body = m.substr(end + 4);
  std::size_t pos = 0;
  while (pos <= head.size()) {
    std::size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    p.header_lines.push_back(head.substr(pos, e - pos));
    pos = e + 2;
  }
  return p;
}

// The value of header `name`, folds joined (CRLF SP → SP).
std::string header(const Parsed& p, const std::string& name) {
  std::string value;
  bool in = false;
  for (const auto& line : p.header_lines) {
    if (!line.empty() && line[0] == ' ') {
      if (in) value += line;
      continue;
    }
    in = line.rfind(name + ": ", 0) == 0;
    if (in) value = line.substr(name.size() + 2);
  }
  return value;
}

bool is_base64(std::string_view s) {
  return !s.empty() && s.size() % 4 == 0 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
  });
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// Every encoded-word of a Subject value, each decoded on its own; anything between or
// around the words other than spaces fails the test.
std::vector<std::string> decode_words(const std::string& value) {
  const std::string open = "=?UTF-8?B?", close = "?=";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    if (value[pos] == ' ') {
      ++pos;
      continue;
    }
    if (value.compare(pos, open.size(), open) != 0) {
      ADD_FAILURE() << "text outside encoded-words: " << value.substr(pos);
      break;
    }
    std::size_t end = value.find(close, pos + open.size());
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated encoded-word: " << value.substr(pos);
      break;
    }
    std::string b64 = value.substr(pos + open.size(), end - pos - open.size());
    EXPECT_TRUE(is_base64(b64)) << b64;
    out.push_back(base64_decode(b64));
    pos = end + close.size();
  }
  return out;
}

// Lines of at most 76 base64 characters, each ended by CRLF.
bool is_base64_body(const std::string& body) {
  if (body.empty()) return false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t e = body.find("\r\n", pos);
    if (e == std::string::npos || e == pos || e - pos > 76 || !is_base64(body.substr(pos, e - pos))) return false;
    pos = e + 2;
  }
  return true;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

TEST(MailMessage, ACrLfInAValueAddsNoHeaderLine) {
  // The way the notifier builds a subject: a template, then a value from outside.
  NotifyVars vars{{"interface", "IF015"}, {"reason", "timeout\r\nBcc: evil@example.com\r\n\r\nfake body"}};
  std::string subject = render("[renkei] {{interface}} {{reason}}", vars);
  std::string body = render("理由: {{reason}}\n", vars);
  // And straight into the builder, as a second guard, with a bare LF and a bare CR too.
  for (std::string s : {subject, std::string("plain ascii\r\nBcc: evil@example.com"), std::string("a\nBcc: x\rCc: y")}) {
    std::string m = build_mail_message(channel(), s, body, "id1@city.example.lg.jp");
    Parsed p = parse(m);
    std::multiset<std::string> names;
    for (const auto& line : p.header_lines) {
      ASSERT_EQ(line.find('\r'), std::string::npos) << line;
      ASSERT_EQ(line.find('\n'), std::string::npos) << line;
      ASSERT_FALSE(line.empty());
      if (line[0] == ' ') continue;  // a fold
      names.insert(line.substr(0, line.find(':')));
    }
    EXPECT_EQ(names, (std::multiset<std::string>{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                                                 "Content-Type", "Content-Transfer-Encoding"}))
        << m;
    EXPECT_EQ(m.find("\nBcc:"), std::string::npos);
    // The body is base64 only: nothing of it can reach the SMTP dialogue as text.
    EXPECT_TRUE(is_base64_body(p.body)) << p.body;
  }
  // What the subject says, decoded: one line, the break spelled out.
  Parsed p = parse(build_mail_message(channel(), subject, body, "id1@x"));
  std::string decoded;
  for (const auto& w : decode_words(header(p, "Subject"))) decoded += w;
  EXPECT_EQ(decoded, "[renkei] IF015 timeout\\x0D\\x0ABcc: evil@example.com\\x0D\\x0A\\x0D\\x0Afake body");
}

TEST(MailMessage, HeadersAreThoseOfAUtf8Base64TextMail) {
  Parsed p = parse(build_mail_message(channel(), "件名", "本文\n二行目", "abc@city.example.lg.jp"));
  EXPECT_EQ(header(p, "From"), "renkei@city.example.lg.jp");
  EXPECT_EQ(header(p, "To"), "ops@city.example.lg.jp, duty@city.example.lg.jp");
  EXPECT_EQ(header(p, "Message-ID"), "<abc@city.example.lg.jp>");
  EXPECT_EQ(header(p, "MIME-Version"), "1.0");
  EXPECT_EQ(header(p, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(header(p, "Content-Transfer-Encoding"), "base64");
  // "Tue, 04 Mar 2025 09:30:00 +0900": English names whatever the locale, a numeric zone.
  std::string date = header(p, "Date");
  ASSERT_EQ(date.size(), 31u) << date;
  EXPECT_NE(std::string("Mon,Tue,Wed,Thu,Fri,Sat,Sun").find(date.substr(0, 3)), std::string::npos) << date;
  EXPECT_NE(std::string("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").find(date.substr(8, 3)), std::string::npos)
      << date;
  EXPECT_TRUE(is_digits(date.substr(5, 2)) && is_digits(date.substr(12, 4)) && is_digits(date.substr(17, 2)) &&
              is_digits(date.substr(20, 2)) && is_digits(date.substr(23, 2)) && is_digits(date.substr(27, 4)))
      << date;
  EXPECT_TRUE(date[26] == '+' || date[26] == '-') << date;
  std::string b64;
  for (char c : p.body)
    if (c != '\r' && c != '\n') b64 += c;
  EXPECT_EQ(base64_decode(b64), "本文\r\n二行目");  // LF made CRLF: text/plain's canonical form
}

TEST(MailMessage, JapaneseSubjectDecodesBackWordByWord) {
  const std::string subjects[] = {
      "[renkei] 連携失敗: 住民基本台帳システム → 税務システム（固定資産税） 業務日付 2025-03-04 実行ID r-20250304-015",
      "ab🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂",  // 4-byte characters across a word boundary
      "x",
  };
  for (const auto& subject : subjects) {
    Parsed p = parse(build_mail_message(channel(), subject, "本文", "id@x"));
    for (const auto& line : p.header_lines) EXPECT_LE(line.size(), 78u) << line;
    auto words = decode_words(header(p, "Subject"));
    ASSERT_FALSE(words.empty());
    std::string joined;
    for (const auto& w : words) {
      // RFC 2047 §5: an encoded-word must hold whole characters, or a reader shows 〓.
      EXPECT_TRUE(valid_utf8(w)) << "a word splits a character";
      joined += w;
    }
    EXPECT_EQ(joined, subject);
  }
  EXPECT_EQ(encode_header_words(""), "");
}

TEST(MailMessage, MessageIdsAreFreshAndUseTheSendersDomain) {
  auto a = make_message_id("renkei@city.example.lg.jp");
  auto b = make_message_id("renkei@city.example.lg.jp");
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 32 + std::string_view("@city.example.lg.jp").size()) << a;
  EXPECT_TRUE(std::all_of(a.begin(), a.begin() + 32, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
      << a;
  EXPECT_TRUE(a.ends_with("@city.example.lg.jp")) << a;
  EXPECT_TRUE(make_message_id("no-at-sign").ends_with("@renkei.invalid"));
}

}  // namespace
}  // namespace renkei
