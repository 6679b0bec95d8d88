#include <gtest/gtest.h>

#include "unit/catalogue/seed_test_support.hpp"

namespace renkei {
namespace {

using testing::kSeedHeader;
using testing::parse_text;

TEST(SeedParser, SkipsTitlePageBreaksAndRepeatedHeaders) {
  Diagnostics d;
  auto seed = parse_text(
      "\xEF\xBB\xBF\n\n### 【別紙3】連携一覧\n\n" + kSeedHeader +
          "1\tA\t→\tB\tx\t自動\t随時\t該当\tあり\t住基ネット統一\tGWサーバ経由\r\n"
          "\n\n" + kSeedHeader +
          "2\tA\t←\tB\ty\t手動\t日次\t非該当\tなし\t\t\n",
      d);
  EXPECT_TRUE(d.empty()) << d.items().front().str();
  ASSERT_EQ(seed.rows.size(), 2u);
  EXPECT_EQ(seed.title.size(), 1u);
  EXPECT_EQ(seed.rows[0].line, 6);
  EXPECT_EQ(seed.rows[1].line, 10);
  EXPECT_EQ(seed.rows[0].cells[kColRemark], "GWサーバ経由");  // CR stripped
  EXPECT_EQ(seed.rows[1].raw, "2\tA\t←\tB\ty\t手動\t日次\t非該当\tなし\t\t");
}

TEST(SeedParser, AcceptsMissingTrailingCells) {
  Diagnostics d;
  auto seed = parse_text(kSeedHeader + "2\tA\t→\tB\ty\t手動\t日次\t非該当\tなし\n", d);
  EXPECT_TRUE(d.empty());
  ASSERT_EQ(seed.rows.size(), 1u);
  EXPECT_EQ(seed.rows[0].cells[kColRemark], "");
}

TEST(SeedParser, ReportsShortAndLongRowsWithTheirLines) {
  Diagnostics d;
  auto seed = parse_text(kSeedHeader + "1\tA\t→\tB\n2\tA\t→\tB\ty\t手動\t日次\t非該当\tなし\t\t\textra\n", d);
  EXPECT_TRUE(seed.rows.empty());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.items()[0].str(), "list.tsv:2: row has 4 tab-separated fields, expected 11");
  EXPECT_EQ(d.items()[1].line, 3);
}

TEST(SeedParser, RejectsAFileWithoutHeader) {
  Diagnostics d;
  parse_text("1\tA\t→\tB\n", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d.items()[0].message.find("No."), std::string::npos);
}

TEST(SeedParser, RejectsAReorderedHeader) {
  Diagnostics d;
  parse_text("No.\t方向\tデータ作成元システム\tデータ連携先システム\t連携情報名・主な項目\t連携方式\t処理タイミング\t"
             "調達範囲外システムとの連携対象\tコード変換の有無\tコード変換の仕様\t備考\n",
             d);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NE(d.items()[0].message.find("column 2"), std::string::npos) << d.items()[0].message;
}

TEST(SeedParser, RejectsNonUtf8Lines) {
  Diagnostics d;
  parse_text(kSeedHeader + "1\t\x8f\x5a\x96\xaf\t→\tB\ty\t手動\t日次\t非該当\tなし\t\t\n", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.items()[0].line, 2);
  EXPECT_NE(d.items()[0].message.find("UTF-8"), std::string::npos);
}

}  // namespace
}  // namespace renkei
