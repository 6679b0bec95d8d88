#include "record_display.hpp"

#include <cstdio>
#include <memory>

#include "renkei/convert/charset.hpp"
#include "status_page.hpp"

namespace renkei {

namespace {

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  return buf;
}

std::string marked(std::string_view bytes) {
  std::string out = "<span class=\"bad\">";
  for (unsigned char b : bytes) out += hex_byte(b);
  return out + "</span>";
}

// Code points as UTF-8, HTML-escaped; controls (but newline and tab) marked as bytes.
void append_text(const std::u32string& cps, std::string& html) {
  std::string utf8;
  for (char32_t c : cps) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      html += html_escape(utf8);
      utf8.clear();
      html += marked(std::string(1, static_cast<char>(c)));
      continue;
    }
    // DEL and C1 controls, and the private use areas (a system's 外字, which no font
    // shows): marked by code point, so an operator sees what is there.
    const bool pua = (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000;
    if (c == 0x7F || (c >= 0x80 && c < 0xA0) || pua) {
      html += html_escape(utf8);
      utf8.clear();
      char buf[16];
      std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
      html += std::string(pua ? "<span class=\"bad\" title=\"外字（私用領域）\">" : "<span class=\"bad\">") + buf +
              "</span>";
      continue;
    }
    if (c < 0x80) {
      utf8 += static_cast<char>(c);
    } else if (c < 0x800) {
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      utf8 += static_cast<char>(0xE0 | (c >> 12));
      utf8 += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      utf8 += static_cast<char>(0xF0 | (c >> 18));
      utf8 += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      utf8 += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  html += html_escape(utf8);
}

}  // namespace

RecordDisplay display_record(std::string_view bytes, const std::string& charset, std::size_t max_bytes) {
  RecordDisplay d;
  if (bytes.size() > max_bytes) {
    bytes = bytes.substr(0, max_bytes);
    d.cut = true;
  }
  auto cs = open_charset(charset);
  if (!cs) {
    d.charset_error = cs.error();
    d.html = marked(bytes);
    d.bad_bytes = bytes.size();
    return d;
  }
  while (!bytes.empty()) {
    std::u32string cps;
    auto r = (*cs)->decode(bytes, cps);
    if (r) {
      append_text(cps, d.html);
      break;
    }
    // Decodes cleanly up to the error: that part as text, the bad bytes marked, then on.
    const std::size_t at = std::min(r.error().offset, bytes.size());
    const std::size_t len = std::max<std::size_t>(1, std::min(r.error().length, bytes.size() - at));
    cps.clear();
    if (at > 0 && (*cs)->decode(bytes.substr(0, at), cps)) append_text(cps, d.html);
    else if (at > 0) {
      d.html += marked(bytes.substr(0, at));
      d.bad_bytes += at;
    }
    d.html += marked(bytes.substr(at, len));
    d.bad_bytes += len;
    bytes.remove_prefix(at + len);
  }
  return d;
}

}  // namespace renkei
