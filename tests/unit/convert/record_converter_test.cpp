// The conversion of whole records by route (RecordConverter): every trap of §2b as the
// exact output bytes or the exact error (kind, field, byte offset in the source record).
// Each test states its own systems, routes, layouts and tables in a temp dir; every
// output is checked for substitution characters (converted()).
#include <gtest/gtest.h>

#include "convert_support.hpp"
#include "renkei/catalogue/config_loader.hpp"

namespace renkei::testing {
namespace {

// Systems used throughout: a CP932 one with gaiji (resident), a CP932 one without
// (welfare), IBM Shift_JIS (host-sjis), 住基ネット (UTF-8), a UTF-8 one (portal),
// EUC-JP (euc), ISO-2022-JP (jis: JIS X 0208 only, so no 髙) and host EBCDIC (host).
class Convert : public ::testing::Test {
 protected:
  Convert() {
    w.system("resident", kCp932)
        .system("welfare", kCp932)
        .system("host-sjis", kIbmSjis)
        .system("jukinet", "UTF-8")
        .system("portal", "UTF-8")
        .system("euc", "euc-jp-2007")
        .system("jis", "ISO_2022,locale=ja,version=0")
        .system("host", "ibm-930");
    w.write("codemaps/jukinet/unified.tsv", kUnified);
  }
  World w;
};

// --- converter-dependent code points through routes --------------------------------

TEST_F(Convert, WaveDashAndYenDependOnTheSourceConverter) {
  w.route(1, "resident", "portal", "none").route(2, "host-sjis", "portal", "none");
  const std::string rec = B("81 60 5C 7E 81 5F 81 91 81 92 81 CA 81 61 81 7C");
  auto from_cp932 = w.converter(1);
  EXPECT_EQ(H(converted(from_cp932, rec)),
            "EF BD 9E 5C 7E EF BC BC EF BF A0 EF BF A1 EF BF A2 E2 88 A5 EF BC 8D");
  auto from_ibm = w.converter(2);
  EXPECT_EQ(H(converted(from_ibm, rec)),
            "E3 80 9C C2 A5 E2 80 BE EF BC BC EF BF A0 EF BF A1 EF BF A2 E2 80 96 E2 88 92");
}

// Between the two Shift_JIS flavours even `none` is not byte-for-byte: what one reads
// the other cannot write, and that is an error, not a quiet fallback.
TEST_F(Convert, WaveDashBetweenShiftJisFlavoursIsUnmappable) {
  w.route(1, "host-sjis", "resident", "none").route(2, "resident", "host-sjis", "none");
  auto ibm_to_cp932 = w.converter(1);
  EXPECT_CONV_ERROR(failure(ibm_to_cp932, B("41 81 60")), "unmappable", "record", 1);  // U+301C
  EXPECT_CONV_ERROR(failure(ibm_to_cp932, B("41 42 5C")), "unmappable", "record", 2);  // U+00A5
  EXPECT_EQ(H(converted(ibm_to_cp932, B("8F 5A 81 5F"))), "8F 5A 81 5F");            // 住＼ agree
  auto cp932_to_ibm = w.converter(2);
  EXPECT_CONV_ERROR(failure(cp932_to_ibm, B("81 60")), "unmappable", "record", 0);     // U+FF5E
  EXPECT_CONV_ERROR(failure(cp932_to_ibm, B("8F 5A 7E")), "unmappable", "record", 2);  // U+007E
}

TEST_F(Convert, WaveDashFromUtf8DependsOnTheTargetConverter) {
  w.route(1, "jukinet", "resident", "utf8").route(2, "jukinet", "host-sjis", "utf8");
  auto to_cp932 = w.converter(1);
  auto to_ibm = w.converter(2);
  EXPECT_EQ(H(converted(to_cp932, B("EF BD 9E"))), "81 60");                            // ～
  EXPECT_CONV_ERROR(failure(to_cp932, B("41 E3 80 9C")), "unmappable", "record", 1);    // 〜
  EXPECT_EQ(H(converted(to_ibm, B("E3 80 9C"))), "81 60");                              // 〜
  EXPECT_CONV_ERROR(failure(to_ibm, B("41 42 EF BD 9E")), "unmappable", "record", 2);   // ～
}

// --- the CP932 user-defined area -----------------------------------------------------

std::vector<std::string> user_defined_area() {
  std::vector<std::string> out;
  for (int lead = 0xF0; lead <= 0xF9; ++lead)
    for (int trail = 0x40; trail <= 0xFC; ++trail)
      if (trail != 0x7F) out.push_back({static_cast<char>(lead), static_cast<char>(trail)});
  return out;
}

// The record of code k: a valid prefix of (k % 4) characters (all in the unified table),
// so the expected offset moves: "", "A", "A住", "A住あ" (0, 1, 3, 5 bytes).
std::string prefix_of(std::size_t k) {
  static const std::string prefixes[] = {"", "A", "A" + B("8F 5A"), "A" + B("8F 5A 82 A0")};
  return prefixes[k % 4];
}

// Without a gaiji table, every one of the 1880 codes is gaiji-unmapped at its own byte
// offset: to 住基ネット, to another charset, and on a same-charset `none` route.
TEST_F(Convert, UserDefinedAreaWithoutTableIsGaijiUnmappedEverywhere) {
  w.route(1, "welfare", "jukinet", "jukinet").route(2, "welfare", "portal", "none").route(3, "welfare", "resident", "none");
  const auto codes = user_defined_area();
  ASSERT_EQ(codes.size(), 1880u);
  for (int id : {1, 2, 3}) {
    SCOPED_TRACE("route " + std::to_string(id));
    auto conv = w.converter(id);
    std::size_t bad = 0;
    for (std::size_t k = 0; k < codes.size(); ++k) {
      const std::string rec = prefix_of(k) + codes[k] + "Z";
      auto r = conv.convert(rec);
      const bool ok = !r && r.error().kind == "gaiji-unmapped" && r.error().field == "record" &&
                      r.error().offset == prefix_of(k).size();
      if (!ok && ++bad <= 10)
        ADD_FAILURE() << H(codes[k]) << ": " << (r ? "converted" : r.error().describe());
    }
    EXPECT_EQ(bad, 0u);
  }
}

// With a table, exactly the listed codes convert, each to its glyph in the target's
// terms; every other code stays gaiji-unmapped.
TEST_F(Convert, UserDefinedAreaWithTableConvertsOnlyListedCodes) {
  w.write("codemaps/gaiji/resident.tsv",
          "# resident's gaiji\n"
          "local\tmj\tucs\n"
          "F040\tMJ000105\tU+845B U+E0100\n"  // 葛󠄀 → J+AC01
          "F041\tMJ000107\t-\n"               // no UCS, MJ only → J+AC02
          "F5A0\t-\tU+20BB7\n"                // 𠮷 → J+AC00
          "U+E757\tMJ000109\tU+9DD7\n");      // F9FC 鷗 → J+E000
  w.route(1, "resident", "jukinet", "jukinet").route(2, "resident", "portal", "none");
  const std::map<std::string, std::pair<std::string, std::string>> listed = {
      {B("F0 40"), {"EA B0 81", "E8 91 9B F3 A0 84 80"}},
      {B("F0 41"), {"EA B0 82", ""}},  // no UCS: gaiji-unmapped to a UTF-8 system without a table
      {B("F5 A0"), {"EA B0 80", "F0 A0 AE B7"}},
      {B("F9 FC"), {"EE 80 80", "E9 B7 97"}},
  };
  auto to_jukinet = w.converter(1);
  auto to_portal = w.converter(2);
  std::size_t converted_count = 0, bad = 0;
  for (const auto& code : user_defined_area()) {
    SCOPED_TRACE(H(code));
    const std::string rec = "A" + code;
    auto j = to_jukinet.convert(rec);
    auto p = to_portal.convert(rec);
    if (auto it = listed.find(code); it != listed.end()) {
      ++converted_count;
      EXPECT_EQ(H(converted(to_jukinet, rec)), "41 " + it->second.first);
      if (it->second.second.empty()) {
        EXPECT_CONV_ERROR(failure(to_portal, rec), "gaiji-unmapped", "record", 1);
      } else {
        EXPECT_EQ(H(converted(to_portal, rec)), "41 " + it->second.second);
      }
      continue;
    }
    const bool ok = !j && j.error().kind == "gaiji-unmapped" && j.error().offset == 1 && !p &&
                    p.error().kind == "gaiji-unmapped" && p.error().offset == 1;
    if (!ok && ++bad <= 10) ADD_FAILURE() << "unlisted code did not fail as gaiji-unmapped at 1";
  }
  EXPECT_EQ(converted_count, 4u);
  EXPECT_EQ(bad, 0u);
}

// Between two CP932 systems each gaiji goes local → glyph → the target's own local code
// (by MJ first, then by UCS), whatever the numbers are on either side.
TEST_F(Convert, GaijiGoThroughBothSystemsTables) {
  w.write("codemaps/gaiji/resident.tsv",
          "local\tmj\tucs\n"
          "F040\tMJ000105\tU+845B U+E0100\n"
          "F041\tMJ000107\t-\n"
          "F042\t-\tU+20BB7\n"
          "F043\tMJ000200\t-\n");
  w.write("codemaps/gaiji/welfare.tsv",
          "local\tmj\tucs\n"
          "F9FC\tMJ000105\t-\n"          // matched by MJ
          "F140\t-\tU+20BB7\n"           // matched by UCS
          "F041\tMJ000107\tU+9DD7\n");
  w.route(1, "resident", "welfare", "none");
  auto conv = w.converter(1);
  EXPECT_EQ(H(converted(conv, B("41 F0 40 F0 41 F0 42 42"))), "41 F9 FC F0 41 F1 40 42");
  // F043 is known on the source side only, by an MJ name the target does not have.
  EXPECT_CONV_ERROR(failure(conv, B("41 42 F0 43")), "gaiji-unmapped", "record", 2);
}

// --- J+ codes that collide with real code points --------------------------------------

// Real Hangul 가 (U+AC00) from 住基ネット is Hangul, not J+AC00 (𠮷): CP932 cannot hold
// it. A PUA code point that is a J+ code in the table is that 統一文字.
TEST_F(Convert, HangulFromJukinetIsHangulNotAJplusCode) {
  w.write("codemaps/gaiji/resident.tsv", "local\tmj\tucs\nF042\tMJ000106\tU+20BB7\nF041\tMJ000109\t-\n");
  w.route(1, "jukinet", "resident", "utf8").route(2, "jukinet", "welfare", "utf8");
  auto conv = w.converter(1);
  EXPECT_CONV_ERROR(failure(conv, B("41 42 EA B0 80")), "unmappable", "record", 2);
  // PUA J+E000 (鷗, MJ000109) → the target's gaiji by MJ; J+E001 (吉) → CP932 8B 67.
  EXPECT_EQ(H(converted(conv, B("EE 80 80 EE 80 81"))), "F0 41 8B 67");
  // 𠮷 as a real UCS character → the target's gaiji by UCS.
  EXPECT_EQ(H(converted(conv, B("F0 A0 AE B7"))), "F0 42");
  // A PUA code point that is no J+ code and not in any table.
  EXPECT_CONV_ERROR(failure(conv, B("41 EE 80 82")), "gaiji-unmapped", "record", 1);
  // Without a gaiji table on the target, 鷗 has nowhere to go.
  auto plain = w.converter(2);
  EXPECT_CONV_ERROR(failure(plain, B("41 42 43 EE 80 80")), "gaiji-unmapped", "record", 3);
  EXPECT_EQ(H(converted(plain, B("EE 80 81"))), "8B 67");
}

// To 住基ネット, 𠮷 is written as J+AC00 — the bytes of U+AC00 — and 吉 (U+5409) as its
// J+ code E001, never as its own code point; 𠮟 (U+20B9F) is J+5409.
TEST_F(Convert, JukinetWritesJplusCodesNotCodePoints) {
  w.write("codemaps/gaiji/resident.tsv", "local\tmj\tucs\nF042\tMJ000106\tU+20BB7\n");
  w.route(1, "resident", "jukinet", "jukinet").route(2, "portal", "jukinet", "jukinet");
  auto from_cp932 = w.converter(1);
  EXPECT_EQ(H(converted(from_cp932, B("F0 42 8B 67"))), "EA B0 80 EE 80 81");
  auto from_utf8 = w.converter(2);
  EXPECT_EQ(H(converted(from_utf8, B("F0 A0 AE B7 E5 90 89 F0 A0 AE 9F"))), "EA B0 80 EE 80 81 E5 90 89");
  // Real Hangul is no 統一文字 of this table.
  EXPECT_CONV_ERROR(failure(from_utf8, B("41 EA B0 80")), "unmappable", "record", 1);
  // A kanji outside the table (丁 U+4E01) is unmappable even though UTF-8 could carry it.
  EXPECT_CONV_ERROR(failure(from_utf8, B("E4 BD 8F E4 B8 81")), "unmappable", "record", 3);
}

// --- compatibility ideographs ---------------------------------------------------------

// 﨑 U+FA11 and 渚 U+FA46 are never normalized: UTF-8 → UTF-8 keeps the bytes, CP932 has
// 﨑 (FA B1) but not U+FA46 (and does not quietly write 渚 U+6E1A instead).
TEST_F(Convert, CompatibilityIdeographsAreUntouched) {
  w.route(1, "portal", "jukinet", "none").route(2, "jukinet", "portal", "utf8").route(3, "jukinet", "resident", "utf8");
  w.route(4, "resident", "portal", "none").route(5, "portal", "jukinet", "jukinet");
  const std::string both = B("EF A8 91 EF A9 86");  // 﨑渚
  auto same = w.converter(1);
  auto r = same.convert(both);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value()) << "a same-charset none route passes the bytes unchanged";
  auto utf8 = w.converter(2);
  EXPECT_EQ(H(converted(utf8, both)), H(both));
  auto to_cp932 = w.converter(3);
  EXPECT_EQ(H(converted(to_cp932, B("EF A8 91"))), "FA B1");
  EXPECT_CONV_ERROR(failure(to_cp932, both), "unmappable", "record", 3);
  auto from_cp932 = w.converter(4);
  EXPECT_EQ(H(converted(from_cp932, B("FA B1 ED 95 8F 8D"))), "EF A8 91 EF A8 91 E6 B8 9A");
  auto jukinet = w.converter(5);
  EXPECT_EQ(H(converted(jukinet, B("EF A8 91"))), "EF A8 91");  // J+FA11
  EXPECT_CONV_ERROR(failure(jukinet, both), "unmappable", "record", 3);  // U+FA46 not in the table
}

// --- IVS ---------------------------------------------------------------------------

TEST_F(Convert, IvsIsKeptOrReported) {
  const std::string katsu_ivs = B("E8 91 9B F3 A0 84 80");  // 葛󠄀
  w.route(1, "jukinet", "portal", "utf8").route(2, "jukinet", "welfare", "utf8").route(3, "jukinet", "resident", "utf8");
  w.route(4, "portal", "jukinet", "jukinet");
  w.write("codemaps/gaiji/resident.tsv", "local\tmj\tucs\nF0FC\t-\tU+845B U+E0100\n");
  auto to_utf8 = w.converter(1);
  EXPECT_EQ(H(converted(to_utf8, "A" + katsu_ivs + "B")), H("A" + katsu_ivs + "B"));
  auto no_table = w.converter(2);
  EXPECT_CONV_ERROR(failure(no_table, "AB" + katsu_ivs), "ivs-dropped", "record", 2);
  EXPECT_EQ(H(converted(no_table, B("E8 91 9B"))), "8A 8B");  // plain 葛
  auto with_table = w.converter(3);
  EXPECT_EQ(H(converted(with_table, "AB" + katsu_ivs + B("E8 91 9B"))), "41 42 F0 FC 8A 8B");
  // To 住基ネット the IVS is its own 統一文字 (J+AC01); an IVS the table lacks is a loss.
  auto to_jukinet = w.converter(4);
  EXPECT_EQ(H(converted(to_jukinet, katsu_ivs + B("E8 91 9B"))), "EA B0 81 E8 91 9B");
  EXPECT_CONV_ERROR(failure(to_jukinet, B("41 E8 91 9B F3 A0 84 81")), "ivs-dropped", "record", 1);
  // A variation selector with nothing before it.
  EXPECT_CONV_ERROR(failure(no_table, B("F3 A0 84 80 41")), "illegal-sequence", "record", 0);
}

// --- half-width katakana ----------------------------------------------------------------

class KanaLayouts : public Convert {
 protected:
  KanaLayouts() {
    w.write("layouts/kana-csv.yaml",
            "format: csv\nfields:\n  - {name: name_kana, kana: true}\n  - {name: name}\n");
    w.write("layouts/kana-fixed.yaml",
            "format: fixed\nfields:\n"
            "  - {name: name_kana, offset: 0, length: 6, kana: true}\n"
            "  - {name: name, offset: 6, length: 6}\n");
  }
};

// ｶﾞ (B6 DE) becomes ガ (J+30AC) in the kana field only; in the other field it is no 統一
// 文字 and the record fails there.
TEST_F(KanaLayouts, WidenedOnlyInKanaFieldsOnJukinetRoutes) {
  w.route(1, "resident", "jukinet", "jukinet", "kana-csv").route(2, "resident", "jukinet", "jukinet", "kana-fixed");
  auto csv = w.converter(1);
  EXPECT_EQ(H(converted(csv, B("B6 DE B1 2C 41"))), "E3 82 AC E3 82 A2 2C 41");
  EXPECT_CONV_ERROR(failure(csv, B("B6 DE 2C 41 B6 DE")), "unmappable", "name", 4);
  // A voicing mark alone is widened to the spacing mark ゛, not a combining one.
  EXPECT_EQ(H(converted(csv, B("DE B6 2C 41"))), "E3 82 9B E3 82 AB 2C 41");
  auto fixed = w.converter(2);
  EXPECT_EQ(H(converted(fixed, B("B6 DE 20 20 20 20 41 42 20 20 20 20"))),
            "E3 82 AC 20 20 20 41 42 20 20 20 20");
  EXPECT_CONV_ERROR(failure(fixed, B("B6 DE 20 20 20 20 41 B6 DE 20 20 20")), "unmappable", "name", 7);
}

// The error inside a widened run names the character that failed, not the run's start:
// ｱ｢ — ｢ widens to 「 (U+300C), which this table lacks.
TEST_F(KanaLayouts, ErrorInsideAKanaRunPointsAtTheCharacter) {
  w.route(1, "resident", "jukinet", "jukinet", "kana-csv");
  auto csv = w.converter(1);
  EXPECT_CONV_ERROR(failure(csv, B("B1 B2 A2 2C 41")), "unmappable", "name_kana", 2);
}

// On `none` routes width is data: half-width stays half-width, byte for byte.
TEST_F(KanaLayouts, NoneRoutesKeepHalfWidth) {
  w.route(1, "resident", "welfare", "none", "kana-csv").route(2, "resident", "portal", "none", "kana-csv");
  w.route(3, "resident", "welfare", "none", "kana-fixed").route(4, "resident", "welfare", "none");
  const std::string csv_rec = B("B6 DE B1 2C B6 DE");
  auto same = w.converter(1);
  EXPECT_EQ(H(converted(same, csv_rec)), H(csv_rec));
  auto utf8 = w.converter(2);
  EXPECT_EQ(H(converted(utf8, csv_rec)), "EF BD B6 EF BE 9E EF BD B1 2C EF BD B6 EF BE 9E");
  auto fixed = w.converter(3);
  const std::string fixed_rec = B("B6 DE 20 20 20 20 B6 DE B1 B2 B3 B4");
  EXPECT_EQ(H(converted(fixed, fixed_rec)), H(fixed_rec));
  auto line = w.converter(4);
  auto r = line.convert(csv_rec);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value());
}

