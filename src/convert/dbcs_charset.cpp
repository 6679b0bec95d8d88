#include "dbcs_charset.hpp"

#include <unicode/utf8.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace renkei {
namespace {

// Decodes `n` bytes alone; the code point, kLead when the bytes are an incomplete
// character, kInvalid otherwise (also when they make more than one code point).
uint32_t decode_alone(UConverter* c, const char* bytes, int n) {
  ucnv_resetToUnicode(c);
  UChar out[4];
  UChar* target = out;
  const char* src = bytes;
  UErrorCode status = U_ZERO_ERROR;
  ucnv_toUnicode(c, &target, out + 4, &src, bytes + n, nullptr, true, &status);
  if (status == U_TRUNCATED_CHAR_FOUND) return DbcsTables::kLead;
  if (U_FAILURE(status) || src != bytes + n) return DbcsTables::kInvalid;
  const auto len = target - out;
  if (len == 1 && !U16_IS_SURROGATE(out[0])) return out[0];
  if (len == 2 && U16_IS_LEAD(out[0]) && U16_IS_TRAIL(out[1])) return U16_GET_SUPPLEMENTARY(out[0], out[1]);
  return DbcsTables::kInvalid;
}

uint32_t encode_alone(UConverter* c, UChar u) {
  ucnv_resetFromUnicode(c);
  char out[8];
  char* target = out;
  const UChar* src = &u;
  UErrorCode status = U_ZERO_ERROR;
  ucnv_fromUnicode(c, &target, out + 8, &src, &u + 1, nullptr, true, &status);
  const auto len = target - out;
  if (U_FAILURE(status) || len < 1 || len > 2) return 0;
  const uint32_t bytes = len == 1 ? static_cast<uint8_t>(out[0])
                                  : (static_cast<uint32_t>(static_cast<uint8_t>(out[0])) << 8) | static_cast<uint8_t>(out[1]);
  return (static_cast<uint32_t>(len) << 16) | bytes;
}

std::shared_ptr<const DbcsTables> build(UConverter* c) {
  auto t = std::make_shared<DbcsTables>();
  t->pair.assign(256 * 256, DbcsTables::kInvalid);
  for (int b = 0; b < 256; ++b) {
    const char one = static_cast<char>(b);
    t->single[static_cast<std::size_t>(b)] = decode_alone(c, &one, 1);
    if (t->single[static_cast<std::size_t>(b)] != DbcsTables::kLead) continue;
    for (int trail = 0; trail < 256; ++trail) {
      const char two[2] = {one, static_cast<char>(trail)};
      uint32_t cp = decode_alone(c, two, 2);
      t->pair[static_cast<std::size_t>(b * 256 + trail)] = cp == DbcsTables::kLead ? DbcsTables::kInvalid : cp;
    }
  }
  auto utf8_of = [](uint32_t cp) -> uint32_t {
    if (cp >= DbcsTables::kLead || cp >= 0x10000 || (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    if (cp < 0x80) return (1u << 24) | cp;
    if (cp < 0x800) return (2u << 24) | (0xC0 | (cp >> 6)) | ((0x80 | (cp & 0x3F)) << 8);
    return (3u << 24) | (0xE0 | (cp >> 12)) | ((0x80 | ((cp >> 6) & 0x3F)) << 8) | ((0x80 | (cp & 0x3F)) << 16);
  };
  for (std::size_t b = 0; b < 256; ++b) t->utf8_single[b] = utf8_of(t->single[b]);
  t->utf8_pair.resize(t->pair.size());
  for (std::size_t k = 0; k < t->pair.size(); ++k) t->utf8_pair[k] = utf8_of(t->pair[k]);
  t->from_bmp.assign(0x10000, 0);
  for (uint32_t u = 0; u < 0x10000; ++u) {
    if (u >= 0xD800 && u <= 0xDFFF) continue;
    t->from_bmp[u] = encode_alone(c, static_cast<UChar>(u));
  }
  return t;
}

}  // namespace

std::shared_ptr<const DbcsTables> dbcs_tables_for(const std::string& name, UConverter* probe) {
  const UConverterType type = ucnv_getType(probe);
  if ((type != UCNV_MBCS && type != UCNV_SBCS && type != UCNV_DBCS) || ucnv_getMaxCharSize(probe) > 2 ||
      ucnv_getMinCharSize(probe) != 1)
    return nullptr;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const DbcsTables>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[name];
  if (!slot) {
    std::string why;
    auto scratch = open_strict_converter(name, &why);
    if (!scratch) return nullptr;
    slot = build(scratch.get());
  }
  return slot;
}

DbcsCharset::DbcsCharset(std::shared_ptr<const DbcsTables> tables, std::unique_ptr<IcuCharset> exact)
    : t_(std::move(tables)), exact_(std::move(exact)) {}

std::expected<void, CharsetError> DbcsCharset::decode(std::string_view in, std::u32string& out) {
  const std::size_t start = out.size();
  out.resize(start + in.size());
  char32_t* o = out.data() + start;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto* end = p + in.size();
  while (p < end) {
    uint32_t cp = t_->single[*p];
    if (cp < DbcsTables::kLead) {
      *o++ = static_cast<char32_t>(cp);
      ++p;
      continue;
    }
    if (cp == DbcsTables::kLead && p + 1 < end) {
      cp = t_->pair[static_cast<std::size_t>(p[0]) * 256 + p[1]];
      if (cp != DbcsTables::kInvalid) {
        *o++ = static_cast<char32_t>(cp);
        p += 2;
        continue;
      }
    }
    // Something is wrong here: let ICU say exactly what and where.
    out.resize(start);
    return exact_->decode(in, out);
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return {};
}

std::expected<void, CharsetError> DbcsCharset::encode(std::u32string_view in, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + in.size() * 2);
  char* o = out.data() + start;
  for (char32_t c : in) {
    const uint32_t m = c < 0x10000 ? t_->from_bmp[c] : 0;
    if (m == 0) {
      out.resize(start);
      return exact_->encode(in, out);
    }
    if ((m >> 16) == 1) {
      *o++ = static_cast<char>(m & 0xFF);
    } else {
      *o++ = static_cast<char>((m >> 8) & 0xFF);
      *o++ = static_cast<char>(m & 0xFF);
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return {};
}

bool DbcsCharset::try_to_utf8(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) {
  const std::size_t start = out.size();
  out.resize(start + in.size() * 3);  // a double-byte character is at most 3 UTF-8 bytes
  auto* o = reinterpret_cast<uint8_t*>(out.data() + start);
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto* end = p + in.size();
  while (p < end) {
    uint32_t u = t_->utf8_single[*p];
    std::size_t used = 1;
    if (u == 0) {
      if (t_->single[*p] != DbcsTables::kLead || p + 1 >= end) break;
      u = t_->utf8_pair[static_cast<std::size_t>(p[0]) * 256 + p[1]];
      if (u == 0) break;
      used = 2;
    } else if (stop_at_halfwidth_kana && t_->single[*p] >= 0xFF61 && t_->single[*p] <= 0xFF9F) {
      break;
    }
    const uint32_t len = u >> 24;
    o[0] = static_cast<uint8_t>(u);
    o[1] = static_cast<uint8_t>(u >> 8);
    o[2] = static_cast<uint8_t>(u >> 16);
    o += len;
    p += used;
  }
  if (p != end) {
    out.resize(start);
    return false;
  }
  out.resize(static_cast<std::size_t>(reinterpret_cast<char*>(o) - out.data()));
  return true;
}

bool DbcsCharset::try_from_utf8(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) {
  const std::size_t start = out.size();
  out.resize(start + in.size());  // never more bytes than the UTF-8 had
  char* o = out.data() + start;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto len = static_cast<int32_t>(in.size());
  int32_t i = 0;
  bool ok = true;
  while (i < len) {
    UChar32 c;
    if (p[i] < 0x80) {
      c = p[i++];
    } else {
      U8_NEXT(p, i, len, c);
      if (c < 0 || c >= 0xE000) {
        // Illegal, private use, variation selectors, half-width katakana, beyond the BMP:
        // all for the general path (the few ordinary characters up here as well).
        if (c < 0 || c >= 0x10000 || (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE0F) ||
            (stop_at_halfwidth_kana && c >= 0xFF61 && c <= 0xFF9F)) {
          ok = false;
          break;
        }
      }
    }
    const uint32_t m = t_->from_bmp[static_cast<uint32_t>(c)];
    if (m == 0) {
      ok = false;
      break;
    }
    if ((m >> 16) == 1) {
      *o++ = static_cast<char>(m & 0xFF);
    } else {
      *o++ = static_cast<char>((m >> 8) & 0xFF);
      *o++ = static_cast<char>(m & 0xFF);
    }
  }
  if (!ok) {
    out.resize(start);
    return false;
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return true;
}

std::size_t DbcsCharset::offset_of(std::string_view in, std::size_t char_index) {
  std::size_t at = 0;
  for (std::size_t k = 0; k < char_index && at < in.size(); ++k)
    at += t_->single[static_cast<uint8_t>(in[at])] == DbcsTables::kLead ? 2 : 1;
  return std::min(at, in.size());
}

bool DbcsCharset::encodable(char32_t c) {
  if (c < 0x10000) return t_->from_bmp[c] != 0;
  return exact_->encodable(c);
}

}  // namespace renkei
