// HULFT-style 外字 modes per system (codemaps/gaiji/<system>.yaml): table first (the
// default) or standard conversion first, on the source and on the target side; an
// unregistered code is an error unless a replacement is declared, which is then recorded;
// a declared policy without its table fails the load.
#include <gtest/gtest.h>

#include "convert_support.hpp"

namespace renkei::testing {
namespace {

class GaijiModes : public ::testing::Test {
 protected:
  GaijiModes() {
    w.system("resident", kCp932).system("portal", "UTF-8").system("host", kCp932);
    w.write("codemaps/gaiji/resident.tsv", "local\tmj\tucs\nF040\tMJ000001\tU+845B U+E0100\nF041\t-\tU+9AD9\n");
    w.write("codemaps/gaiji/host.tsv", "local\tmj\tucs\nF041\t-\tU+9AD9\nF042\t-\tU+F0001\n");
    w.route(1, "resident", "portal", "none").route(2, "resident", "host", "none").route(3, "portal", "host", "none");
  }
  World w;
};

TEST_F(GaijiModes, ByDefaultAGaijiGoesThroughTheTablesAndAnUnregisteredCodeIsAnError) {
  auto to_utf8 = w.converter(1);
  EXPECT_EQ(H(converted(to_utf8, B("41 F0 40"))), "41 E8 91 9B F3 A0 84 80");  // 葛󠄀 from the table
  EXPECT_CONV_ERROR(failure(to_utf8, B("41 42 F0 43")), "gaiji-unmapped", "record", 2);
  // A glyph from the source's table goes to the target's own 外字 first (F041) …
  auto to_host = w.converter(2);
  EXPECT_EQ(H(converted(to_host, B("F0 41"))), "F0 41");
  // … an ordinary 髙 to the target's charset first.
  auto from_utf8 = w.converter(3);
  EXPECT_EQ(H(converted(from_utf8, "A\xE9\xAB\x99")), "41 FB FC");
}

TEST_F(GaijiModes, TableFirstOnTheTargetTakesItsTableForEveryCharacterItHolds) {
  w.write("codemaps/gaiji/host.yaml", "order: table-first\n");
  auto from_utf8 = w.converter(3);
  EXPECT_EQ(H(converted(from_utf8, "A\xE9\xAB\x99" "B")), "41 F0 41 42");
}

TEST_F(GaijiModes, ADeclaredReplacementTakesAnUnregisteredCodeAndIsRecorded) {
  w.write("codemaps/gaiji/resident.yaml", "unregistered: replace\nreplacement: U+3013\n");
  auto to_utf8 = w.converter(1);
  std::vector<ConversionNote> notes;
  EXPECT_EQ(H(converted(to_utf8, B("41 42 F0 43 43"), &notes)), "41 42 E3 80 93 43");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].offset, 2u);
  // A registered code still goes through its table.
  notes.clear();
  EXPECT_EQ(H(converted(to_utf8, B("F0 40"), &notes)), "E8 91 9B F3 A0 84 80");
  EXPECT_TRUE(notes.empty());
  auto to_cp932 = w.converter(2);
  EXPECT_EQ(H(converted(to_cp932, B("F0 43"))), "81 AC");  // 〓 in CP932
}

TEST_F(GaijiModes, StandardFirstCarriesTheSourcesUserDefinedCodeAsItIs) {
  w.write("codemaps/gaiji/resident.yaml", "order: standard-first\n");
  auto to_utf8 = w.converter(1);
  // F040 is U+E000 by the standard conversion, which UTF-8 holds: carried, not mapped.
  EXPECT_EQ(H(converted(to_utf8, B("41 F0 40"))), "41 EE 80 80");
  auto same = w.converter(2);
  EXPECT_EQ(H(converted(same, B("F0 43"))), "F0 43");
}

