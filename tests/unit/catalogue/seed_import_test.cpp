#include <gtest/gtest.h>

#include "unit/catalogue/seed_test_support.hpp"

namespace renkei {
namespace {

using testing::kSeedHeader;
using testing::parse_text;

struct Imported {
  std::vector<RouteDef> routes;
  Diagnostics diags;
};

Imported import_text(const std::string& rows) {
  Imported out;
  static const auto systems = testing::sample_systems();
  SystemIndex index(systems, out.diags);
  auto seed = parse_text(kSeedHeader + rows, out.diags);
  out.routes = import_routes(seed, index, out.diags);
  return out;
}

std::string messages(const Diagnostics& d) {
  std::string s;
  for (const auto& i : d.items()) s += i.str() + "\n";
  return s;
}

TEST(SeedImport, RightArrowKeepsOrder) {
  auto r = import_text("1\t住民記録システム\t→\t住民基本台帳ネットワークシステム\t住民記録情報\t自動\t随時\t該当\tあり\t住基ネット統一\tGWサーバ経由\n");
  ASSERT_TRUE(r.diags.empty()) << messages(r.diags);
  ASSERT_EQ(r.routes.size(), 1u);
  const auto& x = r.routes[0];
  EXPECT_EQ(x.from, "resident-record");
  EXPECT_EQ(x.to, "jukinet");
  EXPECT_EQ(x.method, Method::Auto);
  EXPECT_EQ(x.timing, Timing::Realtime);
  EXPECT_TRUE(x.external);
  EXPECT_EQ(x.conversion, "jukinet");
  EXPECT_EQ(x.via, "gw-server");
  EXPECT_EQ(x.note, "GWサーバ経由");
  EXPECT_EQ(x.topic, "renkei.if.001");
  EXPECT_FALSE(x.schedule);
  ASSERT_TRUE(x.seed);
  EXPECT_EQ(x.seed->line, 2);
  EXPECT_EQ(x.seed->text.substr(0, 2), "1\t");
}

TEST(SeedImport, LeftArrowMeansTheRightHandSystemProduces) {
  auto r = import_text("18\t住民記録システム\t←\t児童手当システム(MISALIO)\t児童手当資格情報\t自動\t日次\t非該当\tなし\t\t\n");
  ASSERT_TRUE(r.diags.empty()) << messages(r.diags);
  const auto& x = r.routes.at(0);
  EXPECT_EQ(x.from, "child-allowance");
  EXPECT_EQ(x.to, "resident-record");
  EXPECT_EQ(x.listed.left, "resident-record");
  EXPECT_EQ(x.listed.arrow, Arrow::Left);
  EXPECT_EQ(x.listed.right, "child-allowance");
  ASSERT_TRUE(x.schedule);
  EXPECT_EQ(x.schedule->cron, default_schedule(Timing::Daily).cron);
  EXPECT_EQ(x.conversion, "none");
}

TEST(SeedImport, AliasesAndSpacingVariantsResolveToOneSystem) {
  auto r = import_text(
      "89\t健康管理システム(健康かるて)\t→\tVRS(ワクチン接種記録システム)\t接種券番号情報\t手動\t任意\t該当\tなし\t\t\n"
      "90\t健康管理システム（健康かるて）\t→\tワクチン接種記録システム(VRS)\tx\t手動\t任意\t該当\tなし\t\t\n"
      "43\t住民記録システム\t→\t地方税共同機構 (eLTAX)\tx\t手動\t年次\t該当\tあり\t\t\n"
      "44\t住民記録システム\t→\t地方税共同機構(eLTAX)\tx\t手動\t月次\t該当\tあり\t\t\n");
  ASSERT_TRUE(r.diags.empty()) << messages(r.diags);
  ASSERT_EQ(r.routes.size(), 4u);
  EXPECT_EQ(r.routes[2].to, "vrs");  // sorted by id: 43 44 89 90
  EXPECT_EQ(r.routes[3].to, "vrs");
  EXPECT_EQ(r.routes[3].from, "health-care");
  EXPECT_EQ(r.routes[0].to, "eltax");
  EXPECT_EQ(r.routes[1].to, "eltax");
  // あり without a spec: a custom profile named after the listed counterpart.
  EXPECT_EQ(r.routes[0].conversion, "eltax");
  EXPECT_EQ(r.routes[0].timing, Timing::Yearly);
  EXPECT_EQ(r.routes[2].timing, Timing::Adhoc);
  EXPECT_FALSE(r.routes[2].schedule);
}

TEST(SeedImport, RemarksBecomeTypedFieldsAndStayVerbatim) {
  auto r = import_text(
      "3\t住民記録システム\t→\t児童手当システム(MISALIO)\tx\t手動\t日次\t該当\tあり\t\t住民記録→GWサーバ→法務省端末\n"
      "93\t介護保険システム(MCWEL)\t→\t国民健康保険団体連合会伝送システム\tx\t手動\t月次\t該当\tなし\t\tシステム間USBメモリ使用\n"
      "21\t住民記録システム\t←\t住民基本台帳ネットワークシステム\tx\t自動\t随時\t該当\tあり\tUNICODE(UTF-8)\tGWサーバ経由\n");
  ASSERT_TRUE(r.diags.empty()) << messages(r.diags);
  EXPECT_EQ(r.routes[0].via, "gw-server");
  EXPECT_EQ(r.routes[0].note, "住民記録→GWサーバ→法務省端末");
  EXPECT_EQ(r.routes[1].conversion, "utf8");
  EXPECT_EQ(r.routes[1].from, "jukinet");
  EXPECT_EQ(r.routes[2].medium, "usb");
  EXPECT_FALSE(r.routes[2].via);
}

TEST(SeedImport, EveryBadFieldIsReportedWithLineAndColumnName) {
  auto r = import_text(
      "1\t住民記録システム\t⇔\t不明システム\tx\t自働\t毎日\t該当\tあり\tSJIS\t\n"
      "2\t住民記録システム\t→\t住民基本台帳ネットワークシステム\tx\t自動\t随時\t該当\tなし\t住基ネット統一\t\n"
      "x\t住民記録システム\t→\t住民基本台帳ネットワークシステム\tx\t自動\t随時\t該当\tなし\t\t\n"
      "4\t住民記録システム\t→\t住民記録システム\tx\t自動\t随時\t該当\tなし\t\t\n"
      "5\t住民記録システム\t→\t住民基本台帳ネットワークシステム\tx\t自動\t随時\t該当\tなし\t\t謎サーバ経由\n");
  EXPECT_TRUE(r.routes.empty());
  const auto all = messages(r.diags);
  EXPECT_NE(all.find("list.tsv:2: field 方向: '⇔' is not one of"), std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:2: field データ連携先システム: unknown system '不明システム'"), std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:2: field 連携方式: '自働'"), std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:2: field 処理タイミング: '毎日'"), std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:3: field コード変換の仕様: '住基ネット統一' given, but コード変換の有無 is なし"),
            std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:4: field No.: 'x' is not a row number"), std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:5: field データ連携先システム: is the same system"), std::string::npos) << all;
  EXPECT_NE(all.find("list.tsv:6: field 備考: hop '謎サーバ' is not a known system"), std::string::npos) << all;
}

