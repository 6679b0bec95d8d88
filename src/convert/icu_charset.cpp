#include "icu_charset.hpp"

#include <algorithm>

#include <unicode/ucnv_err.h>
#include <unicode/utf16.h>

#include "renkei/convert/unicode_class.hpp"

namespace renkei {
namespace {

// ICU's UCNV_FROM_U_CALLBACK_STOP is not a plain stop: for an unmappable code point that
// is Default_Ignorable (U+00AD, U+200B–U+200F, the variation selectors U+FE00–FE0F and
// U+E0100–E01EF, …) it clears the error, so the character vanishes from the output
// without a word — an IVS would be dropped silently. This callback leaves every error
// as ICU reported it.
void stop_on_every_unmappable(const void*, UConverterFromUnicodeArgs*, const UChar*, int32_t, UChar32,
                              UConverterCallbackReason, UErrorCode*) {}

}  // namespace

UConverterPtr open_strict_converter(const std::string& name, std::string* why) {
  UErrorCode status = U_ZERO_ERROR;
  UConverterPtr c(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status) || !c) {
    if (why) *why = "ICU has no converter named '" + name + "'";
    return nullptr;
  }
  // "ibm-943" or "Shift_JIS" name several converters that decode 0x5C, 0x7E and 0x8160
  // differently: only an exact name says which one the data was written in.
  UErrorCode name_status = U_ZERO_ERROR;
  const std::string exact = ucnv_getName(c.get(), &name_status);
  if (status == U_AMBIGUOUS_ALIAS_WARNING && exact != name) {
    if (why)
      *why = "'" + name + "' is an ambiguous ICU alias; name the exact converter (ICU would pick '" + exact + "')";
    return nullptr;
  }
  ucnv_setToUCallBack(c.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  ucnv_setFromUCallBack(c.get(), stop_on_every_unmappable, nullptr, nullptr, nullptr, &status);
  return c;
}

IcuCharset::IcuCharset(std::string name, UConverterPtr conv) : name_(std::move(name)), conv_(std::move(conv)) {}

std::expected<void, CharsetError> IcuCharset::decode(std::string_view in, std::u32string& out) {
  ucnv_resetToUnicode(conv_.get());
  units_.resize(in.size() * 2 + 16);
  offsets_.resize(units_.size());
  const char* src = in.data();
  UChar* target = units_.data();
  UErrorCode status = U_ZERO_ERROR;
  ucnv_toUnicode(conv_.get(), &target, units_.data() + units_.size(), &src, in.data() + in.size(),
                 offsets_.data(), true, &status);
  const auto produced = static_cast<int32_t>(target - units_.data());
  if (U_FAILURE(status)) {
    // With the stop callback `src` stands just past the offending bytes.
    char bad[32];
    int8_t len = sizeof bad;
    UErrorCode e2 = U_ZERO_ERROR;
    ucnv_getInvalidChars(conv_.get(), bad, &len, &e2);
    if (U_FAILURE(e2) || len < 0) len = 0;
    const auto end = static_cast<std::size_t>(src - in.data());
    return std::unexpected(CharsetError{status == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal-sequence",
                                        end - static_cast<std::size_t>(len), static_cast<std::size_t>(len)});
  }
  for (int32_t i = 0; i < produced;) {
    UChar32 c;
    U16_NEXT(units_.data(), i, produced, c);
    out.push_back(static_cast<char32_t>(c));
  }
  return {};
}

std::expected<void, CharsetError> IcuCharset::encode(std::u32string_view in, std::string& out) {
  ucnv_resetFromUnicode(conv_.get());
  units_.clear();
  std::vector<std::size_t> index;  // UTF-16 unit → code point index
  index.reserve(in.size() * 2);
  // A code point that is no character stops the input there; whatever ICU refuses before
  // it is the first error, else it is.
  std::size_t invalid_at = in.size();
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i] > 0x10FFFF || (in[i] >= 0xD800 && in[i] <= 0xDFFF) || !private_use_round_trips(in[i])) {
      invalid_at = i;
      break;
    }
  for (std::size_t i = 0; i < invalid_at; ++i) {
    const char32_t c = in[i];
    if (c >= 0x10000) {
      units_.push_back(U16_LEAD(c));
      units_.push_back(U16_TRAIL(c));
      index.push_back(i);
      index.push_back(i);
    } else {
      units_.push_back(static_cast<UChar>(c));
      index.push_back(i);
    }
  }
  bytes_.resize(units_.size() * static_cast<std::size_t>(ucnv_getMaxCharSize(conv_.get())) + 16);
  offsets_.resize(bytes_.size());
  const UChar* src = units_.data();
  char* target = bytes_.data();
  UErrorCode status = U_ZERO_ERROR;
  ucnv_fromUnicode(conv_.get(), &target, bytes_.data() + bytes_.size(), &src, units_.data() + units_.size(),
                   nullptr, true, &status);
  if (U_FAILURE(status)) {
    UChar bad[8];
    int8_t len = 8;
    UErrorCode e2 = U_ZERO_ERROR;
    ucnv_getInvalidUChars(conv_.get(), bad, &len, &e2);
    if (U_FAILURE(e2) || len < 0) len = 0;
    auto unit = static_cast<std::size_t>(src - units_.data()) - static_cast<std::size_t>(len);
    std::size_t at = unit < index.size() ? index[unit] : in.size();
    return std::unexpected(CharsetError{status == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal-sequence", at, 1});
  }
  if (invalid_at < in.size()) return std::unexpected(CharsetError{"unmappable", invalid_at, 1});
  out.append(bytes_.data(), static_cast<std::size_t>(target - bytes_.data()));
  return {};
}

std::size_t IcuCharset::offset_of(std::string_view in, std::size_t char_index) {
  if (char_index == 0) return 0;
  // ICU's offsets array says where each UTF-16 unit came from.
  ucnv_resetToUnicode(conv_.get());
  units_.resize(in.size() * 2 + 16);
  offsets_.assign(units_.size(), -1);
  const char* src = in.data();
  UChar* target = units_.data();
  UErrorCode status = U_ZERO_ERROR;
  ucnv_toUnicode(conv_.get(), &target, units_.data() + units_.size(), &src, in.data() + in.size(), offsets_.data(),
                 true, &status);
  const auto produced = static_cast<int32_t>(target - units_.data());
  std::size_t chars = 0;
  for (int32_t i = 0; i < produced;) {
    if (chars == char_index) return offsets_[static_cast<std::size_t>(i)] < 0 ? in.size() : static_cast<std::size_t>(offsets_[static_cast<std::size_t>(i)]);
    UChar32 c;
    U16_NEXT(units_.data(), i, produced, c);
    ++chars;
  }
  return static_cast<std::size_t>(src - in.data());
}

// ICU always uses its fallback mappings for private-use code points (ucnv_setFallback
// does not turn those off): ibm-943 writes U+F86F as 87 82, which reads back as U+2116 №.
// That would alter a character silently; such a code point is unmappable here.
bool IcuCharset::private_use_round_trips(char32_t c) {
  if (!is_private_use(c)) return true;
  if (auto it = private_use_.find(c); it != private_use_.end()) return it->second;
  UChar units[2];
  int32_t n = 0;
  U16_APPEND_UNSAFE(units, n, static_cast<UChar32>(c));
  char bytes[16];
  char* target = bytes;
  const UChar* src = units;
  UErrorCode status = U_ZERO_ERROR;
  ucnv_resetFromUnicode(conv_.get());
  ucnv_fromUnicode(conv_.get(), &target, bytes + sizeof bytes, &src, units + n, nullptr, true, &status);
  bool same = false;
  if (U_SUCCESS(status)) {
    UChar back[8];
    UChar* to = back;
    const char* from = bytes;
    UErrorCode st = U_ZERO_ERROR;
    ucnv_resetToUnicode(conv_.get());
    ucnv_toUnicode(conv_.get(), &to, back + 8, &from, target, nullptr, true, &st);
    same = U_SUCCESS(st) && to - back == n && std::equal(units, units + n, back);
    ucnv_resetToUnicode(conv_.get());
  } else {
    same = true;  // unmappable: ICU's own error says so
  }
  ucnv_resetFromUnicode(conv_.get());
  private_use_.emplace(c, same);
  return same;
}

bool IcuCharset::encodable(char32_t c) {
  std::string scratch;
  const char32_t one[1] = {c};
  return encode(std::u32string_view(one, 1), scratch).has_value();
}

}  // namespace renkei