TEST_F(GaijiModes, StandardFirstOnTheTargetPrefersItsCharsetToItsTable) {
  w.write("codemaps/gaiji/host.yaml", "order: standard-first\n");
  auto to_host = w.converter(2);
  EXPECT_EQ(H(converted(to_host, B("F0 41"))), "FB FC");  // 髙 in CP932's IBM row, not the host's F041
}

TEST_F(GaijiModes, APolicyWithoutItsTableOrWithABadReplacementFailsTheLoad) {
  w.system("welfare", kCp932);
  w.write("codemaps/gaiji/welfare.yaml", "order: table-first\n");
  w.write("codemaps/gaiji/resident.yaml", "unregistered: replace\n");
  w.write("codemaps/gaiji/host.yaml", "unregistered: replace\nreplacement: U+E000\n");
  w.write("codemaps/gaiji/nobody.yaml", "order: table-first\n");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  std::string all;
  for (const auto& d : maps.error().items()) all += d.str() + "\n";
  EXPECT_NE(all.find("gaiji/welfare.tsv is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("replace needs the character"), std::string::npos) << all;
  EXPECT_NE(all.find("outside the private use areas"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown system 'nobody'"), std::string::npos) << all;
}

// 行政事務標準文字 (MJ+) in the private planes are characters of the standard in UTF-8:
// they pass to a UTF-8 target and go through a local target's table by code point; a BMP
// private-use code from UTF-8 is still a system's 外字.
TEST_F(GaijiModes, MjPlusInThePrivatePlanesPassesUtf8AndIsMappedByTableElsewhere) {
  w.system("chukan", "UTF-8").system("peer", kCp932);
  w.route(7, "portal", "chukan", "none").route(8, "portal", "peer", "none");
  auto to_utf8 = w.converter(7);
  EXPECT_EQ(H(converted(to_utf8, "A\xF3\xB0\x80\x81")), "41 F3 B0 80 81");
  EXPECT_CONV_ERROR(failure(to_utf8, "AB\xEE\x80\x80"), "gaiji-unmapped", "record", 2);
  auto to_host = w.converter(3);
  EXPECT_EQ(H(converted(to_host, "A\xF3\xB0\x80\x81")), "41 F0 42");
  auto no_table = w.converter(8);
  EXPECT_CONV_ERROR(failure(no_table, "AB\xF3\xB0\x80\x81"), "gaiji-unmapped", "record", 2);
}

}  // namespace
}  // namespace renkei::testing

namespace renkei::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A system whose charset is a table of its own (codemaps/charsets/<name>.yaml): the
// codemaps register it, so its routes convert through it; one that names a missing
// table fails the load.
TEST(TableCharsets, ASystemNamesItsTableCharsetAndItsRoutesUseIt) {
  World w;
  std::filesystem::create_directories(w.root() / "codemaps" / "charsets");
  w.write("codemaps/charsets/sample-jef.yaml", slurp(RENKEI_SOURCE_DIR "/codemaps/charsets/sample-jef.yaml"));
  w.write("codemaps/charsets/sample-jef.txt", slurp(RENKEI_SOURCE_DIR "/codemaps/charsets/sample-jef.txt"));
  w.system("host", "table:sample-jef").system("portal", "UTF-8");
  w.route(1, "host", "portal", "none").route(2, "portal", "host", "none");
  auto from_host = w.converter(1);
  // "A" in EBCDIC (C1), SO, あ い (41 41, 41 42), SI.
  EXPECT_EQ(H(converted(from_host, B("C1 0E 41 41 41 42 0F"))), H("A\xE3\x81\x82\xE3\x81\x84"));
  auto to_host = w.converter(2);
  auto back = to_host.convert("A\xE3\x81\x82\xE3\x81\x84");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(H(**back), "C1 0E 41 41 41 42 0F");
  w.system("other", "table:missing");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  EXPECT_NE(maps.error().items()[0].str().find("codemaps/charsets/missing.yaml"), std::string::npos)
      << maps.error().items()[0].str();
}

}  // namespace
}  // namespace renkei::testing