TEST(SeedImport, UnknownSpecIsAnError) {
  auto r = import_text("1\t住民記録システム\t→\t住民基本台帳ネットワークシステム\tx\t自動\t随時\t該当\tあり\tSJIS\t\n");
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_NE(r.diags.items()[0].message.find("unknown conversion spec 'SJIS'"), std::string::npos);
}

TEST(SeedImport, DuplicateNumbersAreReported) {
  auto r = import_text(
      "7\t住民記録システム\t→\t住民基本台帳ネットワークシステム\tx\t自動\t随時\t該当\tなし\t\t\n"
      "7\t住民記録システム\t→\t住民基本台帳ネットワークシステム\ty\t自動\t随時\t該当\tなし\t\t\n");
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags.items()[0].str(), "list.tsv:3: field No.: 7 already used on line 2");
  EXPECT_EQ(r.routes.size(), 1u);
}

TEST(SeedImport, FullWidthNumbersAndSpacedWordsAreAccepted) {
  auto r = import_text("１２\t住民記録システム\t → \t住民基本台帳ネットワークシステム\tx\t 自動\t随時　\t該当\tあり\t住基ネット 統一\t\n");
  ASSERT_TRUE(r.diags.empty()) << messages(r.diags);
  EXPECT_EQ(r.routes.at(0).id, 12);
  EXPECT_EQ(r.routes.at(0).conversion, "jukinet");
}

}  // namespace
}  // namespace renkei
