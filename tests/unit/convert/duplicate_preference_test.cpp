// CP932's duplicate codes (profile `cp932_duplicates`): Windows' choice by default, the
// NEC-selected rows or IBM's rows where a peer asks for them, JIS X 0208 always first; every
// choice decodes back to the same character.
#include <gtest/gtest.h>

#include "convert_support.hpp"
#include "renkei/convert/duplicate_preference.hpp"

namespace renkei::testing {
namespace {

std::string utf8(std::u32string_view s) {
  auto cs = open_charset("UTF-8");
  std::string out;
  if (!cs || !(*cs)->encode(s, out)) ADD_FAILURE() << "not encodable: " << U(s);
  return out;
}

class Duplicates : public ::testing::Test {
 protected:
  Duplicates() {
    w.system("portal", "UTF-8").system("resident", kCp932).system("peer", kCp932).system("euc", "euc-jp-2007");
    w.write("codemaps/profiles/nec.yaml", "base: none\ncp932_duplicates: nec-selected\n");
    w.write("codemaps/profiles/ibm.yaml", "base: none\ncp932_duplicates: ibm\n");
    w.write("codemaps/profiles/win.yaml", "base: none\ncp932_duplicates: windows\n");
    w.route(1, "portal", "peer", "win").route(2, "portal", "peer", "nec").route(3, "portal", "peer", "ibm");
    w.route(4, "resident", "peer", "nec").route(5, "resident", "peer", "ibm");
  }
  World w;
};

// ≒ (JIS / NEC row 13), ∵ (JIS / IBM), Ⅰ № ℡ ㈱ (NEC row 13 / IBM), ⅰ 纊 髙 﨑 ￤ (IBM / NEC-selected), ∮ (NEC row 13 only).
constexpr const char32_t* kSample = U"\u2252\u2235\u2160\u2116\u2121\u3231\u2170\u7E8A\u9AD9\uFA11\uFFE4\u222E";

TEST_F(Duplicates, WindowsIsTheDefaultAndWhatIcuWrites) {
  auto win = w.converter(1);
  EXPECT_EQ(H(converted(win, utf8(kSample))), "81 E0 81 E6 87 54 87 82 87 84 87 8A FA 40 FA 5C FB FC FA B1 FA 55 87 93");
}

TEST_F(Duplicates, NecSelectedTakesTheIbmKanjiAndNumeralsOnly) {
  auto nec = w.converter(2);
  EXPECT_EQ(H(converted(nec, utf8(kSample))), "81 E0 81 E6 87 54 87 82 87 84 87 8A EE EF ED 40 EE E0 ED 95 EE FA 87 93");
  // Between systems of one charset the codes are written again: FA 40 → EE EF.
  auto same = w.converter(4);
  EXPECT_EQ(H(converted(same, B("41 FA 40 87 54 81 E0"))), "41 EE EF 87 54 81 E0");
}

TEST_F(Duplicates, IbmTakesNecRow13sCharactersWhereItsRowsHaveThemButNeverAJisCode) {
  auto ibm = w.converter(3);
  EXPECT_EQ(H(converted(ibm, utf8(kSample))), "81 E0 81 E6 FA 4A FA 59 FA 5A FA 58 FA 40 FA 5C FB FC FA B1 FA 55 87 93");
  auto same = w.converter(5);
  EXPECT_EQ(H(converted(same, B("87 54 ED 40"))), "FA 4A FA 5C");
}

TEST_F(Duplicates, EveryCharacterRoundTripsUnderEveryPreferenceAndLandsInItsRows) {
  auto cs = open_charset(kCp932);
  ASSERT_TRUE(cs);
  for (auto pref : {DuplicatePreference::Windows, DuplicatePreference::NecSelected, DuplicatePreference::Ibm}) {
    SCOPED_TRACE(std::string(to_string(pref)));
    auto inner = open_charset(kCp932);
    ASSERT_TRUE(inner);
    auto p = with_duplicate_preference(std::move(*inner), pref);
    ASSERT_TRUE(p) << p.error();
    int nec_selected = 0, ibm = 0;
    for (unsigned lead = 0x81; lead <= 0xFC; ++lead) {
      if (lead >= 0xA0 && lead <= 0xDF) continue;
      for (unsigned trail = 0x40; trail <= 0xFC; ++trail) {
        const std::string cell{static_cast<char>(lead), static_cast<char>(trail)};
        std::u32string text;
        if (!(*cs)->decode(cell, text) || text.size() != 1) continue;
        std::string out;
        ASSERT_TRUE((*p)->encode(text, out)) << H(cell);
        std::u32string back;
        ASSERT_TRUE((*cs)->decode(out, back)) << H(cell) << " → " << H(out);
        EXPECT_EQ(back, text) << H(cell) << " → " << H(out);
        const auto o = static_cast<unsigned char>(out[0]);
        nec_selected += o == 0xED || o == 0xEE;
        ibm += o >= 0xFA && o <= 0xFC;
      }
    }
    // Windows never writes the NEC-selected rows; NEC-selected writes no IBM code the
    // NEC-selected rows also hold.
    if (pref == DuplicatePreference::NecSelected) {
      EXPECT_GT(nec_selected, 350);
    } else {
      EXPECT_EQ(nec_selected, 0);
    }
    EXPECT_GT(ibm + nec_selected, 350);
  }
}

TEST_F(Duplicates, APreferenceForATargetThatIsNoShiftJisIsRefusedAtLoad) {
  w.route(6, "portal", "euc", "nec");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  const std::string first = maps.error().items()[0].str();
  EXPECT_NE(first.find("route 6"), std::string::npos) << first;
  EXPECT_NE(first.find("Shift_JIS-family"), std::string::npos) << first;
  w.write("codemaps/profiles/bad.yaml", "base: none\ncp932_duplicates: nec\n");
  auto bad = w.codemaps();
  ASSERT_FALSE(bad.has_value());
  bool named = false;
  for (const auto& d : bad.error().items()) named |= d.str().find("bad.yaml:2") != std::string::npos;
  EXPECT_TRUE(named) << bad.error().items()[0].str();
}

}  // namespace
}  // namespace renkei::testing
