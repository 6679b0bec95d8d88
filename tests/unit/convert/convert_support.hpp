#pragma once
// Helpers for the conversion tests: bytes written as hex, a check that no output ever
// carries a substitution character, and a small world (systems, routes, layouts and a
// codemaps directory in a temp dir) from which a test builds the converter it states.
#include <gtest/gtest.h>
#include <unicode/ucnv.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/catalogue/layout_loader.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/convert/charset.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/convert/record_converter.hpp"
#include "support/temp_dir.hpp"

namespace renkei::testing {

constexpr const char* kCp932 = "ibm-943_P15A-2003";
constexpr const char* kIbmSjis = "ibm-943_P130-1999";

// "F0 40 41" → the three bytes; spaces are only for the reader.
inline std::string B(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ') continue;
    else throw std::invalid_argument("bad hex digit in test bytes");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits in test bytes");
  return out;
}

// The bytes as "F0 40 41", for failure messages and comparisons.
inline std::string H(std::string_view bytes) {
  std::string out;
  char buf[4];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02X", c);
    if (!out.empty()) out.push_back(' ');
    out += buf;
  }
  return out;
}

inline std::string U(std::u32string_view s) { return format_ucs_sequence(s); }

// Asserts that `out`, written in `charset`, carries none of ICU's substitution
// characters: it must be valid in its own charset (decoded by raw ICU with a stop
// callback), no character may be U+FFFD or U+001A (SUB, also EBCDIC 0x3F), and no
// character's bytes may be EF BF BD, 1A, CP932's FC FC, EUC-JP's F4 FE or DBCS FE FE.
// Multi-byte characters are walked by ICU's offsets, so a trail byte followed by a lead
// byte (…FB FC FC 40…) is not mistaken for a substitution.
inline void expect_no_substitution(std::string_view charset, std::string_view out) {
  SCOPED_TRACE("output " + H(out) + " in " + std::string(charset));
  UErrorCode status = U_ZERO_ERROR;
  UConverter* c = ucnv_open(std::string(charset).c_str(), &status);
  ASSERT_TRUE(U_SUCCESS(status) && c) << "ICU has no converter " << charset;
  ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::vector<UChar> units(out.size() * 2 + 8);
  std::vector<int32_t> offsets(units.size());
  UChar* target = units.data();
  const char* src = out.data();
  ucnv_toUnicode(c, &target, units.data() + units.size(), &src, out.data() + out.size(), offsets.data(), true,
                 &status);
  ucnv_close(c);
  ASSERT_TRUE(U_SUCCESS(status)) << "output is not valid " << charset << ": " << u_errorName(status) << " at byte "
                                 << (src - out.data());
  const auto n = static_cast<std::size_t>(target - units.data());
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_NE(units[i], 0xFFFD) << "U+FFFD at unit " << i;
    EXPECT_NE(units[i], 0x001A) << "SUB at unit " << i;
    // The bytes of this character: from its offset to the next character's offset.
    std::size_t from = static_cast<std::size_t>(offsets[i]);
    std::size_t to = out.size();
    for (std::size_t j = i + 1; j < n; ++j)
      if (offsets[j] != offsets[i]) {
        to = static_cast<std::size_t>(offsets[j]);
        break;
      }
    std::string_view ch = out.substr(from, to - from);
    while (!ch.empty() && (ch.front() == '\x0e' || ch.front() == '\x0f')) ch.remove_prefix(1);  // SO/SI
    while (!ch.empty() && (ch.back() == '\x0e' || ch.back() == '\x0f')) ch.remove_suffix(1);
    for (std::string_view bad : {std::string_view("\xEF\xBF\xBD"), std::string_view("\x1A"),
                                 std::string_view("\xFC\xFC"), std::string_view("\xF4\xFE"),
                                 std::string_view("\xFE\xFE")})
      EXPECT_NE(ch, bad) << "substitution bytes " << H(bad) << " at byte " << from;
  }
  // Whatever the alignment, UTF-8's replacement character never appears in UTF-8 output.
  if (is_utf8_name(charset)) {
    EXPECT_EQ(out.find("\xEF\xBF\xBD"), std::string_view::npos);
  }
}

// A from-Unicode callback that stops on every unmappable code point. ICU's own
// UCNV_FROM_U_CALLBACK_STOP does not: it lets Default_Ignorable code points (U+00AD,
// U+200B, variation selectors …) vanish from the output with success.
inline void strict_stop(const void*, UConverterFromUnicodeArgs*, const UChar*, int32_t, UChar32,
                        UConverterCallbackReason, UErrorCode*) {}

