// Codemap validation: every problem is reported as file:line (Diagnostic.file and .line)
// and loading goes on, so one run shows them all.
#include <gtest/gtest.h>

#include "convert_support.hpp"
#include "renkei/catalogue/config_loader.hpp"

namespace renkei::testing {
namespace {

// The diagnostics as "file:line: message", sorted, for messages on failure.
std::string all_of(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d.sorted()) out += x.str() + "\n";
  return out;
}

// Exactly one diagnostic at file:line whose message contains `fragment`.
void expect_diag(const Diagnostics& d, const std::string& file, int line, const std::string& fragment) {
  int found = 0;
  for (const auto& x : d.items())
    if (x.file == file && x.line == line && x.message.find(fragment) != std::string::npos) ++found;
  EXPECT_EQ(found, 1) << "want " << file << ":" << line << ": …" << fragment << "…\ngot:\n" << all_of(d);
}

class Codemaps : public ::testing::Test {
 protected:
  Codemaps() {
    w.system("resident", kCp932).system("jukinet", "UTF-8").system("portal", "UTF-8");
    w.write("codemaps/jukinet/unified.tsv", kUnified);
  }
  Diagnostics errors() {
    auto m = w.codemaps();
    if (m) {
      ADD_FAILURE() << "codemaps loaded without an error";
      return {};
    }
    return m.error();
  }
  World w;
};

// --- gaiji tables ------------------------------------------------------------------

TEST_F(Codemaps, GaijiTableProblemsAreLocated) {
  w.write("codemaps/gaiji/resident.tsv",
          "# comment line 1\n"
          "local\tmj\tucs\n"                    // 2: header
          "F040\tMJ000001\tU+845B U+E0100\n"    // 3
          "\n"                                  // 4
          "F040\tMJ000002\tU+20BB7\n"           // 5: duplicate local code
          "F041\tMJ000003\tU+845B U+E0100\n"    // 6: same UCS as line 3
          "F042\tMJ000001\t-\n"                 // 7: same MJ as line 3
          "8140\tMJ000004\tU+9DD7\n"            // 8: 0x8140 is U+3000, no PUA
          "U+4E00\tMJ000005\tU+9DD7\n"          // 9: U+4E00 is no PUA either
          "F043\tMJ12345\tU+9DD7\n"             // 10: MJ + 5 digits
          "F044\tXJ000006\tU+9DD7\n"            // 11: not MJ
          "F045\tMJ000007\tU+E000\n"            // 12: a PUA code point as glyph
          "F046\tMJ000008\tU+E0100\n"           // 13: a selector first
          "F047\tMJ000009\t845B\n"              // 14: not U+
          "F048\t-\t-\n"                        // 15: no glyph at all
          "F049\tMJ000010\n"                    // 16: two columns
          "F0\tMJ000011\tU+9DD8\n"              // 17: one byte, not a character
          "F04A\tMJ000012\tU+9DD9\n");          // 18: fine
  const Diagnostics d = errors();
  const std::string f = "codemaps/gaiji/resident.tsv";
  expect_diag(d, f, 5, "local code F040 is already mapped on line 3");
  expect_diag(d, f, 6, "conflict: U+845B U+E0100 is also the glyph of line 3");
  expect_diag(d, f, 7, "conflict: MJ000001 is also the glyph of line 3");
  expect_diag(d, f, 8, "U+3000 is not in a private-use area");
  expect_diag(d, f, 9, "U+4E00 is not in a private-use area");
  expect_diag(d, f, 10, "'MJ12345' is not an MJ文字図形名");
  expect_diag(d, f, 11, "'XJ000006' is not an MJ文字図形名");
  expect_diag(d, f, 12, "private-use code point (U+E000)");
  expect_diag(d, f, 13, "a variation selector cannot stand first");
  expect_diag(d, f, 14, "'845B' is not a U+XXXX sequence");
  expect_diag(d, f, 15, "a gaiji needs an MJ name, a UCS sequence or both");
  expect_diag(d, f, 16, "expected 3 columns");
  expect_diag(d, f, 17, "bytes F0 are not one character in ibm-943_P15A-2003");
  EXPECT_EQ(d.size(), 13u) << all_of(d);
}

TEST_F(Codemaps, GaijiTableForAnUnknownSystem) {
  w.write("codemaps/gaiji/nobody.tsv", "local\tmj\tucs\nF040\tMJ000001\tU+9DD7\n");
  const Diagnostics d = errors();
  expect_diag(d, "codemaps/gaiji/nobody.tsv", 0, "gaiji table for unknown system 'nobody'");
}

// The loader used alone, with the name it is shown as.
TEST(GaijiTableLoad, ReportsUnderTheShownName) {
  TempDir dir;
  std::ofstream(dir / "t.tsv") << "local\tmj\tucs\nU+E000\tMJ000001\tU+9DD7\nU+E000\tMJ000002\tU+9DD8\n";
  auto t = GaijiTable::load(dir / "t.tsv", "shown/t.tsv", kCp932);
  ASSERT_FALSE(t.has_value());
  expect_diag(t.error(), "shown/t.tsv", 3, "local code U+E000 is already mapped on line 2");
  auto missing = GaijiTable::load(dir / "none.tsv", "shown/none.tsv", kCp932);
  ASSERT_FALSE(missing.has_value());
  expect_diag(missing.error(), "shown/none.tsv", 0, "cannot open file");
}

// --- the unified table ---------------------------------------------------------------

TEST_F(Codemaps, UnifiedTableProblemsAreLocated) {
  w.write("codemaps/jukinet/unified.tsv",
          "jplus\tmj\tucs\n"                      // 1
          "J+0020..J+007E\t-\tU+0020..U+007E\n"   // 2
          "J+AC00\tMJ000106\tU+20BB7\n"           // 3
          "J+AC00\tMJ000107\t-\n"                 // 4: J+ code twice
          "J+AC01\tMJ000108\tU+20BB7\n"           // 5: UCS of line 3
          "J+AC02\tMJ000106\t-\n"                 // 6: MJ of line 3
          "J+XYZ1\tMJ000109\tU+4E00\n"            // 7: not hex
          "J+12345\tMJ000110\tU+4E01\n"           // 8: beyond J+FFFF
          "AC03\tMJ000111\tU+4E02\n"              // 9: no J+
          "J+AC04\tMJ00011\tU+4E03\n"             // 10: bad MJ
          "J+0041\t-\tU+0041\n"                   // 11: J+0041 is in the range of line 2
          "J+3041..J+3043\t-\tU+3041..U+3044\n"   // 12: ranges of different length
          "J+E000..J+E001\t-\tU+E000..U+E001\n"   // 13: a range into the PUA
          "J+AC05\t-\t-\n"                        // 14: nothing
          "J+D800\tMJ000112\tU+4E05\n"            // 15: a surrogate J+ code (no UTF-8 form)
          "J+FFF0..J+10001\t-\tU+4E10..U+4E21\n"); // 16: a range beyond J+FFFF
  const Diagnostics d = errors();
  const std::string f = "codemaps/jukinet/unified.tsv";
  expect_diag(d, f, 4, "J+AC00 is already defined on line 3");
  expect_diag(d, f, 5, "conflict: U+20BB7 is also J+AC00's glyph on line 3");
  expect_diag(d, f, 6, "conflict: MJ000106 is also the glyph of line 3");
  expect_diag(d, f, 7, "'J+XYZ1' is not a J+XXXX code");
  expect_diag(d, f, 8, "'J+12345' is not a J+XXXX code");
  expect_diag(d, f, 9, "'AC03' is not a J+XXXX code");
  expect_diag(d, f, 10, "'MJ00011' is not an MJ文字図形名");
  expect_diag(d, f, 11, "J+0041 is already defined on line 2");
  expect_diag(d, f, 12, "the UCS range must be as long as the J+ range");
  expect_diag(d, f, 13, "private-use code point (U+E000)");
  expect_diag(d, f, 14, "a 統一文字 needs an MJ name, a UCS sequence or both");
  expect_diag(d, f, 15, "J+D800 is a surrogate and cannot be written in UTF-8 form");
  expect_diag(d, f, 16, "'J+FFF0..J+10001' goes beyond J+FFFF");
  EXPECT_EQ(d.size(), 13u) << all_of(d);
}

// --- value and shrink tables -----------------------------------------------------------

TEST_F(Codemaps, ValueAndShrinkTableProblemsAreLocated) {
  w.write("codemaps/values/sex.yaml", "description: 性別\nmap:\n  \"1\": \"1\"\n  \"2\": \"2\"\n  \"1\": \"9\"\n");
  w.write("codemaps/values/nomap.yaml", "description: x\n");
  w.write("codemaps/shrink/bad.tsv",
          "from\tto\n"              // 1
          "U+9AD9\tU+9AD8\n"        // 2
          "U+9AD9\tU+9AD8\n"        // 3: same pair
          "U+9AD8\tU+9AD8\n"        // 4: to itself
          "9AD9\tU+9AD8\n"          // 5: not U+
          "U+9AD9\n");              // 6: one column
  const Diagnostics d = errors();
  expect_diag(d, "codemaps/values/sex.yaml", 5, "code '1' is already mapped on line 3");
  expect_diag(d, "codemaps/values/nomap.yaml", 1, "missing required field 'map'");
  const std::string s = "codemaps/shrink/bad.tsv";
  expect_diag(d, s, 3, "the same pair is already on line 2");
  expect_diag(d, s, 4, "a character cannot shrink to itself");
  expect_diag(d, s, 5, "column from: '9AD9' is not a U+XXXX sequence");
  expect_diag(d, s, 6, "expected 2 columns");
}

// --- profiles and routes ------------------------------------------------------------------

TEST_F(Codemaps, ProfilesNamingMissingTablesAreLocated) {
  w.write("codemaps/values/relationship.yaml", "map:\n  \"11\": \"51\"\n");
  w.write("codemaps/shrink/default.tsv", "from\tto\nU+9AD9\tU+9AD8\n");
  w.write("codemaps/profiles/city.yaml",
          "# a custom profile\n"          // 1
          "base: jukinet\n"               // 2
          "description: x\n"              // 3
          "shrink: nosuch\n"              // 4
          "values:\n"                     // 5
          "  rel: relationship\n"         // 6
          "  sex: sex-codes\n");          // 7
  w.write("codemaps/profiles/none.yaml", "base: utf8\n");           // a built-in with another base
  w.write("codemaps/profiles/odd.yaml", "base: ebcdic\ncolour: red\n");
  const Diagnostics d = errors();
  expect_diag(d, "codemaps/profiles/city.yaml", 4, "no shrink table codemaps/shrink/nosuch.tsv");
  expect_diag(d, "codemaps/profiles/city.yaml", 7, "field 'sex': no value table codemaps/values/sex-codes.yaml");
  expect_diag(d, "codemaps/profiles/none.yaml", 1, "base must be 'none'");
  expect_diag(d, "codemaps/profiles/odd.yaml", 1, "ebcdic");
  expect_diag(d, "codemaps/profiles/odd.yaml", 2, "unknown field 'colour'");
}

TEST_F(Codemaps, JukinetProfileWithoutTheUnifiedTable) {
  std::filesystem::remove(w.root() / "codemaps/jukinet/unified.tsv");
  w.write("codemaps/profiles/to-jk.yaml", "\nbase: jukinet\n");
  const Diagnostics d = errors();
  expect_diag(d, "codemaps/profiles/to-jk.yaml", 2, "needs codemaps/jukinet/unified.tsv");
}

// A route of a real config naming a profile nobody defined: routes.yaml and the route's
// line (the conversion key's line is not recorded, so the route's first line).
TEST(CodemapsRoutes, UndefinedProfileIsLocatedAtTheRoute) {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path() / "config");
  fs::create_directories(dir.path() / "codemaps/profiles");
  auto write = [&](const std::string& rel, const std::string& text) { std::ofstream(dir.path() / rel) << text; };
  write("config/hub.yaml", "spool:\n  root: spool\n");
  write("config/systems.yaml",
        "systems:\n"
        "  - id: a\n    name: Aシステム\n    charset: UTF-8\n"
        "  - id: b\n    name: Bシステム\n    charset: ibm-943_P15A-2003\n");
  write("config/routes.yaml",
        "routes:\n"                                                                   // 1
        "  - id: 1\n    name: x\n    from: a\n    to: b\n    method: auto\n"           // 2-6
        "    timing: realtime\n    external: false\n    conversion: none\n"            // 7-9
        "    topic: renkei.if.001\n"                                                   // 10
        "  - id: 2\n    name: y\n    from: b\n    to: a\n    method: auto\n"           // 11-15
        "    timing: realtime\n    external: false\n    conversion: kyoto-city\n"      // 16-18
        "    topic: renkei.if.002\n");                                                 // 19
  auto cat = load_catalogue((dir.path() / "config").string());
  ASSERT_TRUE(cat.has_value()) << all_of(cat.error());
  auto maps = load_codemaps(**cat);
  ASSERT_FALSE(maps.has_value());
  ASSERT_EQ(maps.error().size(), 1u) << all_of(maps.error());
  const Diagnostic& x = maps.error().items()[0];
  EXPECT_EQ(x.line, 11) << x.str();
  EXPECT_TRUE(x.file.ends_with("routes.yaml")) << x.str();
  EXPECT_NE(x.message.find("route 2: conversion profile 'kyoto-city' is not defined"), std::string::npos) << x.str();
  // Defining it fixes the route.
  write("codemaps/profiles/kyoto-city.yaml", "base: none\n");
  auto fixed = load_codemaps(**cat);
  EXPECT_TRUE(fixed.has_value()) << all_of(fixed.error());
}