// --- fixed-width fields after conversion ------------------------------------------------

TEST_F(Convert, FixedWidthFieldsAreCheckedAgainAfterConversion) {
  w.write("layouts/two.yaml",
          "format: fixed\nfields:\n  - {name: code, offset: 0, length: 4}\n  - {name: name, offset: 4, length: 4}\n");
  w.write("layouts/wide.yaml",
          "format: fixed\nfields:\n  - {name: code, offset: 0, length: 4}\n  - {name: name, offset: 4, length: 8}\n");
  w.write("layouts/u8.yaml",
          "format: fixed\nfields:\n  - {name: code, offset: 0, length: 2}\n  - {name: name, offset: 2, length: 6}\n");
  w.route(1, "resident", "portal", "none", "two").route(2, "resident", "portal", "none", "wide");
  w.route(3, "portal", "resident", "none", "u8");
  // 住民 is 4 bytes in CP932 and 6 in UTF-8: it no longer fits.
  auto two = w.converter(1);
  EXPECT_CONV_ERROR(failure(two, B("30 31 20 20 8F 5A 96 AF")), "field-overflow", "name", 4);
  EXPECT_CONV_ERROR(failure(two, B("8F 5A 96 AF 41 20 20 20")), "field-overflow", "code", 0);
  // A value that fits is padded with spaces to the field's length; padding in the source
  // is padding, not data, so 住 + 6 spaces (8 bytes) becomes 住 (3) + 5 spaces.
  auto wide = w.converter(2);
  EXPECT_EQ(H(converted(wide, B("30 31 20 20 8F 5A 20 20 20 20 20 20"))), "30 31 20 20 E4 BD 8F 20 20 20 20 20");
  EXPECT_EQ(H(converted(wide, B("30 31 20 20 8F 5A 96 AF 20 20 20 20"))),
            "30 31 20 20 E4 BD 8F E6 B0 91 20 20");
  // Shrinking: 住民 in UTF-8 (6 bytes) is 4 in CP932, padded to 6.
  auto u8 = w.converter(3);
  EXPECT_EQ(H(converted(u8, B("41 42 E4 BD 8F E6 B0 91"))), "41 42 8F 5A 96 AF 20 20");
}

