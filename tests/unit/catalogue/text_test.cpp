#include <gtest/gtest.h>

#include "renkei/text.hpp"

namespace renkei {
namespace {

TEST(SystemNameKey, WidthAndSpacingVariantsCompareEqual) {
  EXPECT_EQ(system_name_key("地方税共同機構 (eLTAX)"), system_name_key("地方税共同機構(eLTAX)"));
  EXPECT_EQ(system_name_key("福祉医療システム　（ＭＩＳＡＬＩＯ）"), system_name_key("福祉医療システム(MISALIO)"));
  EXPECT_EQ(system_name_key("ＧＷサーバ"), system_name_key("GWサーバ"));
  EXPECT_EQ(system_name_key("ｶﾞ"), system_name_key("ガ"));
}

TEST(SystemNameKey, DifferentSystemsStayDifferent) {
  EXPECT_NE(system_name_key("国民健康保険団体連合会"), system_name_key("国民健康保険団体連合会伝送システム"));
  EXPECT_NE(system_name_key("VRS(ワクチン接種記録システム)"), system_name_key("ワクチン接種記録システム(VRS)"));
}

TEST(NormalizeCell, TrimsIncludingIdeographicSpace) {
  EXPECT_EQ(normalize_cell("　自動 "), "自動");
  EXPECT_EQ(normalize_cell("１２"), "12");
}

TEST(Utf8, RejectsShiftJisBytes) {
  EXPECT_TRUE(is_valid_utf8("住民記録"));
  EXPECT_FALSE(is_valid_utf8("\x8f\x5a\x96\xaf"));  // 住民 in Shift_JIS
}

TEST(Split, KeepsEmptyTrailingCells) {
  auto cells = split("a\t\tb\t", '\t');
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[1], "");
  EXPECT_EQ(cells[3], "");
}

}  // namespace
}  // namespace renkei