// Raw ICU with stop callbacks, independent of renkei: the reference answers.
struct IcuRef {
  explicit IcuRef(const char* name) {
    UErrorCode status = U_ZERO_ERROR;
    conv = ucnv_open(name, &status);
    if (U_FAILURE(status) || !conv) throw std::runtime_error(std::string("ICU cannot open ") + name);
    ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    ucnv_setFromUCallBack(conv, strict_stop, nullptr, nullptr, nullptr, &status);
  }
  ~IcuRef() { ucnv_close(conv); }
  IcuRef(const IcuRef&) = delete;
  IcuRef& operator=(const IcuRef&) = delete;

  // The code points of `bytes`, or nullopt when ICU stops on an error; `status` is ICU's.
  std::optional<std::u32string> decode(std::string_view bytes, UErrorCode* status_out = nullptr) {
    ucnv_resetToUnicode(conv);
    UChar units[64];
    UChar* target = units;
    const char* src = bytes.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_toUnicode(conv, &target, units + 64, &src, bytes.data() + bytes.size(), nullptr, true, &status);
    if (status_out) *status_out = status;
    if (U_FAILURE(status)) return std::nullopt;
    std::u32string out;
    const auto n = static_cast<int32_t>(target - units);
    for (int32_t i = 0; i < n;) {
      UChar32 c;
      U16_NEXT(units, i, n, c);
      out.push_back(static_cast<char32_t>(c));
    }
    return out;
  }

  // The bytes of `text`, or nullopt when ICU stops on an unmappable character.
  std::optional<std::string> encode(std::u32string_view text) {
    ucnv_resetFromUnicode(conv);
    std::vector<UChar> units;
    for (char32_t c : text) {
      if (c >= 0x10000) {
        units.push_back(U16_LEAD(c));
        units.push_back(U16_TRAIL(c));
      } else {
        units.push_back(static_cast<UChar>(c));
      }
    }
    char bytes[64];
    char* target = bytes;
    const UChar* src = units.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_fromUnicode(conv, &target, bytes + 64, &src, units.data() + units.size(), nullptr, true, &status);
    if (U_FAILURE(status)) return std::nullopt;
    return std::string(bytes, static_cast<std::size_t>(target - bytes));
  }

  UConverter* conv = nullptr;
};

// The unified table most tests use: ASCII, kana, a few kanji, and the sample's traps (a
// J+ code in the Hangul range for 𠮷, one for 葛+IVS, one without UCS, and J+ codes in
// the PUA that the utf8 profile reads from 住基ネット's UTF-8). MJ numbers are invented.
inline const char* kUnified =
    "# test table\n"
    "jplus\tmj\tucs\n"
    "J+0020..J+007E\t-\tU+0020..U+007E\n"
    "J+3000..J+3003\t-\tU+3000..U+3003\n"
    "J+3041..J+3096\t-\tU+3041..U+3096\n"
    "J+309B..J+309E\t-\tU+309B..U+309E\n"
    "J+30A1..J+30FE\t-\tU+30A1..U+30FE\n"
    "J+4F4F\tMJ000101\tU+4F4F\n"          // 住
    "J+6C11\tMJ000102\tU+6C11\n"          // 民
    "J+9AD8\tMJ000103\tU+9AD8\n"          // 高
    "J+845B\tMJ000104\tU+845B\n"          // 葛
    "J+AC01\tMJ000105\tU+845B U+E0100\n"  // 葛󠄀
    "J+AC00\tMJ000106\tU+20BB7\n"         // 𠮷
    "J+AC02\tMJ000107\t-\n"               // no UCS
    "J+FA11\tMJ000108\tU+FA11\n"          // 﨑
    "J+E000\tMJ000109\tU+9DD7\n"          // 鷗 (not in CP932)
    "J+E001\tMJ000110\tU+5409\n"          // 吉
    "J+5409\tMJ000111\tU+20B9F\n";        // 𠮟 written as J+5409 (collides with 吉's code point)

// A throw-away hub: systems, routes and layouts in memory, codemaps and layouts in a temp
// dir. Each test writes the tables it relies on, then asks for a route's converter.
class World {
 public:
  World() : dir_("renkei-convert") {
    for (const char* d : {"codemaps/gaiji", "codemaps/jukinet", "codemaps/values", "codemaps/shrink",
                          "codemaps/profiles", "layouts"})
      std::filesystem::create_directories(dir_.path() / d);
  }