// In a host EBCDIC record, padding is the EBCDIC space (0x40), not ASCII 0x20.
TEST_F(Convert, FixedWidthPaddingIsTheTargetCharsetsSpace) {
  w.write("layouts/k.yaml", "format: fixed\nfields:\n  - {name: kana, offset: 0, length: 3}\n");
  w.route(1, "portal", "host", "none", "k");
  auto conv = w.converter(1);
  EXPECT_EQ(H(converted(conv, B("EF BD B1"))), "81 40 40");  // ｱ (3 bytes in UTF-8, 1 in ibm-930)
}

// --- 縮退 ---------------------------------------------------------------------------------

class Shrink : public Convert {
 protected:
  Shrink() {
    w.write("codemaps/shrink/one.tsv", "from\tto\nU+9AD9\tU+9AD8\n");
    w.write("codemaps/shrink/two.tsv", "from\tto\nU+9AD9\tU+9AD8\nU+9AD9\tU+4F4F\n");
    // Two candidates of which only one fits the target (𠮷 is in no charset here).
    w.write("codemaps/shrink/fits.tsv", "from\tto\nU+9AD9\tU+20BB7\nU+9AD9\tU+9AD8\n");
    w.write("codemaps/profiles/to-jukinet-one.yaml", "base: jukinet\nshrink: one\n");
    w.write("codemaps/profiles/to-jukinet-two.yaml", "base: jukinet\nshrink: two\n");
    w.write("codemaps/profiles/from-jukinet-one.yaml", "base: utf8\nshrink: one\n");
    w.write("codemaps/profiles/from-jukinet-two.yaml", "base: utf8\nshrink: two\n");
    w.write("codemaps/profiles/from-jukinet-fits.yaml", "base: utf8\nshrink: fits\n");
  }
};

