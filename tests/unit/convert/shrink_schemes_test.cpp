// 縮退 through the MJ縮退マップ schemes in the converter: a glyph known only by its MJ
// name (a source 外字 without UCS) shrinks by the first scheme the profile allows that
// gives one candidate the target holds; a rank decides between several; a tie is
// ambiguous-shrink, never a guess.
#include <gtest/gtest.h>

#include "convert_support.hpp"

namespace renkei::testing {
namespace {

class ShrinkSchemes : public ::testing::Test {
 protected:
  ShrinkSchemes() {
    w.system("resident", kCp932).system("portal", "UTF-8").system("peer", kCp932);
    // F044: a 外字 known only by its MJ name; F045: another, with two unranked candidates.
    w.write("codemaps/gaiji/resident.tsv", "local\tmj\tucs\nF044\tMJ000123\t-\nF045\tMJ000456\t-\n");
    w.write("codemaps/shrink/mj.tsv",
            "from\tmj\tto\tscheme\trank\thops\n"
            "-\tMJ000123\tU+5409\tjis-ucs\t-\t-\n"
            "-\tMJ000123\tU+9AD8\tkokuji582\t2\t-\n"
            "-\tMJ000123\tU+5C71\tkokuji582\t1\t-\n"
            "-\tMJ000456\tU+5409\tjis-ucs\t-\t-\n"
            "-\tMJ000456\tU+9AD8\tjis-ucs\t-\t-\n");
  }
  World w;
};

TEST_F(ShrinkSchemes, TheFirstAllowedSchemeDecidesAndARankChoosesWithinIt) {
  w.write("codemaps/profiles/jis.yaml", "base: none\nshrink: mj\nshrink_schemes: [jis-ucs, kokuji582]\n");
  w.write("codemaps/profiles/kokuji.yaml", "base: none\nshrink: mj\nshrink_schemes: [kokuji582, jis-ucs]\n");
  w.route(1, "resident", "peer", "jis").route(2, "resident", "peer", "kokuji");
  auto jis = w.converter(1);
  std::vector<ConversionNote> notes;
  EXPECT_EQ(H(converted(jis, B("41 F0 44"), &notes)), "41 8B 67");  // 吉 by jis-ucs
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].offset, 1u);
  EXPECT_NE(notes[0].what.find("jis-ucs"), std::string::npos) << notes[0].what;
  auto kokuji = w.converter(2);
  EXPECT_EQ(H(converted(kokuji, B("F0 44"))), "8E 52");  // 山, rank 1 of 告示582号
}

TEST_F(ShrinkSchemes, ATieIsAmbiguousAndASchemeNotAllowedIsNotUsed) {
  w.write("codemaps/profiles/jis.yaml", "base: none\nshrink: mj\nshrink_schemes: [jis-ucs]\n");
  w.write("codemaps/profiles/ruisui.yaml", "base: none\nshrink: mj\nshrink_schemes: [ruisui]\n");
  w.route(1, "resident", "peer", "jis").route(2, "resident", "peer", "ruisui");
  auto jis = w.converter(1);
  EXPECT_CONV_ERROR(failure(jis, B("41 42 F0 45")), "ambiguous-shrink", "record", 2);
  auto ruisui = w.converter(2);
  EXPECT_CONV_ERROR(failure(ruisui, B("F0 44")), "gaiji-unmapped", "record", 0);
  w.write("codemaps/profiles/bad.yaml", "base: none\nshrink: mj\nshrink_schemes: [kokuji]\n");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  EXPECT_NE(maps.error().items()[0].str().find("unknown scheme 'kokuji'"), std::string::npos)
      << maps.error().items()[0].str();
}

}  // namespace
}  // namespace renkei::testing
