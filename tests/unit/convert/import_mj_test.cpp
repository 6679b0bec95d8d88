// renkeictl codemap import-mj on a table the size of the published MJ文字情報一覧表
// (58,900 rows, its column set, quoted cells with commas and line breaks, IVS cells
// holding two sequences): every 統一文字 row arrives, with the key UCS the README names,
// and the result loads as codemaps/jukinet/unified.tsv. Times are printed, not asserted.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/convert_command.hpp"
#include "renkei/convert/codemaps.hpp"
#include "support/temp_dir.hpp"

namespace renkei::testing {
namespace {

constexpr int kRows = 58900;

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04X", v);
  return buf;
}

// Row i's glyph: a code point of its own (the URO, then Extension B).
char32_t base_of(int i) { return i < 0x5200 ? 0x4E00 + i : 0x20000 + (i - 0x5200); }

struct Generated {
  std::string text;
  int unified = 0;  // rows the importer must write
  int shared = 0;   // glyphs sharing the previous glyph's J+ code
};

// One in three glyphs is a 統一文字 (J+ from 0x1000 up); one in five has an IVS, one in
// fifty two IVS joined by ';'; one in 97 of the 統一文字 is implemented in the private-use
// area with no 対応するUCS; one in 300 shares its J+ code with the glyph before it.
Generated generate() {
  Generated g;
  std::string& t = g.text;
  t.reserve(kRows * 120);
  t = "\xEF\xBB\xBF図形,font,MJ文字図形名,対応するUCS,実装したUCS,実装したMoji_JohoコレクションIVS,実装したSVS,"
      "戸籍統一文字番号,住基ネット統一文字コード,入管正字コード,入管外字コード,読み,総画数,備考\r\n";
  uint32_t jplus = 0x1000;
  for (int i = 0; i < kRows; ++i) {
    const std::string b = hex(base_of(i));
    std::string corresponding = "U+" + b, implemented = "U+" + b, ivs;
    if (i % 50 == 0) ivs = b + "_E0101;" + b + "_E0102";
    else if (i % 5 == 0) ivs = b + "_E0100";
    std::string code;
    if (i % 300 == 1) {
      code = "J+" + hex(jplus - 1);
      ++g.shared;
    } else if (i % 3 == 0) {
      code = "J+" + hex(jplus++);
      ++g.unified;
      if (i % 97 == 0) {
        corresponding.clear();
        implemented = "U+" + hex(0xF0000 + i);
        ivs.clear();
      }
    }
    char mj[16];
    std::snprintf(mj, sizeof mj, "MJ%06d", i + 1);
    t += ",ipamjm," + std::string(mj) + "," + corresponding + "," + implemented + "," + ivs + ",," +
         std::to_string(100000 + i) + "," + code + ",,," + (i % 7 == 0 ? "\"カン,タン\"" : "カン") + "," +
         std::to_string(1 + i % 30) + "," + (i % 1000 == 0 ? "\"一行目\n\"\"二\"\"行目\"" : "") + "\r\n";
  }
  return g;
}

TEST(ImportMjFullSize, EveryUnifiedRowArrivesAndLoads) {
  TempDir dir;
  const Generated g = generate();
  std::ofstream(dir / "mji.csv", std::ios::binary) << g.text;

  std::ostringstream out, err;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(cli::cmd_codemap_import_mj(dir / "mji.csv", dir / "unified.tsv", out, err), 0) << err.str();
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_NE(err.str().find(": " + std::to_string(g.unified) + " 統一文字 written, " + std::to_string(g.shared) +
                           " glyphs sharing a code skipped"),
            std::string::npos)
      << err.str();

  auto table = JukinetTable::load(dir / "unified.tsv", "codemaps/jukinet/unified.tsv");
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(table.has_value()) << table.error().items()[0].str();
  EXPECT_EQ(table->size(), static_cast<std::size_t>(g.unified));

  const double import_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  const double load_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
  std::printf("[ import-mj ] %d rows imported in %.1f ms; unified.tsv (%d rows) loaded in %.1f ms\n", kRows,
              import_ms, g.unified, load_ms);
  ::testing::Test::RecordProperty("import_ms", std::to_string(import_ms));
  ::testing::Test::RecordProperty("load_ms", std::to_string(load_ms));

  // Row 3: no IVS, 実装したUCS.
  const auto* e = table->by_mj("MJ000004");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->jplus, 0x1001u);
  EXPECT_EQ(e->glyph.ucs, std::u32string(1, base_of(3)));
  // Row 15: one IVS.
  e = table->by_jplus(0x1005);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->glyph.mj, "MJ000016");
  EXPECT_EQ(e->glyph.ucs, (std::u32string{base_of(15), U'\U000E0100'}));
  // Row 150: "XXXX_E0101;XXXX_E0102" — the first sequence.
  e = table->by_mj("MJ000151");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->jplus, 0x1032u);
  EXPECT_EQ(e->glyph.ucs, (std::u32string{base_of(150), U'\U000E0101'}));
  EXPECT_EQ(table->by_ucs(std::u32string{base_of(150), U'\U000E0102'}), nullptr);
  // Row 97·3 = 291: implemented in the private-use area, known by its MJ name only.
  e = table->by_mj("MJ000292");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->glyph.ucs.empty());
  EXPECT_EQ(table->by_ucs(std::u32string(1, static_cast<char32_t>(0xF0000 + 291))), nullptr);
  // Row 301 shares row 300's code; row 300 names it.
  EXPECT_EQ(table->by_mj("MJ000302"), nullptr);
  ASSERT_NE(table->by_mj("MJ000301"), nullptr);
  // The last 統一文字 (after a multi-line 備考 every thousand rows) is where it belongs.
  e = table->by_mj("MJ058897");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->jplus, 0x1000u + 58896 / 3);
  EXPECT_EQ(e->glyph.ucs, std::u32string(1, base_of(58896)));
}