// 髙 is in CP932 (FB FC) but not in the unified table: to 住基ネット it is shrunk to 高
// (J+9AD8) through the declared table, and the record carries a note.
TEST_F(Shrink, ToJukinetThroughTheDeclaredTable) {
  w.route(1, "resident", "jukinet", "to-jukinet-one").route(2, "resident", "jukinet", "to-jukinet-two");
  w.route(3, "resident", "jukinet", "jukinet");
  auto one = w.converter(1);
  std::vector<ConversionNote> notes;
  EXPECT_EQ(H(converted(one, B("8F 5A FB FC"), &notes)), "E4 BD 8F E9 AB 98");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].field, "record");
  EXPECT_EQ(notes[0].offset, 2u);
  // Notes, like errors, name the place and the table, never the character.
  EXPECT_EQ(notes[0].what.find("U+"), std::string::npos) << notes[0].what;
  EXPECT_NE(notes[0].what.find("one"), std::string::npos) << notes[0].what;
  // The NEC-selected duplicate of 髙 (EE E0) is the same character.
  notes.clear();
  EXPECT_EQ(H(converted(one, B("EE E0"), &notes)), "E9 AB 98");
  EXPECT_EQ(notes.size(), 1u);
  // 高 itself needs no shrinking and leaves no note.
  notes.clear();
  EXPECT_EQ(H(converted(one, B("8D 82"), &notes)), "E9 AB 98");
  EXPECT_TRUE(notes.empty());
  auto two = w.converter(2);
  EXPECT_CONV_ERROR(failure(two, B("41 FB FC")), "ambiguous-shrink", "record", 1);
  auto none = w.converter(3);  // the built-in profile has no shrink table
  EXPECT_CONV_ERROR(failure(none, B("41 42 FB FC")), "unmappable", "record", 2);
}