// A profile's value map must name a field of every route's layout that uses it.
TEST_F(Codemaps, ValueMapOnAFieldTheLayoutLacks) {
  w.write("codemaps/values/relationship.yaml", "map:\n  \"11\": \"51\"\n");
  w.write("codemaps/profiles/rel.yaml", "base: jukinet\nvalues:\n  rel: relationship\n");
  w.write("layouts/p.yaml", "format: csv\nfields:\n  - {name: id}\n");
  w.route(3, "resident", "jukinet", "rel", "p").route(4, "resident", "jukinet", "rel");
  const Diagnostics d = errors();
  expect_diag(d, "routes.yaml", 30, "maps values of field 'rel', which the route's layout 'p' lacks");
  expect_diag(d, "routes.yaml", 40, "which the route's layout does not exist");
}

// The shipped sample tables load against the shipped configuration without a word.
TEST(ShippedCodemapsLoad, NoDiagnostics) {
  auto cat = load_catalogue(RENKEI_SOURCE_DIR "/config");
  ASSERT_TRUE(cat.has_value()) << all_of(cat.error());
  auto maps = load_codemaps(**cat);
  ASSERT_TRUE(maps.has_value()) << all_of(maps.error());
  EXPECT_EQ((*maps)->gaiji_of("resident-record")->size(), 3u);
  ASSERT_TRUE((*maps)->jukinet.has_value());
  EXPECT_EQ((*maps)->jukinet->by_jplus(0xAC00)->glyph.ucs, U"\U00020BB7");
  EXPECT_EQ((*maps)->jukinet->by_ucs(U"\uAC00"), nullptr) << "가 is no 統一文字 of the sample";
}

}  // namespace
}  // namespace renkei::testing