// The key UCS: IVS, else 実装したUCS, else 対応するUCS (a glyph whose own code point is a
// compatibility ideograph keeps it); a bad cell names its line and column.
TEST(ImportMj, KeyColumnOrderAndBadCells) {
  TempDir dir;
  const std::string header = "MJ文字図形名\t対応するUCS\t実装したUCS\t実装したMoji_JohoコレクションIVS\t住基ネット統一文字コード\n";
  std::ofstream(dir / "a.tsv") << header << "MJ030268\tU+6F22\tU+FA47\t\tJ+FA47\n"
                               << "MJ015841\tU+6F22\t\t\tJ+6F22\n"
                               << "MJ000001\tU+4E00\tU+4E00\t;4E00_E0100\tJ+4E00\n";
  std::ostringstream out, err;
  ASSERT_EQ(cli::cmd_codemap_import_mj(dir / "a.tsv", "", out, err), 0) << err.str();
  EXPECT_NE(out.str().find("jplus\tmj\tucs\nJ+FA47\tMJ030268\tU+FA47\nJ+6F22\tMJ015841\tU+6F22\nJ+4E00\tMJ000001\tU+4E00 U+E0100\n"),
            std::string::npos)
      << out.str();

  for (const auto& [row, message] : std::vector<std::pair<std::string, std::string>>{
           {"MJ000001\tU+4E00\tU+4E00\t秘密\tJ+4E00\n", ":2: column 実装したMoji_JohoコレクションIVS: not a UCS sequence"},
           {"MJ000001\tU+4E00\t秘密\t\tJ+4E00\n", ":2: column 実装したUCS: not a UCS sequence"},
           {"MJ000001\tU+4E00\tU+4E00\tE0100\tJ+4E00\n", ":2: column 実装したMoji_JohoコレクションIVS: not a UCS"},
           {"秘密\tU+4E00\tU+4E00\t\tJ+4E00\n", ":2: column MJ文字図形名: not an MJ文字図形名"},
       }) {
    SCOPED_TRACE(row);
    std::ofstream(dir / "b.tsv") << header << row;
    std::ostringstream o, e;
    EXPECT_EQ(cli::cmd_codemap_import_mj(dir / "b.tsv", "", o, e), 1);
    EXPECT_NE(e.str().find((dir / "b.tsv") + message), std::string::npos) << e.str();
    EXPECT_EQ(e.str().find("秘密"), std::string::npos) << e.str();
  }
  std::ofstream(dir / "c.csv") << "MJ文字図形名,住基ネット統一文字コード,備考\nMJ000001,J+4E00,\"open\n";
  std::ostringstream o, e;
  EXPECT_EQ(cli::cmd_codemap_import_mj(dir / "c.csv", "", o, e), 1);
  EXPECT_NE(e.str().find((dir / "c.csv") + ":2: a quoted cell is not closed before the end of the file"),
            std::string::npos)
      << e.str();
}

}  // namespace
}  // namespace renkei::testing