// From 住基ネット: CP932 holds 髙 itself (FB FC), so nothing is shrunk (so does every
// Japanese converter in ICU: euc-jp-2007 FC E2, ibm-954 8F F4 F5, ibm-930 0E 67 6B 0F);
// plain JIS X 0208 (ISO-2022-JP) does not, so it shrinks there — only to candidates the
// target can hold.
TEST_F(Shrink, FromJukinetOnlyWhereTheTargetLacksTheCharacter) {
  w.route(1, "jukinet", "resident", "from-jukinet-one").route(2, "jukinet", "jis", "from-jukinet-one");
  w.route(3, "jukinet", "jis", "from-jukinet-two").route(4, "jukinet", "jis", "from-jukinet-fits");
  w.route(5, "jukinet", "jis", "utf8").route(6, "jukinet", "euc", "from-jukinet-one");
  const std::string taka = B("E9 AB 99");
  std::vector<ConversionNote> notes;
  auto cp932 = w.converter(1);
  EXPECT_EQ(H(converted(cp932, taka, &notes)), "FB FC");
  EXPECT_TRUE(notes.empty());
  auto euc = w.converter(6);
  EXPECT_EQ(H(converted(euc, taka, &notes)), "FC E2");
  EXPECT_TRUE(notes.empty());
  auto jis = w.converter(2);
  EXPECT_EQ(H(converted(jis, "A" + taka, &notes)), "41 1B 24 42 39 62 1B 28 42");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].offset, 1u);
  auto two = w.converter(3);
  EXPECT_CONV_ERROR(failure(two, "AB" + taka), "ambiguous-shrink", "record", 2);
  notes.clear();
  auto fits = w.converter(4);
  EXPECT_EQ(H(converted(fits, taka, &notes)), "1B 24 42 39 62 1B 28 42");
  EXPECT_EQ(notes.size(), 1u);
  auto no_table = w.converter(5);
  EXPECT_CONV_ERROR(failure(no_table, "A" + taka), "unmappable", "record", 1);
}

