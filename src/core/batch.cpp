#include "renkei/batch.hpp"

#include <chrono>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace renkei {

std::string ingested_at_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string BatchEnd::format() const {
  return "count=" + std::to_string(count) + ";sha256=" + sha256 + ";eol=" + (final_newline ? "1" : "0") +
         ";name=" + name;
}

std::optional<BatchEnd> BatchEnd::parse(std::string_view text) {
  BatchEnd out;
  auto take = [&](std::string_view key) -> std::optional<std::string_view> {
    if (!text.starts_with(key)) return std::nullopt;
    text.remove_prefix(key.size());
    auto semi = text.find(';');
    auto value = text.substr(0, semi);
    text.remove_prefix(semi == std::string_view::npos ? text.size() : semi + 1);
    return value;
  };
  auto count = take("count=");
  auto sha = take("sha256=");
  auto eol = take("eol=");
  if (!count || !sha || !eol || !text.starts_with("name=")) return std::nullopt;
  auto [p, ec] = std::from_chars(count->data(), count->data() + count->size(), out.count);
  if (ec != std::errc{} || p != count->data() + count->size()) return std::nullopt;
  if (sha->size() != 64 || (*eol != "0" && *eol != "1")) return std::nullopt;
  for (char c : *sha)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  out.sha256 = std::string(*sha);
  out.final_newline = *eol == "1";
  out.name = std::string(text.substr(5));
  return out;
}

}  // namespace renkei
