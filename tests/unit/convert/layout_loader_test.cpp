// Record layouts (config/layouts/*.yaml): a fixed layout's fields must tile the record,
// keys must be known, the key field must exist — each reported as file:line — and a good
// layout cuts records as split_record promises.
#include <gtest/gtest.h>

#include "convert_support.hpp"
#include "renkei/convert/record_fields.hpp"

namespace renkei::testing {
namespace {

class Layouts : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  Diagnostics load() {
    Diagnostics d;
    load_layout_dir(dir.path().string(), "layouts", layouts, d);
    return d;
  }
  static std::string all_of(const Diagnostics& d) {
    std::string out;
    for (const auto& x : d.sorted()) out += x.str() + "\n";
    return out;
  }
  static void expect_diag(const Diagnostics& d, const std::string& file, int line, const std::string& fragment) {
    int found = 0;
    for (const auto& x : d.items())
      if (x.file == file && x.line == line && x.message.find(fragment) != std::string::npos) ++found;
    EXPECT_EQ(found, 1) << "want " << file << ":" << line << ": …" << fragment << "…\ngot:\n" << all_of(d);
  }
  TempDir dir;
  std::map<std::string, LayoutDef> layouts;
};

TEST_F(Layouts, GapAndOverlapInAFixedLayout) {
  write("gap.yaml",
        "format: fixed\n"                              // 1
        "fields:\n"                                    // 2
        "  - {name: a, offset: 0, length: 4}\n"        // 3
        "  - {name: b, offset: 6, length: 2}\n");      // 4: bytes 4–5 belong to nobody
  write("overlap.yaml",
        "format: fixed\n"                              // 1
        "fields:\n"                                    // 2
        "  - name: a\n"                                // 3
        "    offset: 0\n"                              // 4
        "    length: 4\n"                              // 5
        "  - name: b\n"                                // 6
        "    offset: 3\n"                              // 7
        "    length: 2\n");                            // 8
  const Diagnostics d = load();
  expect_diag(d, "layouts/gap.yaml", 4, "field 'b' starts at byte 6 but the previous field ends at byte 4 (gap)");
  expect_diag(d, "layouts/overlap.yaml", 6, "field 'b' starts at byte 3 but the previous field ends at byte 4 (overlap)");
  EXPECT_EQ(d.size(), 2u) << all_of(d);
  EXPECT_TRUE(layouts.empty());
}

// Found by fuzz_layout_yaml: a delimiter that can be a CP932 trail byte, a quote equal to
// the delimiter and an empty field name used to load silently.
TEST_F(Layouts, DelimiterQuoteAndFieldNameThatCannotWork) {
  write("pipe.yaml",
        "format: csv\n"                   // 1
        "delimiter: '|'\n"                // 2: 0x7C is a CP932 trail byte
        "fields: [{name: a}, {name: b}]\n");
  write("same.yaml",
        "format: csv\n"                   // 1
        "delimiter: '\"'\n"               // 2
        "fields: [{name: a}]\n");          // 3
  write("noname.yaml",
        "format: csv\n"                   // 1
        "fields:\n"                       // 2
        "  - name: \"\"\n");               // 3
  const Diagnostics d = load();
  expect_diag(d, "layouts/pipe.yaml", 2, "expected one ASCII punctuation character below 0x40");
  expect_diag(d, "layouts/same.yaml", 1, "the quote character cannot be the delimiter");
  expect_diag(d, "layouts/noname.yaml", 3, "a field needs a name");
  EXPECT_TRUE(layouts.empty()) << all_of(d);
}

TEST_F(Layouts, UnknownKeysAndMisplacedOptions) {
  write("x.yaml",
        "format: fixed\n"                                        // 1
        "colour: red\n"                                          // 2: unknown key
        "fields:\n"                                              // 3
        "  - {name: a, offset: 0, length: 4, width: 2}\n");      // 4: unknown field key
  write("y.yaml",
        "format: csv\n"                                          // 1
        "fields:\n"                                              // 2
        "  - name: a\n"                                          // 3
        "    length: 4\n");                                      // 4: csv has no lengths
  write("z.yaml", "format: table\n");                            // 1: no such format
  const Diagnostics d = load();
  expect_diag(d, "layouts/x.yaml", 2, "unknown field 'colour'");
  expect_diag(d, "layouts/x.yaml", 4, "unknown field 'width'");
  expect_diag(d, "layouts/y.yaml", 4, "length only applies to fixed-width layouts");
  expect_diag(d, "layouts/z.yaml", 1, "table");
  EXPECT_EQ(d.size(), 4u) << all_of(d);
}

TEST_F(Layouts, KeyFieldMustBeOneOfTheFields) {
  write("k.yaml",
        "format: csv\n"              // 1
        "fields:\n"                  // 2
        "  - {name: id}\n"           // 3
        "  - {name: name}\n"         // 4
        "key: number\n");            // 5
  write("dup.yaml",
        "format: csv\n"              // 1
        "key: id\n"                  // 2
        "fields:\n"                  // 3
        "  - {name: id}\n"           // 4
        "  - {name: id}\n");         // 5
  const Diagnostics d = load();
  expect_diag(d, "layouts/k.yaml", 5, "key field 'number' is not one of its fields");
  expect_diag(d, "layouts/dup.yaml", 5, "field 'id' is defined twice");
  EXPECT_EQ(d.size(), 2u) << all_of(d);
}

// A good fixed layout: record length is the sum of the fields, in any order in the file,
// and split_record cuts exactly at the declared bytes.
TEST_F(Layouts, GoodFixedLayoutCutsRecords) {
  write("person.yaml",
        "format: fixed\nkey: id\nfields:\n"
        "  - {name: name, offset: 4, length: 6, kana: true}\n"
        "  - {name: id, offset: 0, length: 4}\n");
  const Diagnostics d = load();
  ASSERT_TRUE(d.empty()) << all_of(d);
  const LayoutDef& l = layouts.at("person");
  EXPECT_EQ(l.record_length, 10u);
  EXPECT_EQ(l.key, "id");
  ASSERT_NE(l.field("name"), nullptr);
  EXPECT_TRUE(l.field("name")->kana);
  const std::string record = "0001" + B("B6 DE 20 20 20 20");  // the fields are views into it
  auto f = split_record(&l, record);
  ASSERT_TRUE(f.has_value()) << f.error().detail;
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].name, "name");
  EXPECT_EQ((*f)[0].offset, 4u);
  EXPECT_EQ(H((*f)[0].bytes), "B6 DE 20 20 20 20");
  EXPECT_EQ((*f)[1].name, "id");
  EXPECT_EQ((*f)[1].bytes, "0001");
}

// csv: quoted values are unquoted, and a delimiter or quote inside a CP932 double-byte
// character cannot occur (trail bytes start at 0x40), so 0x5C (ソ = 83 5C) is harmless.
TEST_F(Layouts, CsvSplitsOnBytes) {
  write("c.yaml", "format: csv\nfields:\n  - {name: a}\n  - {name: b}\n  - {name: c}\n");
  ASSERT_TRUE(load().empty());
  const LayoutDef& l = layouts.at("c");
  const std::string record = B("83 5C") + ",\"x,\"\"y\",";
  auto f = split_record(&l, record);
  ASSERT_TRUE(f.has_value()) << f.error().detail;
  ASSERT_EQ(f->size(), 3u);
  EXPECT_EQ(H((*f)[0].bytes), "83 5C");
  EXPECT_EQ((*f)[1].bytes, "x,\"y");
  EXPECT_TRUE((*f)[1].quoted);
  EXPECT_EQ((*f)[1].offset, 3u);
  EXPECT_EQ((*f)[2].bytes, "");
  EXPECT_EQ((*f)[2].offset, 11u);
}

}  // namespace
}  // namespace renkei::testing
