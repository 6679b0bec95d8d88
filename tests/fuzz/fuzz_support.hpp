#pragma once
// Shared by the fuzz targets: a check that aborts (so libFuzzer records the input as a
// crash), and reference conversions done with ICU alone, independent of renkei's code.
#include <unicode/ucnv.h>

#include <algorithm>
#include <unicode/utf16.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "\nFUZZ CHECK FAILED at %s:%d: %s\n  %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                                  \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace fuzz {

// RENKEI_FUZZ_STRICT=1 turns off the tolerances for known, reported discrepancies (each
// marked "known:" where it is tolerated), so their reproducers under tests/fuzz/crashes/
// fail again.
inline bool strict() {
  static const bool s = [] {
    const char* v = std::getenv("RENKEI_FUZZ_STRICT");
    return v && *v && std::string_view(v) != "0";
  }();
  return s;
}

inline std::string hex_bytes(std::string_view s, std::size_t max = 64) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(s[i]));
    if (!out.empty()) out += ' ';
    out += buf;
  }
  if (s.size() > max) out += " …";
  return out;
}

inline std::string hex_cps(std::u32string_view s, std::size_t max = 32) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    std::snprintf(buf, sizeof buf, "%sU+%04X", out.empty() ? "" : " ", static_cast<unsigned>(s[i]));
    out += buf;
  }
  if (s.size() > max) out += " …";
  return out;
}

// What ICU alone says about a conversion, with stop semantics in both directions.
struct Reference {
  bool ok = false;
  std::u32string chars;  // decode
  std::string bytes;     // encode
  std::string kind;      // illegal-sequence | unmappable
  std::size_t offset = 0;
  std::size_t length = 0;
};

// A from-Unicode callback that leaves every error standing (ICU's own STOP callback
// clears the error for default-ignorable code points and drops them).
inline void keep_error(const void*, UConverterFromUnicodeArgs*, const UChar*, int32_t, UChar32,
                       UConverterCallbackReason, UErrorCode*) {}

class IcuReference {
 public:
  explicit IcuReference(const char* name) {
    UErrorCode st = U_ZERO_ERROR;
    conv_ = ucnv_open(name, &st);
    FUZZ_CHECK(U_SUCCESS(st) && conv_, std::string("ICU cannot open ") + name);
    ucnv_setToUCallBack(conv_, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &st);
    ucnv_setFromUCallBack(conv_, keep_error, nullptr, nullptr, nullptr, &st);
    FUZZ_CHECK(U_SUCCESS(st), "setting ICU callbacks");
  }
  ~IcuReference() { ucnv_close(conv_); }
  IcuReference(const IcuReference&) = delete;
  IcuReference& operator=(const IcuReference&) = delete;

  Reference decode(std::string_view in) {
    Reference r;
    ucnv_resetToUnicode(conv_);
    std::vector<UChar> units(in.size() * 4 + 16);
    UChar* target = units.data();
    const char* src = in.data();
    UErrorCode st = U_ZERO_ERROR;
    ucnv_toUnicode(conv_, &target, units.data() + units.size(), &src, in.data() + in.size(), nullptr, true, &st);
    if (U_FAILURE(st)) {
      FUZZ_CHECK(st != U_BUFFER_OVERFLOW_ERROR, "reference decode buffer too small");
      char bad[32];
      int8_t len = sizeof bad;
      UErrorCode e2 = U_ZERO_ERROR;
      ucnv_getInvalidChars(conv_, bad, &len, &e2);
      if (U_FAILURE(e2) || len < 0) len = 0;
      r.kind = st == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal-sequence";
      r.length = static_cast<std::size_t>(len);
      r.offset = static_cast<std::size_t>(src - in.data()) - r.length;
      return r;
    }
    const auto n = static_cast<int32_t>(target - units.data());
    for (int32_t i = 0; i < n;) {
      UChar32 c;
      U16_NEXT(units.data(), i, n, c);
      r.chars.push_back(static_cast<char32_t>(c));
    }
    r.ok = true;
    return r;
  }

  // Code points one at a time, so an error names the index of the code point at fault.
  Reference encode(std::u32string_view in) {
    Reference r;
    ucnv_resetFromUnicode(conv_);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const char32_t c = in[i];
      if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        r.kind = "unmappable";
        r.offset = i;
        r.length = 1;
        return r;
      }
      UChar units[2];
      int32_t n = 0;
      U16_APPEND_UNSAFE(units, n, c);
      char out[16];
      char* target = out;
      const UChar* src = units;
      UErrorCode st = U_ZERO_ERROR;
      ucnv_fromUnicode(conv_, &target, out + sizeof out, &src, units + n, nullptr, i + 1 == in.size(), &st);
      if (U_FAILURE(st)) {
        r.kind = st == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal-sequence";
        r.offset = i;
        r.length = 1;
        return r;
      }
      // ICU always takes its fallbacks for private use: one that does not read back is
      // refused (renkei never alters a character).
      if ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) {
        UChar back[8];
        UChar* to = back;
        const char* from = nullptr;
        UErrorCode bst = U_ZERO_ERROR;
        UConverter* dec = ucnv_clone(conv_, &bst);
        ucnv_resetToUnicode(dec);
        ucnv_resetFromUnicode(dec);
        char alone[16];
        char* at = alone;
        const UChar* s2 = units;
        ucnv_fromUnicode(dec, &at, alone + sizeof alone, &s2, units + n, nullptr, true, &bst);
        from = alone;
        ucnv_toUnicode(dec, &to, back + 8, &from, at, nullptr, true, &bst);
        ucnv_close(dec);
        if (U_FAILURE(bst) || to - back != n || !std::equal(units, units + n, back)) {
          r.kind = "unmappable";
          r.offset = i;
          r.length = 1;
          return r;
        }
      }
      r.bytes.append(out, static_cast<std::size_t>(target - out));
    }
    if (in.empty()) {
      // Flush a stateful converter's shift state, as a whole-string conversion would.
      char out[16];
      char* target = out;
      const UChar* src = nullptr;
      UErrorCode st = U_ZERO_ERROR;
      ucnv_fromUnicode(conv_, &target, out + sizeof out, &src, src, nullptr, true, &st);
      r.bytes.append(out, static_cast<std::size_t>(target - out));
    }
    r.ok = true;
    return r;
  }

 private:
  UConverter* conv_ = nullptr;
};

}  // namespace fuzz
