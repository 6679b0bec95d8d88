// The peers' output rule sets (profile `rules:` and `forbidden:`): every listed character
// refused with its rule, record field and byte offset (never the character), the rest of
// the repertoire's edges passing exactly, and 縮退 repairing a refusal where the profile
// declares it.
#include <gtest/gtest.h>

#include "convert_support.hpp"
#include "renkei/convert/output_rules.hpp"

namespace renkei::testing {
namespace {

std::string sjis(std::u32string_view s) {
  auto cs = open_charset(kCp932);
  std::string out;
  if (!cs || !(*cs)->encode(s, out)) ADD_FAILURE() << "not in CP932: " << U(s);
  return out;
}

std::string utf8(std::u32string_view s) {
  auto cs = open_charset("UTF-8");
  std::string out;
  if (!cs || !(*cs)->encode(s, out)) ADD_FAILURE() << "not encodable: " << U(s);
  return out;
}

#define EXPECT_RULE_REFUSAL(err, rule_, offset_)                                                  \
  do {                                                                                            \
    const ::renkei::ConversionError& r_ = (err);                                                  \
    EXPECT_CONV_ERROR(r_, "rule-refused", "record", offset_);                                     \
    EXPECT_NE(r_.detail.find("rule '" + std::string(rule_) + "'"), std::string::npos) << r_.detail; \
  } while (0)

class Rules : public ::testing::Test {
 protected:
  Rules() {
    w.system("resident", kCp932).system("eltax", kCp932).system("portal", "UTF-8").system("chukan", "UTF-8")
        .system("euc", "euc-jp-2007");
  }
  // Route 1: CP932 → CP932, 2: UTF-8 → CP932, 3: UTF-8 → UTF-8, all through `profile`.
  void profile(const std::string& yaml) {
    w.write("codemaps/profiles/peer.yaml", yaml);
    w.route(1, "resident", "eltax", "peer").route(2, "portal", "eltax", "peer").route(3, "portal", "chukan", "peer");
  }
  World w;
};

constexpr char32_t kEltaxSymbols[] = {U'\u2642', U'\u2640', U'\u2103', U'\u2606', U'\u2605', U'\u2312',
                                      U'\u212B', U'\u266F', U'\u266D', U'\u266A'};

TEST_F(Rules, EltaxRefusesEachProhibitedSymbolAtItsByteAndPassesTheRestOfItsRows) {
  profile("base: none\nrules: [eltax]\n");
  auto same = w.converter(1);
  auto from_utf8 = w.converter(2);
  for (char32_t c : kEltaxSymbols) {
    SCOPED_TRACE(U(std::u32string(1, c)));
    EXPECT_RULE_REFUSAL(failure(same, "AB" + sjis(std::u32string(1, c)) + "C"), "eltax", 2);
    // In UTF-8 the symbol is three bytes after "あ": byte 3.
    EXPECT_RULE_REFUSAL(failure(from_utf8, utf8(U"\u3042") + utf8(std::u32string(1, c))), "eltax", 3);
  }
  // The Latin Å that looks like the Ångström sign, from a UTF-8 source to a UTF-8 target.
  auto u8 = w.converter(3);
  EXPECT_RULE_REFUSAL(failure(u8, "x" + utf8(U"\u00C5")), "eltax", 1);
  // Every other character of the symbol rows (CP932 lead bytes 81 and 82) goes through as it is.
  auto cs = open_charset(kCp932);
  ASSERT_TRUE(cs);
  int passed = 0;
  for (int lead : {0x81, 0x82})
    for (int trail = 0x40; trail <= 0xFC; ++trail) {
      const std::string cell{static_cast<char>(lead), static_cast<char>(trail)};
      std::u32string text;
      if (!(*cs)->decode(cell, text) || text.size() != 1) continue;
      if (std::find(std::begin(kEltaxSymbols), std::end(kEltaxSymbols), text[0]) != std::end(kEltaxSymbols)) continue;
      EXPECT_EQ(H(converted(same, cell)), H(cell));
      ++passed;
    }
  EXPECT_GT(passed, 250);
}

TEST_F(Rules, EltaxRefusesTheTargetsOwnGaijiAndATargetThatIsNeitherShiftJisNorUtf8) {
  // The target's gaiji table holds 𠮷 as F040: eLTAX takes no 外字, so it is refused there.
  w.write("codemaps/gaiji/eltax.tsv", "local\tmj\tucs\nF040\t-\tU+20BB7\n");
  profile("base: none\nrules: [eltax]\n");
  auto from_utf8 = w.converter(2);
  EXPECT_RULE_REFUSAL(failure(from_utf8, "AB" + utf8(U"\U00020BB7")), "eltax", 2);
  // Without the rule the same table is used.
  w.write("codemaps/profiles/plain.yaml", "base: none\n");
  w.route(4, "portal", "eltax", "plain");
  auto plain = w.converter(4);
  EXPECT_EQ(H(converted(plain, "AB" + utf8(U"\U00020BB7"))), "41 42 F0 40");
  // An EUC-JP target cannot be eLTAX's: the route is refused when the codemaps load.
  w.route(5, "portal", "euc", "peer");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  bool named = false;
  for (const auto& d : maps.error().items())
    named |= d.str().find("route 5") != std::string::npos && d.str().find("Shift_JIS or UTF-8") != std::string::npos;
  EXPECT_TRUE(named) << maps.error().items()[0].str();
}

TEST_F(Rules, Jisx0208RefusesNecRow13AndTheExtensionsAndPassesTheRepertoireEdges) {
  profile("base: none\nrules: [jisx0208]\n");
  auto same = w.converter(1);
  // The first and last cells of each JIS X 0208 region, and a row 13 duplicate of a row 2
  // symbol, which goes out as its JIS X 0208 code (as Windows writes it).
  for (const char* edge : {"81 40", "81 FC", "84 BE", "88 9F", "98 72", "98 9F", "EA A4", "82 A0", "83 96"})
    EXPECT_EQ(H(converted(same, B(edge))), edge);
  EXPECT_EQ(H(converted(same, B("41 87 90"))), "41 81 E0");
  // JIS X 0201 kana are the single-byte half of the charset: this rule lets them pass.
  EXPECT_EQ(H(converted(same, B("B1 DE"))), "B1 DE");
  // NEC row 13 (①), NEC-selected IBM (ED 40), IBM (FA 40, FA 5C): refused at their byte.
  for (const char* out : {"87 40", "ED 40", "FA 40", "FA 5C", "EE EF"}) {
    SCOPED_TRACE(out);
    EXPECT_RULE_REFUSAL(failure(same, "xyz" + B(out)), "jisx0208", 3);
  }
  // Exhaustively: a cell of row 13 or the extensions is refused unless its character is
  // also a JIS X 0208 one (then it is written as that).
  auto cs = open_charset(kCp932);
  ASSERT_TRUE(cs);
  int refused = 0;
  for (int lead : {0x87, 0xED, 0xEE, 0xFA, 0xFB, 0xFC})
    for (int trail = 0x40; trail <= 0xFC; ++trail) {
      const std::string cell{static_cast<char>(lead), static_cast<char>(trail)};
      std::u32string text;
      if (!(*cs)->decode(cell, text) || text.size() != 1) continue;
      auto r = same.convert(cell);
      if (r) {
        const std::string out = *r ? **r : cell;
        ASSERT_EQ(out.size(), 2u);
        const auto o = static_cast<unsigned char>(out[0]);
        EXPECT_TRUE((o >= 0x81 && o <= 0x84) || (o >= 0x88 && o <= 0x9F) || (o >= 0xE0 && o <= 0xEA)) << H(cell);
      } else {
        EXPECT_EQ(r.error().kind, "rule-refused") << H(cell);
        ++refused;
      }
    }
  EXPECT_GT(refused, 400);
}

TEST_F(Rules, Jisx0213PassesItsRepertoireInUtf8AndRefusesTheRest) {
  profile("base: none\nrules: [jisx0213]\n");
  auto u8 = w.converter(3);
  // Plane 1 and 2 characters, a base with its combining mark (か゚), 﨑 and half-width kana.
  for (std::u32string s : {std::u32string(U"\U0002000B"), std::u32string(U"\U00029E3D"), std::u32string(U"\u304B\u309A"),
                           std::u32string(U"\uFA11"), std::u32string(U"\u32D0"), std::u32string(U"\uFF71")})
    EXPECT_EQ(H(converted(u8, utf8(s))), H(utf8(s)));
  // 𠮷 and Hangul are no JIS X 0213 characters; nor is an IVS.
  EXPECT_RULE_REFUSAL(failure(u8, "a" + utf8(U"\U00020BB7")), "jisx0213", 1);
  EXPECT_RULE_REFUSAL(failure(u8, "ab" + utf8(U"\uAC00")), "jisx0213", 2);
  EXPECT_CONV_ERROR(failure(u8, "a" + utf8(U"\u845B\U000E0100")), "rule-refused", "record", 1);
}

TEST_F(Rules, Jisx0213WithShrinkDegradesTheVariationWhereTheTableSaysSo) {
  w.write("codemaps/shrink/ivs.tsv", "from\tto\nU+845B U+E0100\tU+845B\n");
  profile("base: none\nrules: [jisx0213]\nshrink: ivs\n");
  auto u8 = w.converter(3);
  std::vector<ConversionNote> notes;
  EXPECT_EQ(H(converted(u8, "a" + utf8(U"\u845B\U000E0100"), &notes)), H("a" + utf8(U"\u845B")));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].offset, 1u);
}

