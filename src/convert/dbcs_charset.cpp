#include "dbcs_charset.hpp"

#include <unicode/utf16.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <mutex>

#include "renkei/convert/unicode_class.hpp"

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
  uint32_t rows = 256;
  for (std::size_t b = 0; b < 256; ++b) {
    const bool lead = t->single[b] == DbcsTables::kLead;
    t->utf8_row[b] = lead ? (2u << 24) | rows : (1u << 24) | static_cast<uint32_t>(b);
    if (lead) rows += 256;
  }
  t->utf8_window.assign(rows, 0);
  t->utf8_window_no_kana.assign(rows, 0);
  auto enter = [&](std::size_t at, uint32_t cp) {
    const uint32_t u = utf8_of(cp);
    t->utf8_window[at] = u;
    if (cp < 0xFF61 || cp > 0xFF9F) t->utf8_window_no_kana[at] = u;
  };
  for (std::size_t b = 0; b < 256; ++b) {
    const uint32_t row = t->utf8_row[b] & 0xFFFFFF;
    if ((t->utf8_row[b] >> 24) == 1) {
      enter(row, t->single[b]);
      continue;
    }
    // A record ends at '\n' whatever came before it: no character may span one, nor
    // start with one.
    if (b == '\n') continue;
    for (std::size_t trail = 0; trail < 256; ++trail)
      if (trail != '\n') enter(row + trail, t->pair[b * 256 + trail]);
  }
  t->from_bmp.assign(0x10000, 0);
  for (uint32_t u = 0; u < 0x10000; ++u) {
    if (u >= 0xD800 && u <= 0xDFFF) continue;
    uint32_t m = encode_alone(c, static_cast<UChar>(u));
    // ICU always uses its fallbacks for private use (U+F86F → 87 82, which reads back as
    // U+2116 №): a private-use code point is encodable only where it reads back as itself.
    if (m != 0 && is_private_use(u)) {
      const uint32_t len = m >> 16, bytes = m & 0xFFFF;
      const uint32_t back = len == 1 ? t->single[bytes] : t->pair[bytes];
      if (back != u) m = 0;
    }
    t->from_bmp[u] = m;
  }
  t->from_utf8_window.assign(0x10000, 0);
  t->from_utf8_window_no_kana.assign(0x10000, 0);
  for (uint32_t u = 0; u < 0x10000; ++u) {
    const uint32_t m = t->from_bmp[u];
    if (m == 0 || (u >= 0xE000 && u <= 0xF8FF) || (u >= 0xFE00 && u <= 0xFE0F)) continue;
    const uint32_t len = m >> 16;
    const uint32_t bytes = len == 1 ? m & 0xFF : ((m >> 8) & 0xFF) | ((m & 0xFF) << 8);
    t->from_utf8_window[u] = (len << 16) | bytes;
    if (u < 0xFF61 || u > 0xFF9F) t->from_utf8_window_no_kana[u] = (len << 16) | bytes;
  }
  t->printable_same = true;
  for (uint32_t b = 0x20; b < 0x7F; ++b)
    t->printable_same = t->printable_same && t->single[b] == b && t->from_bmp[b] == ((1u << 16) | b);
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
  if (to_utf8_prefix(in, out, stop_at_halfwidth_kana) == in.size()) return true;
  out.resize(start);
  return false;
}

bool DbcsCharset::try_from_utf8(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) {
  const std::size_t start = out.size();
  if (from_utf8_prefix(in, out, stop_at_halfwidth_kana) == in.size()) return true;
  out.resize(start);
  return false;
}

namespace {

// Room for `n` more bytes behind out.size(), without the zero fill of resize(); `fill`
// writes from the pointer it gets and returns how many bytes it wrote.
template <class Fill>
void append_with(std::string& out, std::size_t n, Fill fill) {
  const std::size_t start = out.size();
  if (out.capacity() < start + n) out.reserve(std::max(start + n, out.capacity() * 2));
  out.resize_and_overwrite(start + n, [&](char* p, std::size_t) { return start + fill(p + start); });
}

inline bool printable(uint32_t b) { return b - 0x20 < 0x5F; }

// Stores the 8 bytes at `q` to `o` whatever they are and moves `o` past the printable
// ASCII ones at the front (at least one: q[0] is printable); returns how many that is.
// What lies behind them is written over by whatever comes next.
inline std::size_t copy_ascii_word(const uint8_t* q, uint8_t*& o) {
  uint64_t w;
  std::memcpy(&w, q, 8);
  std::memcpy(o, &w, 8);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);  // q[0] lowest
  // A byte's high bit in `bad` when it is 0x80 or above (w), 0x7F (w + 1) or below 0x20
  // (w - 0x20). Carries and borrows only cross out of a byte that is bad itself, and
  // only towards later bytes, so they never flag a byte before the first bad one.
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t bad = (w | (w + kOnes) | (w - 0x20 * kOnes)) & kHigh;
  const std::size_t n = bad == 0 ? 8 : static_cast<std::size_t>(std::countr_zero(bad)) >> 3;
  o += n;
  return n;
}

// Input is taken in blocks so that the room asked for stays a small multiple of a block.
constexpr std::size_t kBlock = 64 * 1024;

}  // namespace