// --- value codes ---------------------------------------------------------------------------

TEST_F(Convert, ValueCodesAreMappedPerField) {
  w.write("codemaps/values/relationship.yaml", "description: 続柄\nmap:\n  \"01\": \"01\"\n  \"11\": \"51\"\n");
  w.write("codemaps/profiles/rel.yaml", "base: jukinet\nvalues:\n  rel: relationship\n");
  w.write("codemaps/profiles/rel-none.yaml", "base: none\nvalues:\n  rel: relationship\n");
  w.write("layouts/person.yaml", "format: csv\nfields:\n  - {name: id}\n  - {name: rel}\n  - {name: note}\n");
  w.write("layouts/person-fixed.yaml",
          "format: fixed\nfields:\n  - {name: id, offset: 0, length: 2}\n  - {name: rel, offset: 2, length: 4}\n");
  w.route(1, "resident", "jukinet", "rel", "person").route(2, "resident", "welfare", "rel-none", "person-fixed");
  auto csv = w.converter(1);
  EXPECT_EQ(converted(csv, "A1,11,11"), "A1,51,11");  // only the field the profile names
  EXPECT_EQ(converted(csv, "A1,01,x"), "A1,01,x");
  EXPECT_CONV_ERROR(failure(csv, "A1,99,11"), "unmappable", "rel", 3);
  EXPECT_CONV_ERROR(failure(csv, "A1,,11"), "unmappable", "rel", 3);
  // Fixed width: compared without the padding, written back padded.
  auto fixed = w.converter(2);
  EXPECT_EQ(converted(fixed, "A111  "), "A151  ");
  EXPECT_CONV_ERROR(failure(fixed, "A112  "), "unmappable", "rel", 2);
}

// A csv header row is converted as text: its names are not value codes.
TEST_F(Convert, CsvHeaderRowIsTextWithoutValueMaps) {
  w.write("codemaps/values/relationship.yaml", "map:\n  \"11\": \"51\"\n");
  w.write("codemaps/profiles/rel.yaml", "base: jukinet\nvalues:\n  rel: relationship\n");
  w.write("layouts/person.yaml", "format: csv\nheader: true\nfields:\n  - {name: id}\n  - {name: rel}\n");
  w.route(1, "resident", "jukinet", "rel", "person");
  auto conv = w.converter(1);
  // しめい,rel (CP932) → the same text in J+ form.
  auto r = conv.convert(B("82 B5 82 DF 82 A2 2C") + "rel", nullptr, true);
  ASSERT_TRUE(r.has_value()) << r.error().describe();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(H(**r), "E3 81 97 E3 82 81 E3 81 84 2C 72 65 6C");
  expect_no_substitution("UTF-8", **r);
  // The same row as data fails: 'rel' is no code of the value table.
  EXPECT_CONV_ERROR(failure(conv, B("82 B5 82 DF 82 A2 2C") + "rel"), "unmappable", "rel", 7);
}

// --- records that do not fit their layout -----------------------------------------------