TEST_F(Rules, NoHalfwidthKanaRefusesThemUnlessTheLayoutWidensThem) {
  profile("base: none\nrules: [no-halfwidth-kana]\n");
  auto same = w.converter(1);
  EXPECT_RULE_REFUSAL(failure(same, B("41 42 B6 DE")), "no-halfwidth-kana", 2);
  EXPECT_RULE_REFUSAL(failure(same, B("41 DF")), "no-halfwidth-kana", 1);
  EXPECT_EQ(H(converted(same, B("83 4A 81 5B"))), "83 4A 81 5B");  // full-width カー passes
  // e-Tax style: a layout field marked kana is widened first (ｶﾞ → ガ), other fields are not.
  w.write("layouts/kana.yaml", "format: csv\nfields:\n  - {name: kana, kana: true}\n  - {name: note}\n");
  w.write("codemaps/profiles/widen.yaml", "base: none\nrules: [no-halfwidth-kana]\nkana_to_fullwidth: true\n");
  w.route(6, "resident", "eltax", "widen", "kana");
  auto widen = w.converter(6);
  EXPECT_EQ(H(converted(widen, B("B6 DE 2C 41"))), "83 4B 2C 41");
  EXPECT_CONV_ERROR(failure(widen, B("B6 DE 2C 41 B1")), "rule-refused", "note", 4);
}