std::size_t DbcsCharset::to_utf8_prefix(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) {
  const uint32_t* win = stop_at_halfwidth_kana ? t_->utf8_window_no_kana.data() : t_->utf8_window.data();
  const auto* const begin = reinterpret_cast<const uint8_t*>(in.data());
  const auto* const end = begin + in.size();
  const auto* p = begin;
  bool stopped = false;
  while (p < end && !stopped) {
    const std::size_t block = std::min<std::size_t>(kBlock, static_cast<std::size_t>(end - p));
    // A character is at most 3 UTF-8 bytes from 1 or 2 input bytes, and 4 bytes are
    // stored at a time; an ASCII word may end up to 7 bytes past the block and is stored
    // 8 bytes wide: some room more.
    append_with(out, block * 3 + 32, [&](char* dst) {
      // Locals, not the captured variables: stores through `o` could alias those.
      const uint8_t* q = p;
      const uint8_t* const q_end = p + block;
      const uint8_t* const in_end = end;
      const uint32_t* const window = win;
      const uint32_t* const rows = t_->utf8_row.data();
      const bool ascii = t_->printable_same;
      auto* o = reinterpret_cast<uint8_t*>(dst);
      while (q < q_end) {
        if (ascii && printable(q[0]) && q + 8 <= in_end) {
          q += copy_ascii_word(q, o);
          continue;
        }
        // A branch on the character's width, not arithmetic: the branch is predicted, so
        // the next character's lookups start without waiting for this one's (as a
        // data dependency, every character cost the latency of two loads).
        const uint32_t row = rows[q[0]];
        uint32_t e;
        if (row >> 25) {
          // A lead byte: at the end of the input it is refused.
          if (q + 1 >= in_end || (e = window[(row & 0xFFFFFF) + q[1]]) == 0) {
            stopped = true;
            break;
          }
          q += 2;
        } else {
          if ((e = window[row & 0xFFFFFF]) == 0) {
            stopped = true;
            break;
          }
          q += 1;
        }
        if constexpr (std::endian::native == std::endian::little) {
          std::memcpy(o, &e, 4);
        } else {
          o[0] = static_cast<uint8_t>(e);
          o[1] = static_cast<uint8_t>(e >> 8);
          o[2] = static_cast<uint8_t>(e >> 16);
        }
        o += (e >> 24) & 3;
      }
      p = q;
      return static_cast<std::size_t>(o - reinterpret_cast<uint8_t*>(dst));
    });
  }
  return static_cast<std::size_t>(p - begin);
}

std::size_t DbcsCharset::from_utf8_prefix(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) {
  const uint32_t* win = stop_at_halfwidth_kana ? t_->from_utf8_window_no_kana.data() : t_->from_utf8_window.data();
  const auto* const begin = reinterpret_cast<const uint8_t*>(in.data());
  const auto* const end = begin + in.size();
  const auto* p = begin;
  bool stopped = false;
  while (p < end && !stopped) {
    const std::size_t block = std::min<std::size_t>(kBlock, static_cast<std::size_t>(end - p));
    // Never more bytes out than in; but the block's last character (or ASCII word) may
    // end up to 7 bytes past it, and stores are 8 bytes (ASCII) or 2 wide: some room more.
    append_with(out, block + 16, [&](char* dst) {
      // Locals, not the captured variables: stores through `o` could alias those.
      const uint8_t* q = p;
      const uint8_t* const q_end = p + block;
      const uint8_t* const in_end = end;
      const uint32_t* const table = win;
      const bool ascii = t_->printable_same;
      auto* o = reinterpret_cast<uint8_t*>(dst);
      while (q < q_end) {
        const uint32_t b0 = q[0];
        uint32_t e;
        if (b0 < 0x80) {
          if (ascii && printable(b0)) {
            if (q + 8 <= in_end) {
              q += copy_ascii_word(q, o);
            } else {
              *o++ = static_cast<uint8_t>(b0);
              ++q;
            }
            continue;
          }
          if ((e = table[b0]) == 0) {
            stopped = true;
            break;
          }
          q += 1;
        } else if ((b0 & 0xF0) == 0xE0) {
          // Three bytes: the rest of the BMP, where nearly all Japanese text is. A
          // truncated or malformed sequence, an overlong form or a surrogate is left to
          // the general path (surrogates have no entry).
          if (in_end - q < 3) {
            stopped = true;
            break;
          }
          const uint32_t b1 = q[1], b2 = q[2];
          const uint32_t c = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
          if (((b1 | (b2 << 8)) & 0xC0C0) != 0x8080 || c < 0x800 || (e = table[c]) == 0) {
            stopped = true;
            break;
          }
          q += 3;
        } else if ((b0 & 0xE0) == 0xC0) {
          const uint32_t b1 = in_end - q >= 2 ? q[1] : 0;
          if ((b1 & 0xC0) != 0x80 || b0 < 0xC2 || (e = table[((b0 & 0x1F) << 6) | (b1 & 0x3F)]) == 0) {
            stopped = true;
            break;
          }
          q += 2;
        } else {
          // Four bytes (beyond the BMP), a stray continuation byte, or no UTF-8 at all.
          stopped = true;
          break;
        }
        if constexpr (std::endian::native == std::endian::little) {
          std::memcpy(o, &e, 2);
        } else {
          o[0] = static_cast<uint8_t>(e);
          o[1] = static_cast<uint8_t>(e >> 8);
        }
        o += e >> 16;
      }
      p = q;
      return static_cast<std::size_t>(o - reinterpret_cast<uint8_t*>(dst));
    });
  }
  return static_cast<std::size_t>(p - begin);
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