TEST_F(Convert, BadRecordsNameTheFieldAndOffset) {
  w.write("layouts/three.yaml", "format: csv\nfields:\n  - {name: a}\n  - {name: b}\n  - {name: c}\n");
  w.write("layouts/fixed.yaml",
          "format: fixed\nfields:\n  - {name: a, offset: 0, length: 2}\n  - {name: b, offset: 2, length: 4}\n");
  w.route(1, "resident", "portal", "none", "three").route(2, "resident", "portal", "none", "fixed");
  auto csv = w.converter(1);
  EXPECT_CONV_ERROR(failure(csv, "x,y"), "bad-record", "c", 3);          // a field missing
  EXPECT_CONV_ERROR(failure(csv, "x,y,z,w"), "bad-record", "#4", 6);     // one too many
  EXPECT_CONV_ERROR(failure(csv, "x,\"y,z"), "bad-record", "b", 2);      // quote never closed
  EXPECT_CONV_ERROR(failure(csv, "x,\"y\"z,w"), "bad-record", "b", 5);   // text after the quote
  EXPECT_EQ(converted(csv, "x,\"y,\"\"z\",w"), "x,\"y,\"\"z\",w");      // quoting kept
  auto fixed = w.converter(2);
  EXPECT_CONV_ERROR(failure(fixed, "ab12"), "bad-record", "b", 2);       // too short
  EXPECT_CONV_ERROR(failure(fixed, "a"), "bad-record", "a", 0);
  EXPECT_CONV_ERROR(failure(fixed, "ab12345"), "bad-record", "(end)", 6);  // too long
  EXPECT_EQ(converted(fixed, "ab1234"), "ab1234");
}

// --- illegal sequences in records ------------------------------------------------------------

TEST_F(Convert, IllegalSequencesInRecords) {
  w.write("layouts/pair.yaml", "format: csv\nfields:\n  - {name: a}\n  - {name: b}\n");
  w.route(1, "resident", "welfare", "none").route(2, "resident", "portal", "none").route(3, "jukinet", "resident", "utf8");
  w.route(4, "resident", "portal", "none", "pair").route(5, "portal", "resident", "none", "pair");
  auto same = w.converter(1);  // the fast path: check only
  EXPECT_CONV_ERROR(failure(same, B("41 42 82")), "illegal-sequence", "record", 2);
  EXPECT_CONV_ERROR(failure(same, B("8F 5A 85 40")), "unmappable", "record", 2);  // unassigned
  auto other = w.converter(2);
  EXPECT_CONV_ERROR(failure(other, B("8F 5A 96 AF 8F")), "illegal-sequence", "record", 4);
  EXPECT_CONV_ERROR(failure(other, B("41 81 20")), "illegal-sequence", "record", 1);
  auto utf8 = w.converter(3);
  EXPECT_CONV_ERROR(failure(utf8, B("41 C0 80")), "illegal-sequence", "record", 1);
  EXPECT_CONV_ERROR(failure(utf8, B("E4 BD 8F ED A0 80")), "illegal-sequence", "record", 3);
  EXPECT_CONV_ERROR(failure(utf8, B("F4 90 80 80")), "illegal-sequence", "record", 0);
  // In a csv field, the offset is in the whole record.
  auto csv = w.converter(4);
  EXPECT_CONV_ERROR(failure(csv, B("41 42 2C 43 8F")), "illegal-sequence", "b", 4);
  auto csv_utf8 = w.converter(5);
  EXPECT_CONV_ERROR(failure(csv_utf8, B("41 2C 42 C0 80")), "illegal-sequence", "b", 3);
}

// A quoted csv field: offsets still count the record's own bytes (the quote and any
// doubled quotes before the failing character).
TEST_F(Convert, OffsetsInQuotedCsvFieldsAreRecordOffsets) {
  w.write("layouts/pair.yaml", "format: csv\nfields:\n  - {name: a}\n  - {name: b}\n");
  w.route(1, "jukinet", "resident", "utf8", "pair").route(2, "resident", "portal", "none", "pair");
  auto conv = w.converter(1);
  // "AB가" — 가 is at byte 5 of x,"AB가".
  EXPECT_CONV_ERROR(failure(conv, "x,\"AB" + B("EA B0 80") + "\""), "unmappable", "b", 5);
  // "A""가" — 가 is at byte 6.
  EXPECT_CONV_ERROR(failure(conv, "x,\"A\"\"" + B("EA B0 80") + "\""), "unmappable", "b", 6);
  // At the field's first character: the byte after the quote.
  EXPECT_CONV_ERROR(failure(conv, "x,\"" + B("EA B0 80") + "\""), "unmappable", "b", 3);
  auto cp932 = w.converter(2);
  EXPECT_CONV_ERROR(failure(cp932, "x,\"A\"\"B" + B("82") + "\""), "illegal-sequence", "b", 7);
}

// --- the shipped sample tables --------------------------------------------------------------

// The shipped config and codemaps load together, and route 1 (住民記録 → 住基ネット,
// jukinet) converts the sample gaiji as its table says.
TEST(ShippedCodemaps, LoadAndConvertTheSampleGaiji) {
  auto cat = load_catalogue(RENKEI_SOURCE_DIR "/config");
  ASSERT_TRUE(cat.has_value()) << cat.error().items()[0].str();
  auto maps = load_codemaps(**cat);
  ASSERT_TRUE(maps.has_value()) << maps.error().items()[0].str();
  const RouteDef* r = (*cat)->route(1);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->conversion, "jukinet");
  auto plan = plan_for_route(*cat, *maps, *r);
  ASSERT_TRUE(plan.has_value()) << plan.error();
  auto conv = RecordConverter::create(std::move(*plan));
  ASSERT_TRUE(conv.has_value()) << conv.error();
  // F040 葛󠄀 → J+AC01, F041 (MJ900027 only) → J+AC02, F042 𠮷 → J+AC00, 髙 → 高 (default shrink).
  std::vector<ConversionNote> notes;
  EXPECT_EQ(H(converted(*conv, B("F0 40 F0 41 F0 42 FB FC"), &notes)), "EA B0 81 EA B0 82 EA B0 80 E9 AB 98");
  EXPECT_EQ(notes.size(), 1u);
  EXPECT_CONV_ERROR(failure(*conv, B("41 F0 43")), "gaiji-unmapped", "record", 1);
}

}  // namespace
}  // namespace renkei::testing

