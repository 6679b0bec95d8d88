#include "renkei/json_log.hpp"

#include <spdlog/formatter.h>
#include <unicode/utf8.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "renkei/my_number.hpp"

namespace renkei {
namespace {

// Writes `s` as a JSON string that is always valid UTF-8: controls as JSON escapes, and
// every byte that is not part of a well-formed UTF-8 sequence as the text \\xHH (the
// form escape_for_log uses), so a log reader never meets a line it cannot decode.
void append_json_string(spdlog::memory_buf_t& dest, std::string_view s) {
  dest.push_back('"');
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      const int32_t at = i;
      UChar32 cp;
      U8_NEXT(p, i, n, cp);
      if (cp < 0) {
        for (int32_t k = at; k < i; ++k) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\\\x%02X", p[k]);
          dest.append(std::string_view(buf));
        }
      } else {
        dest.append(s.substr(static_cast<std::size_t>(at), static_cast<std::size_t>(i - at)));
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': dest.append(std::string_view("\\\"")); break;
      case '\\': dest.append(std::string_view("\\\\")); break;
      case '\n': dest.append(std::string_view("\\n")); break;
      case '\r': dest.append(std::string_view("\\r")); break;
      case '\t': dest.append(std::string_view("\\t")); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          dest.append(std::string_view(buf));
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
  }
  dest.push_back('"');
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[96];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    dest.append(std::string_view(R"({"time":")"));
    dest.append(std::string_view(ts));
    dest.append(std::string_view(R"(","level":")"));
    const auto level = spdlog::level::to_string_view(msg.level);
    dest.append(std::string_view(level.data(), level.size()));
    dest.append(std::string_view(R"(","thread":)"));
    dest.append(std::to_string(msg.thread_id));
    if (msg.logger_name.size() > 0) {
      dest.append(std::string_view(R"(,"logger":)"));
      append_json_string(dest, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    }
    dest.append(std::string_view(R"(,"msg":)"));
    append_json_string(dest, mask_my_numbers(std::string_view(msg.payload.data(), msg.payload.size())));
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_log_formatter() { return std::make_unique<JsonFormatter>(); }

void use_json_logs() { spdlog::set_formatter(make_json_log_formatter()); }

}  // namespace renkei
