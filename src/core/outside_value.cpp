#include "renkei/outside_value.hpp"

#include <unicode/utf8.h>

#include <cstdio>
#include <optional>

namespace renkei {
namespace {

OutsideValueError fail(std::string_view what, std::string problem, std::size_t offset) {
  return OutsideValueError{std::string(what), std::move(problem), offset};
}

bool batch_id_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

// Offset of the first byte that is not part of a well-formed UTF-8 sequence, or npos.
std::size_t first_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return static_cast<std::size_t>(at);
  }
  return std::string_view::npos;
}

// Offset of the first C0 control, DEL or C1 control (U+0080–U+009F) in valid UTF-8.
std::size_t first_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return i;
    if (c == 0xc2 && i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9f) return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string OutsideValueError::message() const {
  return what + " " + problem + " at byte " + std::to_string(offset);
}

namespace {

// BatchId's and TraceId's grammar; `what` names the header in the error.
std::optional<OutsideValueError> id_grammar(std::string_view what, std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return fail(what, "is empty", 0);
  if (text.size() > max_bytes) return fail(what, "is longer than " + std::to_string(max_bytes) + " bytes", max_bytes);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!batch_id_byte(static_cast<unsigned char>(text[i]))) return fail(what, "has a byte outside [A-Za-z0-9._:-]", i);
  const auto first = static_cast<unsigned char>(text[0]);
  if (first == '.' || first == '_' || first == ':' || first == '-')
    return fail(what, "does not start with a letter or digit", 0);
  if (auto dots = text.find(".."); dots != std::string_view::npos) return fail(what, "contains \"..\"", dots);
  return std::nullopt;
}

}  // namespace

OutsideResult<BatchId> BatchId::parse(std::string_view text) {
  if (auto bad = id_grammar("renkei-batch-id", text, kMaxBytes)) return std::unexpected(std::move(*bad));
  return BatchId(std::string(text));
}

OutsideResult<TraceId> TraceId::parse(std::string_view text) {
  if (auto bad = id_grammar("renkei-trace-id", text, kMaxBytes)) return std::unexpected(std::move(*bad));
  return TraceId(std::string(text));
}

OutsideResult<SpoolName> SpoolName::parse(std::string_view text) {
  constexpr std::string_view what = "spool file name";
  if (text.empty()) return std::unexpected(fail(what, "is empty", 0));
  if (text.size() > kMaxBytes)
    return std::unexpected(fail(what, "is longer than " + std::to_string(kMaxBytes) + " bytes", kMaxBytes));
  if (auto bad = first_invalid_utf8(text); bad != std::string_view::npos)
    return std::unexpected(fail(what, "is not valid UTF-8", bad));
  if (auto ctl = first_control(text); ctl != std::string_view::npos)
    return std::unexpected(fail(what, "has a control character", ctl));
  if (auto slash = text.find('/'); slash != std::string_view::npos)
    return std::unexpected(fail(what, "contains '/'", slash));
  if (text.front() == '.') return std::unexpected(fail(what, "starts with '.'", 0));
  return SpoolName(std::string(text));
}

OutsideResult<std::string_view> safe_header_value(std::string_view what, std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return std::unexpected(fail(what, "is longer than " + std::to_string(max_bytes) + " bytes", max_bytes));
  if (auto bad = first_invalid_utf8(text); bad != std::string_view::npos)
    return std::unexpected(fail(what, "is not valid UTF-8", bad));
  if (auto ctl = first_control(text); ctl != std::string_view::npos)
    return std::unexpected(fail(what, "has a control character", ctl));
  return text;
}

std::string escape_for_log(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [&](unsigned char c) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
    out += buf;
  };
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < n;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      for (int32_t k = at; k < i; ++k) hex(p[k]);
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\\') {
      for (int32_t k = at; k < i; ++k) hex(p[k]);
    } else {
      out.append(text.substr(static_cast<std::size_t>(at), static_cast<std::size_t>(i - at)));
    }
  }
  return out;
}

}  // namespace renkei