namespace renkei::testing {
namespace {

// What convert_chunk does: runs of plain lines at once, the line where that stops alone.
// Returns the output and, per refused line, its number and error.
std::pair<std::string, std::vector<std::string>> by_runs(RecordConverter& conv, std::string_view text) {
  std::string out;
  std::vector<std::string> refused;
  std::size_t line = 0;
  while (!text.empty()) {
    if (const std::size_t n = conv.convert_plain_lines(text, out)) {
      EXPECT_EQ(text[n - 1], '\n');
      line += static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n), '\n'));
      text.remove_prefix(n);
      continue;
    }
    const auto nl = text.find('\n');
    const std::string_view record = text.substr(0, nl);
    ++line;
    auto r = conv.convert_into(record, out);
    if (!r) refused.push_back(std::to_string(line) + ": " + r.error().describe());
    else if (!*r) out += record;
    if (nl != std::string_view::npos) out.push_back('\n');
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return {out, refused};
}

// The same, one line at a time through convert_into only.
std::pair<std::string, std::vector<std::string>> by_lines(RecordConverter& conv, std::string_view text) {
  std::string out;
  std::vector<std::string> refused;
  std::size_t line = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view record = text.substr(0, nl);
    ++line;
    auto r = conv.convert_into(record, out);
    if (!r) refused.push_back(std::to_string(line) + ": " + r.error().describe());
    else if (!*r) out += record;
    if (nl != std::string_view::npos) out.push_back('\n');
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return {out, refused};
}

RecordConverter shipped_converter(int route) {
  auto cat = load_catalogue(RENKEI_SOURCE_DIR "/config");
  EXPECT_TRUE(cat.has_value());
  auto maps = load_codemaps(**cat);
  EXPECT_TRUE(maps.has_value());
  auto plan = plan_for_route(*cat, *maps, *(*cat)->route(route));
  EXPECT_TRUE(plan.has_value());
  auto conv = RecordConverter::create(std::move(*plan));
  EXPECT_TRUE(conv.has_value());
  return std::move(*conv);
}

// Whole lines in one pass (renkeictl convert's fast path) give exactly the bytes and
// errors of converting each line alone: plain lines, gaiji, half-width kana, illegal
// bytes, a lead byte just before '\n', empty lines and a last line without '\n'.
TEST(PlainLines, RunsOfLinesConvertAsEachLineAlone) {
  auto to_utf8 = shipped_converter(6);    // 住民記録 CP932 → UTF-8, none
  auto to_cp932 = shipped_converter(21);  // 住基ネット UTF-8 → CP932, utf8
  const std::vector<std::string> cp932_lines = {
      "000000000001," + B("B1 B2 B3") + "," + B("8E 52 93 63 81 40 91 BE 98 59"),  // ｱｲｳ,山田　太郎
      "",
      B("F0 40 8E 52"),                     // gaiji: general path
      "0123456789abcdef0123456789",         // long ASCII run
      B("8E 52 81"),                        // lead byte before '\n': illegal
      B("8E 52 FF 41"),                     // illegal byte
      B("FB FC 41 42"),                     // 髙
      B("F0 42") + "x",                     // 𠮷 (outside the BMP in UTF-8)
  };
  std::string text;
  for (int round = 0; round < 3; ++round)
    for (const auto& l : cp932_lines) text += l + "\n";
  for (std::string tail : {std::string(), std::string("last"), B("8E 52"), B("8E")}) {
    SCOPED_TRACE("tail " + H(tail));
    const std::string t = text + tail;
    auto runs = by_runs(to_utf8, t);
    auto lines = by_lines(to_utf8, t);
    EXPECT_EQ(H(runs.first), H(lines.first));
    EXPECT_EQ(runs.second, lines.second);
    EXPECT_FALSE(lines.second.empty());
    // And back: the UTF-8 (with the refused lines left out) through route 21.
    auto back_runs = by_runs(to_cp932, lines.first);
    auto back_lines = by_lines(to_cp932, lines.first);
    EXPECT_EQ(H(back_runs.first), H(back_lines.first));
    EXPECT_EQ(back_runs.second, back_lines.second);
  }
  // UTF-8 the fast path declines: illegal, truncated before '\n', private use, IVS.
  const std::string utf8 = "abc\n" + B("E5 B1") + "\n" + B("C0 80") + "\n" + B("EE 80 80") + "\n" +
                           B("E8 91 9B F3 A0 84 80") + "\n" + B("E5 B1 B1 EF BD B1") + "\n" + B("E5 B1");
  auto runs = by_runs(to_cp932, utf8);
  auto lines = by_lines(to_cp932, utf8);
  EXPECT_EQ(H(runs.first), H(lines.first));
  EXPECT_EQ(runs.second, lines.second);
}

}  // namespace
}  // namespace renkei::testing
