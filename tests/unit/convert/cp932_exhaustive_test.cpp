// renkei's CP932 (and IBM Shift_JIS) runs on lookup tables built from ICU; here it is
// held against raw ICU (ucnv with stop callbacks, nothing of renkei's) over every 1- and
// 2-byte sequence and every BMP code point: same answers everywhere, errors included,
// and byte-exact round trips for every character ICU maps (NEC row 13, NEC-selected IBM
// extensions, IBM extensions, the user-defined area).
#include <gtest/gtest.h>

#include "convert_support.hpp"

namespace renkei::testing {
namespace {

std::string kind_of(UErrorCode status) {
  return status == U_INVALID_CHAR_FOUND ? "unmappable" : "illegal-sequence";
}

struct Census {
  std::size_t single = 0;     // 1-byte characters ICU decodes
  std::size_t pairs = 0;      // 2-byte characters ICU decodes
  std::size_t round_trip = 0; // characters whose code point encodes back to the same bytes
  std::size_t one_way = 0;    // characters whose code point encodes to other bytes
};

// Every 1- and 2-byte sequence: renkei decodes exactly as ICU, fails exactly where ICU
// fails (same kind), and for every character ICU maps, renkei encodes its code point
// exactly as ICU does.
Census compare_with_icu(const char* name) {
  SCOPED_TRACE(name);
  Census census;
  IcuRef icu(name);
  auto opened = open_charset(name);
  if (!opened) {
    ADD_FAILURE() << opened.error();
    return census;
  }
  Charset& cs = **opened;
  std::size_t mismatches = 0;
  auto check = [&](const std::string& bytes, bool is_char) {
    UErrorCode status = U_ZERO_ERROR;
    const auto want = icu.decode(bytes, &status);
    std::u32string got;
    const auto r = cs.decode(bytes, got);
    if (want.has_value() != r.has_value() || (want && *want != got) || (!want && r.error().kind != kind_of(status))) {
      if (++mismatches <= 20)
        ADD_FAILURE() << "decode " << H(bytes) << ": ICU " << (want ? U(*want) : u_errorName(status)) << ", renkei "
                      << (r ? U(got) : r.error().kind);
      return;
    }
    if (!is_char || !want || want->size() != 1) return;
    (bytes.size() == 1 ? census.single : census.pairs)++;
    const auto back = icu.encode(*want);
    std::string mine;
    const auto e = cs.encode(*want, mine);
    if (back.has_value() != e.has_value() || (back && *back != mine)) {
      if (++mismatches <= 20)
        ADD_FAILURE() << "encode " << U(*want) << " (from " << H(bytes) << "): ICU "
                      << (back ? H(*back) : "unmappable") << ", renkei " << (e ? H(mine) : e.error().kind);
      return;
    }
    if (back && *back == bytes) ++census.round_trip;
    else if (back) ++census.one_way;
  };
  for (int b = 0; b < 256; ++b) check(std::string(1, static_cast<char>(b)), true);
  for (int lead = 0; lead < 256; ++lead) {
    // Every pair is compared, also after a single-byte character (two characters).
    UErrorCode status = U_ZERO_ERROR;
    const bool is_lead = !icu.decode(std::string(1, static_cast<char>(lead)), &status) &&
                         status == U_TRUNCATED_CHAR_FOUND;
    for (int trail = 0; trail < 256; ++trail)
      check(std::string{static_cast<char>(lead), static_cast<char>(trail)}, is_lead);
  }
  EXPECT_EQ(mismatches, 0u);
  return census;
}

// The counts are ICU's ibm-943_P15A-2003 table (a frozen ICU table): 191 single bytes
// (0x00–0x7F and half-width katakana 0xA1–0xDF; 0x80, 0xA0 and 0xFD–0xFF are unmapped)
// and 9,604 double-byte characters (JIS X 0208 6,879 + NEC row 13 83 + NEC-selected IBM
// extensions 374 + IBM extensions 388 + user-defined area 1,880), of which 398 decode one
// way only (their code point encodes to other bytes, see OneWayCharactersEncodeAsIcuDoes).
TEST(Cp932Exhaustive, MatchesIcuEverywhereWindows31j) {
  const Census c = compare_with_icu(kCp932);
  RecordProperty("single", static_cast<int>(c.single));
  RecordProperty("pairs", static_cast<int>(c.pairs));
  RecordProperty("round_trip", static_cast<int>(c.round_trip));
  RecordProperty("one_way", static_cast<int>(c.one_way));
  EXPECT_EQ(c.single, 191u);
  EXPECT_EQ(c.pairs, 9604u);
  EXPECT_EQ(c.round_trip + c.one_way, c.single + c.pairs);
  EXPECT_EQ(c.one_way, 398u);
}

TEST(Cp932Exhaustive, MatchesIcuEverywhereIbmShiftJis) {
  const Census c = compare_with_icu(kIbmSjis);
  RecordProperty("single", static_cast<int>(c.single));
  RecordProperty("pairs", static_cast<int>(c.pairs));
  RecordProperty("one_way", static_cast<int>(c.one_way));
  // The same repertoire; only eight readings differ (ConverterDependent.ExactlyEightReadingsDiffer).
  EXPECT_EQ(c.single, 191u);
  EXPECT_EQ(c.pairs, 9604u);
  EXPECT_EQ(c.round_trip + c.one_way, c.single + c.pairs);
  EXPECT_EQ(c.one_way, 398u);
}

// The one-way characters, spelled out: renkei encodes them as ICU does, to the IBM
// extension (FA–FC) or to JIS row 2, never back to the NEC bytes it read.
TEST(Cp932Exhaustive, OneWayCharactersEncodeAsIcuDoes) {
  auto cs = std::move(*open_charset(kCp932));
  struct Row {
    const char* from;
    char32_t cp;
    const char* to;
  };
  const Row rows[] = {
      {"ED 40", U'\u7E8A', "FA 5C"},  // 纊: NEC-selected IBM extension → IBM extension
      {"EE E0", U'\u9AD9', "FB FC"},  // 髙
      {"ED 95", U'\uFA11', "FA B1"},  // 﨑
      {"EE F9", U'\uFFE2', "81 CA"},  // ￢ (NEC-selected) → JIS row 2
      {"FA 54", U'\uFFE2', "81 CA"},  // ￢ (IBM extension) → JIS row 2
      {"87 90", U'\u2252', "81 E0"},  // ≒ NEC row 13 → JIS row 2
      {"87 9A", U'\u2235', "81 E6"},  // ∵
      {"FA 4A", U'\u2160', "87 54"},  // Ⅰ IBM extension → NEC row 13
      {"EE EF", U'\u2170', "FA 40"},  // ⅰ NEC-selected → IBM extension
  };
  IcuRef icu(kCp932);
  for (const auto& r : rows) {
    SCOPED_TRACE(r.from);
    std::u32string text;
    ASSERT_TRUE(cs->decode(B(r.from), text).has_value());
    EXPECT_EQ(U(text), U(std::u32string(1, r.cp)));
    std::string back;
    ASSERT_TRUE(cs->encode(text, back).has_value());
    EXPECT_EQ(H(back), r.to);
    EXPECT_EQ(H(icu.encode(text).value_or("none")), r.to);
  }
}

// Every BMP code point (surrogates aside) and a sample beyond: renkei's encode and
// encodable() give exactly ICU's answer.
TEST(Cp932Exhaustive, EncodeMatchesIcuForEveryBmpCodePoint) {
  for (const char* name : {kCp932, kIbmSjis}) {
    SCOPED_TRACE(name);
    auto cs = std::move(*open_charset(name));
    IcuRef icu(name);
    std::size_t mismatches = 0, mapped = 0;
    auto check = [&](char32_t c) {
      const std::u32string one(1, c);
      auto want = icu.encode(one);
      // ICU always takes its fallbacks for private use (U+F86F → 87 82 → U+2116): one
      // that does not read back as itself would alter the character, renkei refuses it.
      if (want && ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) && icu.decode(*want) != one) want = std::nullopt;
      std::string got;
      const auto r = cs->encode(one, got);
      const bool ok = want.has_value() == r.has_value() && (!want || *want == got) &&
                      cs->encodable(c) == want.has_value() && (r || (r.error().kind == "unmappable" && r.error().offset == 0));
      if (!ok && ++mismatches <= 20)
        ADD_FAILURE() << U(one) << ": ICU " << (want ? H(*want) : "unmappable") << ", renkei "
                      << (r ? H(got) : r.error().kind);
      mapped += want.has_value();
    };
    for (char32_t c = 0; c < 0x10000; ++c)
      if (c < 0xD800 || c > 0xDFFF) check(c);
    for (char32_t c : {U'\U00010000', U'\U00020BB7', U'\U0002A6B2', U'\U000F0000', U'\U000E0100', U'\U0010FFFF'})
      check(c);
    EXPECT_EQ(mismatches, 0u);
    EXPECT_GT(mapped, 9000u);
  }
}

// A whole text of every round-tripping character at once (the fast path on a long
// input) gives exactly the bytes it came from.
TEST(Cp932Exhaustive, AllRoundTrippingCharactersInOneText) {
  auto cs = std::move(*open_charset(kCp932));
  IcuRef icu(kCp932);
  std::string bytes;
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    if (auto t = icu.decode(one); t && t->size() == 1 && icu.encode(*t) == one) bytes += one;
  }
  for (int lead = 0x81; lead <= 0xFC; ++lead)
    for (int trail = 0x40; trail <= 0xFC; ++trail) {
      const std::string two{static_cast<char>(lead), static_cast<char>(trail)};
      if (auto t = icu.decode(two); t && t->size() == 1 && icu.encode(*t) == two) bytes += two;
    }
  std::u32string text;
  ASSERT_TRUE(cs->decode(bytes, text).has_value());
  std::string back;
  ASSERT_TRUE(cs->encode(text, back).has_value());
  EXPECT_TRUE(back == bytes) << "round trip of " << bytes.size() << " bytes differs";
}

}  // namespace
}  // namespace renkei::testing
