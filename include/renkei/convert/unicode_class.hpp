#pragma once
// Character classes the conversion rules turn on.
#include <string>
#include <string_view>

namespace renkei {

inline bool is_private_use(char32_t c) {
  return (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) || (c >= 0x100000 && c <= 0x10FFFD);
}

// IVS selectors (U+E0100–E01EF) and the standardized variation selectors (U+FE00–FE0F).
inline bool is_variation_selector(char32_t c) {
  return (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
}

inline bool is_halfwidth_katakana(char32_t c) { return c >= 0xFF61 && c <= 0xFF9F; }

// Half-width katakana (and their voicing marks) to full-width, composing ｶﾞ → ガ. Only
// ever applied to fields a layout marks as kana: everywhere else width is data.
std::u32string widen_katakana(std::u32string_view run);

}  // namespace renkei