  // Writes `text` to a file below the world's root ("codemaps/gaiji/x.tsv").
  World& write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_.path() / rel, std::ios::binary) << text;
    return *this;
  }
  World& system(const std::string& id, const std::string& charset, std::optional<std::string> layout = {}) {
    SystemDef s;
    s.id = id;
    s.name = id;
    s.charset = charset;
    s.layout = std::move(layout);
    systems_.push_back(std::move(s));
    return *this;
  }
  World& route(int id, const std::string& from, const std::string& to, const std::string& conversion,
               std::optional<std::string> layout = {}) {
    RouteDef r;
    r.id = id;
    r.name = "route " + std::to_string(id);
    r.from = from;
    r.to = to;
    r.conversion = conversion;
    r.layout = std::move(layout);
    r.topic = "renkei.if." + interface_label(id);
    r.where.file = "routes.yaml";
    r.where.line = id * 10;
    routes_.push_back(std::move(r));
    return *this;
  }

  CataloguePtr catalogue() const {
    auto cat = std::make_shared<Catalogue>();
    cat->hub.codemaps_dir = (dir_.path() / "codemaps").string();
    cat->hub.layouts_dir = (dir_.path() / "layouts").string();
    cat->systems = systems_;
    cat->routes = routes_;
    std::sort(cat->routes.begin(), cat->routes.end(), [](auto& a, auto& b) { return a.id < b.id; });
    Diagnostics diags;
    load_layout_dir(cat->hub.layouts_dir, "layouts", cat->layouts, diags);
    if (!diags.empty()) throw std::runtime_error("layouts: " + diags.items()[0].str());
    return cat;
  }

  Result<CodemapsPtr> codemaps() const { return load_codemaps(*catalogue()); }

  // The converter of route `id`; throws (a test failure) when anything refuses.
  RecordConverter converter(int id, const std::string& from_charset = "", const std::string& to_charset = "") const {
    auto cat = catalogue();
    auto maps = load_codemaps(*cat);
    if (!maps) throw std::runtime_error("codemaps: " + maps.error().items()[0].str());
    const RouteDef* r = cat->route(id);
    if (!r) throw std::runtime_error("no route " + std::to_string(id));
    auto plan = plan_for_route(cat, *maps, *r, from_charset, to_charset);
    if (!plan) throw std::runtime_error("plan: " + plan.error());
    auto conv = RecordConverter::create(std::move(*plan));
    if (!conv) throw std::runtime_error("create: " + conv.error());
    return std::move(*conv);
  }

  const std::filesystem::path& root() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::vector<SystemDef> systems_;
  std::vector<RouteDef> routes_;
};

// What a charset decodes from bytes that must decode.
inline std::u32string decoded(Charset& cs, std::string_view bytes) {
  std::u32string out;
  auto r = cs.decode(bytes, out);
  EXPECT_TRUE(r.has_value()) << cs.name() << " refused " << H(bytes) << ": "
                             << (r ? "" : r.error().kind + " at " + std::to_string(r.error().offset));
  return out;
}

// What a charset encodes from text that must encode; without the ICU substitution check
// (for charsets ICU does not know, such as a table charset).
inline std::string encoded_unchecked(Charset& cs, std::u32string_view text) {
  std::string out;
  auto r = cs.encode(text, out);
  EXPECT_TRUE(r.has_value()) << cs.name() << " refused " << U(text) << ": "
                             << (r ? "" : r.error().kind + " at " + std::to_string(r.error().offset));
  return out;
}

// The same for an ICU charset, its output checked for substitutions.
inline std::string encoded(Charset& cs, std::u32string_view text) {
  std::string out = encoded_unchecked(cs, text);
  expect_no_substitution(cs.name(), out);
  return out;
}

// The converted bytes of a record that must convert; checks them for substitutions.
inline std::string converted(RecordConverter& conv, std::string_view record,
                             std::vector<ConversionNote>* notes = nullptr) {
  auto r = conv.convert(record, notes);
  if (!r) {
    ADD_FAILURE() << "record " << H(record) << " failed: " << r.error().describe();
    return {};
  }
  std::string out = *r ? **r : std::string(record);
  expect_no_substitution(conv.plan().to_charset, out);
  return out;
}

// The error of a record that must fail.
inline ConversionError failure(RecordConverter& conv, std::string_view record) {
  auto r = conv.convert(record);
  if (r) {
    ADD_FAILURE() << "record " << H(record) << " converted to " << (*r ? H(**r) : "(unchanged)")
                  << " but should have failed";
    return {};
  }
  return r.error();
}

#define EXPECT_CONV_ERROR(err, kind_, field_, offset_)                  \
  do {                                                                  \
    const ::renkei::ConversionError& e_ = (err);                        \
    EXPECT_EQ(e_.kind, kind_) << e_.describe();                         \
    EXPECT_EQ(e_.field, field_) << e_.describe();                       \
    EXPECT_EQ(e_.offset, static_cast<std::size_t>(offset_)) << e_.describe(); \
    /* The detail reaches DLQ headers and logs: no character of the record. */ \
    EXPECT_EQ(e_.describe().find("U+"), std::string::npos) << e_.describe(); \
    EXPECT_EQ(e_.describe().find("MJ"), std::string::npos) << e_.describe(); \
  } while (0)

}  // namespace renkei::testing
