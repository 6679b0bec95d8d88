#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "renkei/convert/unicode_class.hpp"

namespace renkei {

std::u32string widen_katakana(std::u32string_view run) {
  // NFKC is exactly the width fold for this block (and composes voiced marks); it is
  // applied to the half-width katakana run alone, never to a whole name.
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  icu::UnicodeString in;
  for (char32_t c : run) in.append(static_cast<UChar32>(c));
  icu::UnicodeString out = nfkc->normalize(in, status);
  std::u32string result;
  for (int32_t i = 0; i < out.length();) {
    UChar32 c = out.char32At(i);
    i += U16_LENGTH(c);
    // A voicing mark with nothing to combine with stays a visible mark (゛/゜), not a
    // combining one that would attach to whatever precedes the field.
    if (c == 0x3099) c = 0x309B;
    if (c == 0x309A) c = 0x309C;
    result.push_back(static_cast<char32_t>(c));
  }
  return result;
}

}  // namespace renkei
