// Host records in the converter: a fixed-width EBCDIC layout with packed and zoned
// numbers written as CSV in the target's charset (layout write_as: csv), the numbers'
// bytes kept as they are fixed to fixed, a bad nibble refused at its record byte, and the
// layout keys checked where they are written.
#include <gtest/gtest.h>

#include "convert_support.hpp"

namespace renkei::testing {
namespace {

class HostRecords : public ::testing::Test {
 protected:
  HostRecords() {
    w.system("host", "ibm-930").system("resident", kCp932).system("host2", "ibm-930");
    w.write("layouts/host.yaml",
            "format: fixed\nframing: none\nwrite_as: csv\nfields:\n"
            "  - {name: code, offset: 0, length: 3}\n"
            "  - {name: amount, offset: 3, length: 3, type: packed, scale: 2}\n"
            "  - {name: count, offset: 6, length: 2, type: zoned}\n");
    w.write("layouts/keep.yaml",
            "format: fixed\nfields:\n"
            "  - {name: code, offset: 0, length: 3}\n"
            "  - {name: amount, offset: 3, length: 3, type: packed, scale: 2}\n");
    w.route(1, "host", "resident", "none", "host").route(2, "host", "host2", "none", "keep");
  }
  World w;
};

TEST_F(HostRecords, PackedAndZonedNumbersBecomeDecimalTextInTheCsv) {
  auto conv = w.converter(1);
  // "AB " in EBCDIC, 123.45 packed (12 34 5C), -7 zoned (F0 D7).
  EXPECT_EQ(H(converted(conv, B("C1 C2 40 12 34 5C F0 D7"))), H("AB,123.45,-7"));
  EXPECT_EQ(H(converted(conv, B("C1 40 40 00 00 1D F1 C2"))), H("A,-0.01,12"));
  // A digit nibble that is no digit: refused at its byte in the record (3 + 1).
  EXPECT_CONV_ERROR(failure(conv, B("C1 C2 40 12 3A 5C F0 D7")), "bad-decimal", "amount", 4);
  EXPECT_CONV_ERROR(failure(conv, B("C1 C2 40 12 34 5C F0 47")), "bad-decimal", "count", 7);
}

TEST_F(HostRecords, CsvFromAFixedLayoutNeedsATargetThatWritesItsPunctuationAsAscii) {
  w.route(3, "resident", "host2", "none", "host");
  auto maps = w.codemaps();
  ASSERT_FALSE(maps.has_value());
  const std::string first = maps.error().items()[0].str();
  EXPECT_NE(first.find("route 3"), std::string::npos) << first;
  EXPECT_NE(first.find("ibm-930 does not write its delimiter and quote as ASCII bytes"), std::string::npos) << first;
}

TEST_F(HostRecords, FixedToFixedKeepsTheNumbersBytes) {
  auto conv = w.converter(2);
  EXPECT_EQ(H(converted(conv, B("C1 C2 C3 12 34 5C"))), "C1 C2 C3 12 34 5C");
}

TEST_F(HostRecords, TheLayoutKeysAreCheckedWhereTheyAreWritten) {
  w.write("layouts/bad.yaml",
          "format: csv\nframing: none\nfields:\n  - {name: a, type: packed}\n");
  w.write("layouts/bad2.yaml",
          "format: fixed\nfields:\n  - {name: a, offset: 0, length: 2, type: packed, scale: 4}\n"
          "  - {name: b, offset: 2, length: 1, scale: 1}\n");
  try {
    (void)w.catalogue();
    ADD_FAILURE() << "the layouts loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("layouts"), std::string::npos) << e.what();
  }
  Catalogue cat;
  Diagnostics diags;
  load_layout_dir((w.root() / "layouts").string(), "layouts", cat.layouts, diags);
  std::string all;
  for (const auto& d : diags.items()) all += d.str() + "\n";
  EXPECT_NE(all.find("bad.yaml:2: "), std::string::npos) << all;  // framing on csv
  EXPECT_NE(all.find("numbers (type packed or zoned) are fixed-width fields"), std::string::npos) << all;
  EXPECT_NE(all.find("more digits after the point than the field holds"), std::string::npos) << all;
  EXPECT_NE(all.find("only applies to a field of type packed or zoned"), std::string::npos) << all;
}

}  // namespace
}  // namespace renkei::testing
