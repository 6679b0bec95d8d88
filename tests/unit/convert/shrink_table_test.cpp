// ShrinkTable: both file formats of codemaps/README.md, every bad cell located as
// file:line: column, and choose() deciding between candidates as a profile's schemes,
// 順位 and ホップ数 say — or refusing to.
#include <gtest/gtest.h>

#include <fstream>

#include "renkei/convert/codemaps.hpp"
#include "support/temp_dir.hpp"

namespace renkei::testing {
namespace {

using Kind = ShrinkChoice::Kind;

std::string all_of(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d.sorted()) out += x.str() + "\n";
  return out;
}

void expect_diag(const Diagnostics& d, int line, const std::string& fragment) {
  int found = 0;
  for (const auto& x : d.items())
    if (x.file == "shrink/t.tsv" && x.line == line && x.message.find(fragment) != std::string::npos) ++found;
  EXPECT_EQ(found, 1) << "want shrink/t.tsv:" << line << ": …" << fragment << "…\ngot:\n" << all_of(d);
}

class ShrinkTableTest : public ::testing::Test {
 protected:
  Result<ShrinkTable> load(const std::string& text) {
    std::ofstream(dir / "t.tsv", std::ios::binary) << text;
    return ShrinkTable::load(dir / "t.tsv", "shrink/t.tsv");
  }
  ShrinkTable loaded(const std::string& text) {
    auto t = load(text);
    if (!t) {
      ADD_FAILURE() << all_of(t.error());
      return {};
    }
    return std::move(*t);
  }
  TempDir dir;
};

const auto kAll = [](std::u32string_view) { return true; };
std::function<bool(std::u32string_view)> all_but(std::u32string excluded) {
  return [excluded](std::u32string_view s) { return s != excluded; };
}

constexpr const char* kSixHeader = "from\tmj\tto\tscheme\trank\thops\n";

// --- the two-column format ------------------------------------------------------------

TEST_F(ShrinkTableTest, TheShippedTwoColumnTableLoadsAsBefore) {
  auto t = ShrinkTable::load(RENKEI_SOURCE_DIR "/codemaps/shrink/default.tsv", "codemaps/shrink/default.tsv");
  ASSERT_TRUE(t.has_value()) << all_of(t.error());
  ASSERT_NE(t->candidates(U"\u9AD9"), nullptr);
  EXPECT_EQ(*t->candidates(U"\u9AD9"), std::vector<std::u32string>{U"\u9AD8"});
  EXPECT_EQ(t->candidates(U"\u9AD8"), nullptr);
  EXPECT_EQ(t->schemes(), std::vector<std::string>{"table"});
  const ShrinkChoice c = t->choose(U"\u9AD9", "", {}, kAll);
  ASSERT_EQ(c.kind, Kind::One);
  EXPECT_EQ(*c.to, U"\u9AD8");
  EXPECT_EQ(c.scheme, "table");
  EXPECT_EQ(c.candidates, 1u);
  EXPECT_EQ(t->choose(U"\u9AD9", "", {"table"}, kAll).kind, Kind::One);
  EXPECT_EQ(t->choose(U"\u9AD9", "", {}, all_but(U"\u9AD8")).kind, Kind::None);
  EXPECT_EQ(t->choose(U"\u9AD9", "", {"koseki"}, kAll).kind, Kind::None) << "a scheme the table lacks";
}

TEST_F(ShrinkTableTest, TwoColumnsWithoutHeaderAndTwoCandidatesStayAmbiguous) {
  ShrinkTable t = loaded("# no header\nU+9AD9\tU+9AD8\nU+9AD9\tU+4F4F\n");
  EXPECT_EQ(*t.candidates(U"\u9AD9"), (std::vector<std::u32string>{U"\u9AD8", U"\u4F4F"}));
  const ShrinkChoice c = t.choose(U"\u9AD9", "", {}, kAll);
  EXPECT_EQ(c.kind, Kind::Ambiguous);
  EXPECT_EQ(c.to, nullptr);
  EXPECT_EQ(c.candidates, 2u);
  // The target holding only one of them decides.
  const ShrinkChoice one = t.choose(U"\u9AD9", "", {}, all_but(U"\u4F4F"));
  ASSERT_EQ(one.kind, Kind::One);
  EXPECT_EQ(*one.to, U"\u9AD8");
}

// --- the six-column format: every cell checked ------------------------------------------

TEST_F(ShrinkTableTest, SixColumnProblemsAreLocatedByLineAndColumn) {
  auto t = load(std::string("# imported\n") + kSixHeader +       // 1, 2
                "U+9AD9\tMJ000001\tU+9AD8\tjis-ucs\t-\t-\n"      // 3 fine
                "U+9AD9\t-\tU+9AD8\tjis-ucs\t-\t-\n"             // 4 same source, target, scheme as 3
                "-\tMJ000001\tU+9AD8\tjis-ucs\t1\t-\n"           // 5 same by MJ name as 3
                "9AD9\t-\tU+9AD8\tkoseki\t-\t-\n"                // 6 from not U+
                "-\tMJ00001\tU+9AD8\tkoseki\t-\t-\n"             // 7 bad MJ name
                "-\t-\tU+9AD8\tkoseki\t-\t-\n"                   // 8 no source
                "U+5409\t-\t-\tkoseki\t-\t-\n"                   // 9 no target
                "U+5409\t-\tU+E000\tkoseki\t-\t-\n"              // 10 a PUA target
                "U+5409\t-\tU+5409\tkoseki\t-\t-\n"              // 11 to itself
                "U+5409\t-\tU+5406\tkanji\t-\t-\n"               // 12 unknown scheme
                "U+5409\t-\tU+5406\tkokuji582\t一\t-\n"          // 13 rank not digits
                "U+5409\t-\tU+5406\tkoseki\t-\t1234567\n"        // 14 hops too long
                "U+5409\t-\tU+5406\tkoseki\t-\n"                 // 15 five columns
                "U+5409\t-\tU+E0100\tkoseki\t-\t-\n"             // 16 a selector first
                "U+5409\tMJ000002\tU+5406\tkokuji582\t2\t-\n");  // 17 fine
  ASSERT_FALSE(t.has_value());
  const Diagnostics& d = t.error();
  expect_diag(d, 4, "the same source, target and scheme are already on line 3");
  expect_diag(d, 5, "the same source, target and scheme are already on line 3");
  expect_diag(d, 6, "column from: not a U+XXXX sequence");
  expect_diag(d, 7, "column mj: not an MJ文字図形名");
  expect_diag(d, 8, "columns from and mj: the row needs its source");
  expect_diag(d, 9, "column to: not a U+XXXX sequence");
  expect_diag(d, 10, "column to: a private-use code point is no shrink target");
  expect_diag(d, 11, "column to: a character cannot shrink to itself");
  expect_diag(d, 12, "column scheme: not one of table, jis-ucs, kokuji582, koseki, ruisui");
  expect_diag(d, 13, "column rank: not a whole number");
  expect_diag(d, 14, "column hops: not a whole number");
  expect_diag(d, 15, "expected 6 columns (from, mj, to, scheme, rank, hops), found 5");
  expect_diag(d, 16, "column to: a variation selector cannot stand first");
  EXPECT_EQ(d.size(), 13u) << all_of(d);
  // No cell's text is repeated in a message.
  for (const auto& x : d.items()) {
    EXPECT_EQ(x.message.find("9AD9'"), std::string::npos) << x.str();
    EXPECT_EQ(x.message.find("kanji"), std::string::npos) << x.str();
    EXPECT_EQ(x.message.find("一"), std::string::npos) << x.str();
  }
}

TEST_F(ShrinkTableTest, AnUnknownHeaderIsOneErrorNotOnePerRow) {
  auto t = load("from\tmj\tto\tscheme\trank\n"
                "U+9AD9\t-\tU+9AD8\tjis-ucs\t-\n");
  ASSERT_FALSE(t.has_value());
  expect_diag(t.error(), 1, "header: expected the columns 'from to' or 'from mj to scheme rank hops'");
  EXPECT_EQ(t.error().size(), 1u) << all_of(t.error());
  // Six columns without their header are refused with the reason.
  auto headless = load("U+9AD9\t-\tU+9AD8\tjis-ucs\t-\t-\n");
  ASSERT_FALSE(headless.has_value());
  expect_diag(headless.error(), 1, "a six-column table needs its header row");
}

// --- choose() -----------------------------------------------------------------------------

// 㐂 U+3402 has a candidate in every scheme; the file lists the schemes in this order.
constexpr const char* kRanked =
    "U+3402\t-\tU+559C\tjis-ucs\t-\t-\n"
    "U+3402\t-\tU+6B61\tkoseki\t-\t2\n"
    "U+3402\t-\tU+5F69\tkoseki\t-\t1\n"
    "U+3402\t-\tU+559C\tkokuji582\t2\t-\n"
    "U+3402\t-\tU+6B53\tkokuji582\t1\t-\n"
    "U+3402\t-\tU+4E03\truisui\t-\t-\n"
    "U+3402\t-\tU+4E00\truisui\t-\t-\n";

TEST_F(ShrinkTableTest, TheFirstAllowedSchemeWithAFittingCandidateDecides) {
  ShrinkTable t = loaded(std::string(kSixHeader) + kRanked);
  EXPECT_EQ(t.schemes(), (std::vector<std::string>{"jis-ucs", "koseki", "kokuji582", "ruisui"}));
  auto pick = [&](const std::vector<std::string>& schemes, const std::function<bool(std::u32string_view)>& fits) {
    const ShrinkChoice c = t.choose(U"\u3402", "", schemes, fits);
    return c.kind == Kind::One ? c.scheme + ":" + format_ucs_sequence(*c.to)
                               : (c.kind == Kind::None ? "none" : "ambiguous:" + c.scheme + ":" +
                                                                      std::to_string(c.candidates));
  };
  EXPECT_EQ(pick({}, kAll), "jis-ucs:U+559C") << "no schemes named: the file's order";
  EXPECT_EQ(pick({"kokuji582", "jis-ucs"}, kAll), "kokuji582:U+6B53") << "the profile's order, rank 1 first";
  EXPECT_EQ(pick({"koseki"}, kAll), "koseki:U+5F69") << "the fewest hops";
  EXPECT_EQ(pick({"ruisui", "koseki"}, kAll), "ambiguous:ruisui:2") << "no rank, no hops: ambiguous";
  // fits() leaves out what the target cannot hold, before anything is ranked.
  EXPECT_EQ(pick({}, all_but(U"\u559C")), "koseki:U+5F69");
  EXPECT_EQ(pick({"kokuji582"}, all_but(U"\u6B53")), "kokuji582:U+559C") << "rank 2 when rank 1 does not fit";
  EXPECT_EQ(pick({"ruisui"}, all_but(U"\u4E00")), "ruisui:U+4E03");
  EXPECT_EQ(pick({"jis-ucs"}, all_but(U"\u559C")), "none");
  EXPECT_EQ(pick({"table"}, kAll), "none");
  EXPECT_EQ(pick({}, [](std::u32string_view) { return false; }), "none");
  // candidates() still answers every scheme, each target once.
  EXPECT_EQ(t.candidates(U"\u3402")->size(), 6u);
}

TEST_F(ShrinkTableTest, TiesAndMissingRanksAreAmbiguousOrFallToHops) {
  ShrinkTable t = loaded(std::string(kSixHeader) +
                         "U+5409\t-\tU+5406\tkokuji582\t1\t-\n"   // two of rank 1: rank cannot decide
                         "U+5409\t-\tU+5408\tkokuji582\t1\t-\n"
                         "U+5409\t-\tU+540C\tkokuji582\t2\t-\n"
                         "U+9AD9\t-\tU+9AD8\tkoseki\t-\t1\n"      // two of 1 hop: ambiguous
                         "U+9AD9\t-\tU+4F4F\tkoseki\t-\t1\n"
                         "U+6F22\t-\tU+6C49\tkokuji582\t1\t3\n"   // one without a rank: the hops decide
                         "U+6F22\t-\tU+6C4A\tkokuji582\t-\t2\n"
                         "U+6F23\t-\tU+6C49\tkoseki\t1\t-\n"      // ranks tie and no hops at all
                         "U+6F23\t-\tU+6C4A\tkoseki\t1\t2\n");
  ShrinkChoice c = t.choose(U"\u5409", "", {}, kAll);
  EXPECT_EQ(c.kind, Kind::Ambiguous);
  EXPECT_EQ(c.candidates, 3u);
  c = t.choose(U"\u5409", "", {}, all_but(U"\u5406"));
  ASSERT_EQ(c.kind, Kind::One) << "with one of the rank-1 pair unfit, the other is the lowest";
  EXPECT_EQ(*c.to, U"\u5408");
  EXPECT_EQ(c.candidates, 2u);
  c = t.choose(U"\u9AD9", "", {"koseki"}, kAll);
  EXPECT_EQ(c.kind, Kind::Ambiguous);
  EXPECT_EQ(c.candidates, 2u);
  EXPECT_EQ(c.scheme, "koseki");
  c = t.choose(U"\u6F22", "", {}, kAll);
  ASSERT_EQ(c.kind, Kind::One);
  EXPECT_EQ(*c.to, U"\u6C4A");
  EXPECT_EQ(t.choose(U"\u6F23", "", {}, kAll).kind, Kind::Ambiguous);
}

TEST_F(ShrinkTableTest, SourcesKnownByMjNameOnly) {
  ShrinkTable t = loaded(std::string(kSixHeader) +
                         "-\tMJ000123\tU+5409\tjis-ucs\t-\t-\n"
                         "-\tMJ000123\tU+5406\tkokuji582\t2\t-\n"
                         "-\tMJ000123\tU+5409\tkokuji582\t1\t-\n"
                         "U+20BB7\tMJ000124\tU+5409\tjis-ucs\t-\t-\n"
                         "-\tMJ000124\tU+5406\tkoseki\t-\t-\n");
  EXPECT_EQ(t.candidates(U"\u5409"), nullptr);
  ASSERT_NE(t.candidates_by_mj("MJ000123"), nullptr);
  EXPECT_EQ(*t.candidates_by_mj("MJ000123"), (std::vector<std::u32string>{U"\u5409", U"\u5406"}));
  EXPECT_EQ(t.candidates_by_mj("MJ999999"), nullptr);
  // No row for the sequence: the MJ name finds them.
  ShrinkChoice c = t.choose(U"\U00020BB6", "MJ000123", {"kokuji582"}, kAll);
  ASSERT_EQ(c.kind, Kind::One);
  EXPECT_EQ(*c.to, U"\u5409");
  c = t.choose(U"", "MJ000123", {}, all_but(U"\u5409"));
  ASSERT_EQ(c.kind, Kind::One);
  EXPECT_EQ(*c.to, U"\u5406");
  EXPECT_EQ(c.scheme, "kokuji582");
  EXPECT_EQ(t.choose(U"\U00020BB6", "", {}, kAll).kind, Kind::None) << "without the MJ name, nothing";
  // The sequence's rows first; when none of them fits, the MJ name's.
  c = t.choose(U"\U00020BB7", "MJ000124", {}, kAll);
  ASSERT_EQ(c.kind, Kind::One);
  EXPECT_EQ(c.scheme, "jis-ucs");
  c = t.choose(U"\U00020BB7", "MJ000124", {}, all_but(U"\u5409"));
  ASSERT_EQ(c.kind, Kind::One);
  EXPECT_EQ(*c.to, U"\u5406");
  EXPECT_EQ(c.scheme, "koseki");
}

}  // namespace
}  // namespace renkei::testing