TEST_F(Rules, AForbiddenListRefusesItsRangesOnly) {
  profile("base: none\nforbidden: [U+2460..U+2473, U+3231]\n");
  auto from_utf8 = w.converter(2);
  EXPECT_RULE_REFUSAL(failure(from_utf8, "1" + utf8(U"\u2464")), "forbidden", 1);
  EXPECT_RULE_REFUSAL(failure(from_utf8, "12" + utf8(U"\u2473")), "forbidden", 2);
  EXPECT_RULE_REFUSAL(failure(from_utf8, utf8(U"\u3231")), "forbidden", 0);
  EXPECT_EQ(H(converted(from_utf8, utf8(U"\u2160\u3232"))), H(sjis(U"\u2160\u3232")));  // Ⅰ ㈲ pass
}

TEST_F(Rules, ADeclaredShrinkReplacesARefusedSymbolAndIsRecorded) {
  w.write("codemaps/shrink/eltax.tsv", "from\tto\nU+2642\tU+7537\n");
  profile("base: none\nrules: [eltax]\nshrink: eltax\n");
  auto same = w.converter(1);
  std::vector<ConversionNote> notes;
  EXPECT_EQ(H(converted(same, "A" + sjis(U"\u2642"), &notes)), H("A" + sjis(U"\u7537")));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].offset, 1u);
  // ♀ has no row: still refused.
  EXPECT_RULE_REFUSAL(failure(same, "A" + sjis(U"\u2640")), "eltax", 1);
}

TEST_F(Rules, TheLoaderNamesAnUnknownRuleABadForbiddenEntryAndRulesOnJukinet) {
  w.write("codemaps/profiles/peer.yaml", "base: none\nrules: [eltax, jis-x-0208]\nforbidden: [U+2460, 2461]\n");
  w.write("codemaps/profiles/juki.yaml", "base: jukinet\nrules: [jisx0208]\n");
  w.write("codemaps/jukinet/unified.tsv", "jplus\tmj\tucs\nJ+0020..J+007E\t-\tU+0020..U+007E\n");
  w.route(1, "resident", "eltax", "peer");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  std::string all;
  for (const auto& d : maps.error().items()) all += d.str() + "\n";
  EXPECT_NE(all.find("unknown rule 'jis-x-0208'"), std::string::npos) << all;
  EXPECT_NE(all.find("entry 2 is not U+XXXX"), std::string::npos) << all;
  EXPECT_NE(all.find("do not apply to base jukinet"), std::string::npos) << all;
  EXPECT_NE(all.find("profiles/peer.yaml:2"), std::string::npos) << all;
}

TEST(OutputRulesNames, EveryRuleIsDocumentedInTheCodemapsReadme) {
  std::ifstream in(RENKEI_SOURCE_DIR "/codemaps/README.md");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& r : OutputRules::known())
    EXPECT_NE(text.find("| `" + std::string(r.name) + "` |"), std::string::npos) << r.name;
  EXPECT_TRUE(OutputRules::make({"eltax", "jisx0208", "jisx0213", "no-halfwidth-kana"}).has_value());
  EXPECT_FALSE(OutputRules::make({"eltax", "eltax"}).has_value());
  EXPECT_EQ(parse_code_range("U+2460..U+2473"), (CodeRange{0x2460, 0x2473}));
  EXPECT_FALSE(parse_code_range("U+2473..U+2460"));
  EXPECT_FALSE(parse_code_range("U+D800"));
  EXPECT_FALSE(parse_code_range("U+110000"));
}

}  // namespace
}  // namespace renkei::testing
