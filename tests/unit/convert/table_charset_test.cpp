// Table charsets for vendor host codes ICU lacks (JEF, KEIS, JIPS): exact bytes with
// shift transitions, records starting and ending in either mode, every error at its
// offset, table and config files located as file:line, the shipped (invented) sample
// round-tripped entry by entry, and open_charset("table:<name>") after registration.
#include <gtest/gtest.h>

#include "convert/charset_table.hpp"
#include "convert_support.hpp"
#include "renkei/convert/table_charset.hpp"

namespace renkei::testing {
namespace {

const std::string kSample = std::string(RENKEI_SOURCE_DIR) + "/codemaps/charsets/sample-jef.yaml";
const std::string kSampleTable = std::string(RENKEI_SOURCE_DIR) + "/codemaps/charsets/sample-jef.txt";

std::unique_ptr<Charset> open_yaml(const std::string& yaml) {
  auto c = open_table_charset(yaml);
  if (!c) throw std::runtime_error("open_table_charset(" + yaml + "): " + c.error());
  return std::move(*c);
}

std::unique_ptr<Charset> sample() { return open_yaml(kSample); }


CharsetError decode_error(Charset& cs, std::string_view bytes) {
  std::u32string out = U"kept";
  auto r = cs.decode(bytes, out);
  if (r) {
    ADD_FAILURE() << cs.name() << " decoded " << H(bytes) << " to " << U(out) << " but should have failed";
    return {};
  }
  EXPECT_EQ(U(out), U(U"kept")) << "nothing is appended on error";
  return r.error();
}

CharsetError encode_error(Charset& cs, std::u32string_view text) {
  std::string out = "kept";
  auto r = cs.encode(text, out);
  if (r) {
    ADD_FAILURE() << cs.name() << " encoded " << U(text) << " to " << H(out) << " but should have failed";
    return {};
  }
  EXPECT_EQ(out, "kept") << "nothing is appended on error";
  return r.error();
}

#define EXPECT_CHARSET_ERROR(err, kind_, offset_, length_)   \
  do {                                                       \
    const ::renkei::CharsetError e_ = (err);                 \
    EXPECT_EQ(e_.kind, kind_);                               \
    EXPECT_EQ(e_.offset, static_cast<std::size_t>(offset_)); \
    EXPECT_EQ(e_.length, static_cast<std::size_t>(length_)); \
  } while (0)

// Both ways: `bytes` reads as `text` and `text` is written as exactly `bytes`.
void both_ways(Charset& cs, const char* bytes, std::u32string_view text) {
  SCOPED_TRACE(std::string(bytes) + " / " + U(text));
  EXPECT_EQ(U(decoded(cs, B(bytes))), U(text));
  EXPECT_EQ(H(encoded_unchecked(cs, text)), H(B(bytes)));
}

// A charset of the test's own, in a temp dir.
class Files {
 public:
  Files() : dir_("renkei-table-charset") {}
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name, std::ios::binary) << text;
    return (dir_.path() / name).string();
  }
  // The diagnostics of loading `yaml`, one "file:line: message" a line, with the temp
  // dir's path left out.
  std::string problems(const std::string& yaml) {
    auto def = load_table_charset(yaml);
    if (def) return "(loaded)";
    std::string out;
    for (const auto& d : def.error().sorted()) {
      std::string s = d.str();
      const std::string dir = dir_.path().string() + "/";
      for (auto at = s.find(dir); at != std::string::npos; at = s.find(dir)) s.erase(at, dir.size());
      out += s + "\n";
    }
    return out;
  }

 private:
  TempDir dir_;
};

// The single-byte half from the table itself: A, B, space and three kanji.
constexpr const char* kOwnTable =
    "C1:U+0041\n"
    "C2:U+0042\n"
    "40:U+0020\n"
    "4040:U+3000\n"
    "4A41:U+4F4F\n"
    "4A42:U+6C11\n";

// --- the sample -----------------------------------------------------------------------

TEST(TableCharset, TheSampleLoadsUnderItsName) {
  auto def = load_table_charset(kSample);
  ASSERT_TRUE(def.has_value()) << def.error().items()[0].str();
  EXPECT_EQ((*def)->name, "table:sample-jef");
  EXPECT_EQ((*def)->single_byte, "ibm-037");
  EXPECT_EQ(H((*def)->shift_out), "0E");
  EXPECT_EQ(H((*def)->shift_in), "0F");
  EXPECT_FALSE((*def)->starts_double);
  EXPECT_EQ((*def)->space, std::optional<uint8_t>(0x40));
  EXPECT_EQ((*def)->dbcs_space, std::optional<uint16_t>(0x4040));
  EXPECT_EQ((*def)->table->entries().size(), 32u);
  auto cs = make_table_charset(*def);
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->name(), "table:sample-jef");
  EXPECT_FALSE(cs->is_unicode());
}

// --- exact bytes ----------------------------------------------------------------------

TEST(TableCharset, ShiftOutAndInAroundDoubleByteRuns) {
  auto cs = sample();
  both_ways(*cs, "C1 0E 4A 41 4A 42 0F C2", U"A住民B");
  both_ways(*cs, "0E 4A 41 0F", U"住");            // a record starting with a double-byte run
  both_ways(*cs, "0E 4A 41 0F C1", U"住A");
  both_ways(*cs, "C1 0E 4A 41 0F", U"A住");         // … and ending with one: SI is appended
  both_ways(*cs, "0E 4A 41 0F C1 0E 4A 42 0F", U"住A民");
  both_ways(*cs, "C1 C2 F1 40 81", U"AB1 a");       // single-byte only: no shift at all
  both_ways(*cs, "", U"");
  both_ways(*cs, "40 0E 40 40 0F", U" \u3000");     // the two spaces
  both_ways(*cs, "0E 4A 46 0F", U"\U00020BB7");      // outside the BMP
  both_ways(*cs, "0E 4C 41 0F", U"\uE000");          // the city's gaiji
  both_ways(*cs, "0E 4B 41 4B 42 0F F1 F2", U"０１12");
  // Read, though never written so: a record ending in double-byte mode, an empty run.
  EXPECT_EQ(U(decoded(*cs, B("C1 0E 4A 41"))), U(U"A住"));
  EXPECT_EQ(U(decoded(*cs, B("C1 0E 0F C2"))), U(U"AB"));
  EXPECT_EQ(U(decoded(*cs, B("0E 0F"))), U(U""));
  // Appended to what is there.
  std::string out = "x";
  ASSERT_TRUE(cs->encode(U"住", out).has_value());
  EXPECT_EQ(H(out), "78 0E 4A 41 0F");
}

TEST(TableCharset, RecordsThatStartInDoubleByteMode) {
  Files f;
  const std::string yaml = f.write("dbcs-first.yaml", "table: " + kSampleTable +
                                                          "\nsingle_byte: ibm-037\nshift_out: [0x0E]\n"
                                                          "shift_in: [0x0F]\nstarts_in: double\n");
  auto cs = open_yaml(yaml);
  EXPECT_EQ(cs->name(), "table:dbcs-first");
  both_ways(*cs, "4A 41 4A 42", U"住民");           // a pure double-byte field: no shift
  both_ways(*cs, "4A 41 0F C1 0E", U"住A");         // and it ends where it started
  both_ways(*cs, "0F C1 0E 4A 41", U"A住");
  both_ways(*cs, "0F C1 0E", U"A");
  EXPECT_EQ(U(decoded(*cs, B("4A 41 0F C1"))), U(U"住A"));  // ends in single-byte mode: read
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0E 4A 41")), "illegal-sequence", 0, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("4A 41 4A")), "illegal-sequence", 2, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1")), "illegal-sequence", 0, 1);  // half a pair
  EXPECT_EQ(cs->offset_of(B("4A 41 0F C1"), 1), 3u);
  EXPECT_EQ(cs->offset_of(B("4A 41 0F C1"), 0), 0u);
}

// KEIS and JIPS shift with two bytes; the sequences are the config's, whatever they are.
TEST(TableCharset, TwoByteShiftSequences) {
  Files f;
  const std::string yaml = f.write("two-byte-shifts.yaml", "table: " + kSampleTable +
                                                               "\nsingle_byte: ibm-037\nshift_out: [0x0A, 0x42]\n"
                                                               "shift_in: [0x0A, 0x41]\n");
  auto cs = open_yaml(yaml);
  both_ways(*cs, "C1 0A 42 4A 41 0A 41 C2", U"A住B");
  both_ways(*cs, "0A 42 4A 41 4A 42 0A 41", U"住民");
  // 0E and 0F are plain bytes here (ICU's controls), 0A begins a shift.
  both_ways(*cs, "0E 0F", U"\u000E\u000F");
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0A 43")), "illegal-sequence", 1, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0A")), "illegal-sequence", 1, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0A 42 4A 41 0A 42")), "illegal-sequence", 4, 2);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0A 41")), "illegal-sequence", 1, 2);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0A 42 4A 0A 41")), "illegal-sequence", 2, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"A\u008E"), "unmappable", 1, 1);  // ICU's 0A
  const std::string rec = B("C1 0A 42 4A 41 0A 41 C2");
  EXPECT_EQ(cs->offset_of(rec, 0), 0u);
  EXPECT_EQ(cs->offset_of(rec, 1), 3u);
  EXPECT_EQ(cs->offset_of(rec, 2), 7u);
  EXPECT_EQ(cs->offset_of(rec, 3), 8u);
}

// --- errors ---------------------------------------------------------------------------

TEST(TableCharset, DecodeErrorsHaveTheirOffsets) {
  auto cs = sample();
  // A pair the table lacks: unmappable, both bytes.
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0E 4A 41 4F 4F 0F")), "unmappable", 4, 2);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0E 40 41 0F")), "unmappable", 1, 2);
  // Half a pair: at the end, or before a shift.
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0E 4A 41 4A")), "illegal-sequence", 4, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0E 4A 0F C1")), "illegal-sequence", 1, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0E 4A 0E")), "illegal-sequence", 1, 1);
  // A shift into the mode the record is in.
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0E 4A 41 0E 4A 42 0F")), "illegal-sequence", 4, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0F")), "illegal-sequence", 1, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0F")), "illegal-sequence", 0, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("0E 4A 41 0F 0F")), "illegal-sequence", 4, 1);
  // Found after a long valid run, at the right place.
  const std::string run(1000, '\xC1');
  EXPECT_CHARSET_ERROR(decode_error(*cs, run + B("0E 4A")), "illegal-sequence", 1001, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, run + B("0E 4A 41 0F") + run + B("0E 99 99 0F")), "unmappable", 2005, 2);
}

TEST(TableCharset, SingleByteErrorsAreIcusAtTheRecordsOffset) {
  // ibm-290 (EBCDIC katakana) leaves some bytes unassigned; ICU says which and how.
  IcuRef raw("ibm-290");
  int unassigned = -1;
  for (int b = 0x41; b < 0x100 && unassigned < 0; ++b) {
    UErrorCode st = U_ZERO_ERROR;
    if (!raw.decode(std::string(1, static_cast<char>(b)), &st) && st == U_INVALID_CHAR_FOUND) unassigned = b;
  }
  ASSERT_GE(unassigned, 0) << "ibm-290 has no unassigned byte any more";
  Files f;
  auto cs = open_yaml(f.write("kana.yaml", "table: " + kSampleTable +
                                               "\nsingle_byte: ibm-290\nshift_out: [0x0E]\nshift_in: [0x0F]\n"));
  const std::string bad(1, static_cast<char>(unassigned));
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("81 0E 4A 41 0F") + bad), "unmappable", 5, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("81 82") + bad + B("0E 4A 41 0F")), "unmappable", 2, 1);
  // What ICU reads, this reads.
  const auto want = raw.decode(B("81 C1"));
  ASSERT_TRUE(want.has_value());
  EXPECT_EQ(U(decoded(*cs, B("81 0E 4A 41 0F C1"))), U(want->substr(0, 1) + U"住" + want->substr(1)));
}

TEST(TableCharset, TheTablesOwnSingleByteHalf) {
  Files f;
  f.write("own.txt", kOwnTable);
  auto cs = open_yaml(f.write("own.yaml", "table: own.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\nspace: 40\n"));
  both_ways(*cs, "C1 40 0E 4A 41 40 40 0F C2", U"A 住\u3000B");
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 C3")), "unmappable", 1, 1);
  EXPECT_CHARSET_ERROR(decode_error(*cs, B("C1 0E 4A 41 0F 99")), "unmappable", 5, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"AB1"), "unmappable", 2, 1);
  EXPECT_TRUE(cs->encodable(U'A'));
  EXPECT_FALSE(cs->encodable(U'a'));
  EXPECT_EQ(cs->offset_of(B("C1 0E 4A 41 0F C2"), 2), 5u);
}

TEST(TableCharset, EncodeErrorsHaveTheCodePointIndex) {
  auto cs = sample();
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"A住\uAC00"), "unmappable", 2, 1);  // 가
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"\u9DD7"), "unmappable", 0, 1);     // 鷗: not in the table
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"A\uFF71"), "unmappable", 1, 1);    // ｱ: not in ibm-037
  // ICU writes U+000E and U+000F as 0E and 0F, which are the shifts here.
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"\u000E"), "unmappable", 0, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"AB\u000F"), "unmappable", 2, 1);
  // A variation selector is never dropped: without a code of its own it is unmappable.
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"住\U000E0100"), "unmappable", 1, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"葛\U000E0101"), "unmappable", 1, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"A\U000E0100"), "unmappable", 1, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"\U000E0100"), "unmappable", 0, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cs, U"\uFE00"), "unmappable", 0, 1);
}

TEST(TableCharset, ABaseWithItsIvsHasACodeOfItsOwn) {
  auto cs = sample();
  both_ways(*cs, "0E 4A 48 0F", U"\u845B\U000E0100");
  both_ways(*cs, "0E 4A 47 0F", U"\u845B");
  both_ways(*cs, "0E 4A 48 4A 47 0F C1", U"\u845B\U000E0100\u845BA");
  both_ways(*cs, "C1 0E 4A 47 4A 48 0F", U"A\u845B\u845B\U000E0100");
  EXPECT_TRUE(cs->encodable(U'\u845B'));
  EXPECT_FALSE(cs->encodable(U'\U000E0100'));
}

TEST(TableCharset, EncodableAnswersForOneCodePoint) {
  auto cs = sample();
  for (char32_t c : {U'A', U'a', U'1', U' ', U'\u3000', U'住', U'\U00020BB7', U'\uE000', U'\uFF10'}) {
    SCOPED_TRACE(U(std::u32string(1, c)));
    EXPECT_TRUE(cs->encodable(c));
  }
  for (char32_t c : {U'\u000E', U'\u000F', U'\uAC00', U'\U000E0100', U'\uFF71', U'\u9DD7', U'\U0010FFFF'}) {
    SCOPED_TRACE(U(std::u32string(1, c)));
    EXPECT_FALSE(cs->encodable(c));
  }
}

TEST(TableCharset, OffsetOfCountsShiftBytes) {
  auto cs = sample();
  // A 住 葛+IVS B 𠮷: the IVS starts where its base's pair does.
  const std::string rec = B("C1 0E 4A 41 4A 48 0F C2 0E 4A 46 0F");
  ASSERT_EQ(U(decoded(*cs, rec)), U(U"A住\u845B\U000E0100B\U00020BB7"));
  const std::size_t want[] = {0, 2, 4, 4, 7, 9, 12};
  for (std::size_t i = 0; i < std::size(want); ++i) EXPECT_EQ(cs->offset_of(rec, i), want[i]) << "character " << i;
  EXPECT_EQ(cs->offset_of(rec, 99), rec.size());
  EXPECT_EQ(cs->offset_of(B("0E 4A 41 0F C1"), 1), 4u);
  EXPECT_EQ(cs->offset_of("", 0), 0u);
}

// --- every entry of the sample --------------------------------------------------------

TEST(TableCharset, EveryEntryOfTheSampleRoundTrips) {
  auto def = load_table_charset(kSample);
  ASSERT_TRUE(def.has_value());
  auto cs = make_table_charset(*def);
  const auto& entries = (*def)->table->entries();
  ASSERT_EQ(entries.size(), 32u);
  std::string all_bytes = "\x0E";
  std::u32string all_text;
  std::size_t ivs = 0;
  for (const auto& e : entries) {
    SCOPED_TRACE("line " + std::to_string(e.line));
    ASSERT_TRUE(e.double_byte);
    const std::string code{static_cast<char>(e.code >> 8), static_cast<char>(e.code & 0xFF)};
    EXPECT_EQ(U(decoded(*cs, "\x0E" + code + "\x0F")), U(e.ucs));
    EXPECT_EQ(H(encoded_unchecked(*cs, e.ucs)), H("\x0E" + code + "\x0F"));
    if (e.ucs.size() == 1) {
      EXPECT_TRUE(cs->encodable(e.ucs[0]));
    }
    ivs += e.ucs.size() == 2;
    all_bytes += code;
    all_text += e.ucs;
  }
  EXPECT_EQ(ivs, 1u);
  all_bytes += "\x0F";
  EXPECT_EQ(U(decoded(*cs, all_bytes)), U(all_text));
  EXPECT_EQ(H(encoded_unchecked(*cs, all_text)), H(all_bytes));
  // The single-byte half is ICU's ibm-037, byte for byte (the shifts aside).
  IcuRef raw("ibm-037");
  for (int b = 0; b < 256; ++b) {
    if (b == 0x0E || b == 0x0F) continue;
    const std::string one(1, static_cast<char>(b));
    SCOPED_TRACE(H(one));
    const auto want = raw.decode(one);
    ASSERT_TRUE(want.has_value());
    EXPECT_EQ(U(decoded(*cs, one)), U(*want));
    if (raw.encode(*want) == one) {
      EXPECT_EQ(H(encoded_unchecked(*cs, *want)), H(one));
    }
  }
}

// --- the table file -------------------------------------------------------------------

TEST(TableCharsetFile, EveryBadLineIsNamed) {
  const std::string text =
      "# header\n"                          // 1
      "\n"                                  // 2
      "4BF1:U+5409\n"                       // 3
      "4BF1 U+5409\n"                       // 4
      "4BF:U+5409\n"                        // 5
      "4BG1:U+5409\n"                       // 6
      "4BF2:5409\n"                         // 7
      "4BF3:U+D800\n"                       // 8
      "4BF4:U+E0100\n"                      // 9
      "C1:U+0041 U+FE00\n"                  // 10
      "4BF5:U+5409 U+6C11\n"                // 11
      "4BF1:U+6C11\n"                       // 12
      "4BF6:U+5409\n"                       // 13
      "4BF7:U+845B U+E0100 U+E0101\n"       // 14
      "   4BF8:U+845B   # indented, with a comment\n"  // 15
      "4BF9:U+845B U+E0100\r\n"             // 16
      "C1:U+0041\n"                         // 17
      "c1:U+0042\n"                         // 18
      "41:U+4F4F\n"                         // 19
      "4BFA:U+0041\n"                       // 20
      ":\n"                                 // 21
      "4BFB:\n"                             // 22
      "4BFC:U+5409:U+6C11\n"                // 23
      "\t\n";                               // 24
  auto t = CharsetTable::parse(text, "t.txt");
  ASSERT_FALSE(t.has_value());
  std::vector<std::string> got;
  for (const auto& d : t.error().sorted()) got.push_back(d.str());
  const std::vector<std::string> want = {
      "t.txt:4: '4BF1 U+5409' is not an entry (code:U+XXXX or code:U+XXXX U+E01xx)",
      "t.txt:5: code '4BF' is not 2 hex digits (single-byte) or 4 (double-byte)",
      "t.txt:6: code '4BG1' is not 2 hex digits (single-byte) or 4 (double-byte)",
      "t.txt:7: '5409' is not U+XXXX or U+XXXX U+E01xx (a base and its variation selector)",
      "t.txt:8: 'U+D800' is not U+XXXX or U+XXXX U+E01xx (a base and its variation selector)",
      "t.txt:9: a variation selector cannot stand alone or first",
      "t.txt:10: a base with a variation selector needs a double-byte code",
      "t.txt:11: the second code point of 'U+5409 U+6C11' is not a variation selector",
      "t.txt:12: code 4BF1 is already on line 3",
      "t.txt:13: U+5409 is already code 4BF1 on line 3 (each character needs exactly one code)",
      "t.txt:14: 'U+845B U+E0100 U+E0101' is not U+XXXX or U+XXXX U+E01xx (a base and its variation selector)",
      "t.txt:18: code C1 is already on line 17",
      "t.txt:20: U+0041 is already code C1 on line 17 (each character needs exactly one code)",
      "t.txt:21: code '' is not 2 hex digits (single-byte) or 4 (double-byte)",
      "t.txt:22: '' is not U+XXXX or U+XXXX U+E01xx (a base and its variation selector)",
      "t.txt:23: 'U+5409:U+6C11' is not U+XXXX or U+XXXX U+E01xx (a base and its variation selector)",
  };
  EXPECT_EQ(got, want);
  // The good lines of the same file, alone, load: a base and its IVS are two entries.
  auto good = CharsetTable::parse("\xEF\xBB\xBF# BOM first\r\n4BF1:U+5409\r\n   4BF8:U+845B   # c\n"
                                  "4BF9:U+845B U+E0100\r\nC1:U+0041\n41:U+4F4F\n",
                                  "good.txt");
  ASSERT_TRUE(good.has_value()) << good.error().items()[0].str();
  EXPECT_EQ(good->entries().size(), 5u);
  ASSERT_NE(good->pair(0x4B, 0xF9), nullptr);
  EXPECT_EQ(U(good->pair(0x4B, 0xF9)->ucs), "U+845B U+E0100");
  EXPECT_EQ(good->pair(0x4B, 0xF9)->line, 4);
  ASSERT_NE(good->single(0x41), nullptr);
  EXPECT_EQ(U(good->single(0x41)->ucs), "U+4F4F");
  EXPECT_EQ(good->pair(0x00, 0x41), nullptr);
  ASSERT_NE(good->by_ucs(U"\u845B"), nullptr);
  EXPECT_EQ(good->by_ucs(U"\u845B")->code, 0x4BF8);
  // Nothing in it is an error too.
  auto empty = CharsetTable::parse("# nothing\n\n", "empty.txt");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().items()[0].str(), "empty.txt: the table has no entries");
}

// --- the config file ------------------------------------------------------------------

TEST(TableCharsetConfig, EveryProblemIsNamedWithItsFileAndLine) {
  Files f;
  f.write("own.txt", kOwnTable);
  f.write("dbcs.txt", "4040:U+3000\n4A41:U+4F4F\n");
  f.write("bad.txt", "4A41:U+4F4F\nzz\n");
  // A typo, a missing table, a byte that is not one, an unknown mode.
  EXPECT_EQ(f.problems(f.write("a.yaml", "tabel: own.txt\nshift_out: [0x0E]\nshift_in: [0xZZ]\nstarts_in: triple\n")),
            "a.yaml:1: charset 'table:a': missing required field 'table'\n"
            "a.yaml:1: charset 'table:a': unknown field 'tabel'\n"
            "a.yaml:3: charset 'table:a': field 'shift_in': '0xZZ' is not a byte in hex (0x0E or 0E)\n"
            "a.yaml:4: charset 'table:a': field 'starts_in': unknown value 'triple' (expected one of single, double)\n");
  EXPECT_EQ(f.problems(f.write("b.yaml", "table: own.txt\nshift_out: 0x0E\nshift_in: [0x0F, 0x0F, 0x0F, 0x0F, 0x0F]\n")),
            "b.yaml:2: charset 'table:b': field 'shift_out': expected a list\n"
            "b.yaml:3: charset 'table:b': field 'shift_in': expected a list of 1 to 4 bytes, e.g. [0x0E]\n");
  EXPECT_EQ(f.problems(f.write("c.yaml", "table: own.txt\nshift_out: [0x0E]\nshift_in: [0x0E, 0x41]\n")),
            "c.yaml:3: charset 'table:c': field 'shift_in': shift_in and shift_out must differ, neither beginning "
            "with the other\n");
  // The table's own problems, under its name.
  EXPECT_EQ(f.problems(f.write("d.yaml", "table: bad.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "bad.txt:2: 'zz' is not an entry (code:U+XXXX or code:U+XXXX U+E01xx)\n");
  EXPECT_EQ(f.problems(f.write("e.yaml", "table: missing.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "missing.txt: cannot open file\n");
  // The single-byte half: exactly one, and a single-byte converter.
  EXPECT_EQ(f.problems(f.write("g.yaml", "table: own.txt\nsingle_byte: ibm-037\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "g.yaml:2: charset 'table:g': field 'single_byte': the table has single-byte entries too (own.txt line "
            "1): the single-byte half comes from one of them\n");
  EXPECT_EQ(f.problems(f.write("h.yaml", "table: dbcs.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "h.yaml:1: charset 'table:h': no single-byte half: name an ICU converter in single_byte, or give the "
            "table single-byte entries\n");
  EXPECT_EQ(f.problems(f.write("i.yaml", "table: dbcs.txt\nsingle_byte: no-such-cs\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "i.yaml:2: charset 'table:i': field 'single_byte': ICU has no converter named 'no-such-cs'\n");
  EXPECT_EQ(f.problems(f.write("j.yaml", "table: dbcs.txt\nsingle_byte: ibm-943_P15A-2003\nshift_out: [0x0E]\n"
                                         "shift_in: [0x0F]\n")),
            "j.yaml:2: charset 'table:j': field 'single_byte': 'ibm-943_P15A-2003' is not a single-byte converter\n");
  // No code may hold a shift's first byte; no character may have a code in both halves.
  f.write("clash.txt", "0E:U+0041\n0E41:U+4F4F\n410F:U+6C11\n4040:U+3000\n");
  EXPECT_EQ(f.problems(f.write("k.yaml", "table: clash.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "clash.txt:1: code 0E begins a shift sequence (shift_out or shift_in)\n"
            "clash.txt:2: code 0E41 holds byte 0E, which begins a shift sequence (shift_out or shift_in)\n"
            "clash.txt:3: code 410F holds byte 0F, which begins a shift sequence (shift_out or shift_in)\n");
  f.write("both.txt", "4A41:U+4F4F\n4AC1:U+0041\n4040:U+3000\n");
  EXPECT_EQ(f.problems(f.write("l.yaml", "table: both.txt\nsingle_byte: ibm-037\nshift_out: [0x0E]\nshift_in: [0x0F]\n")),
            "both.txt:2: U+0041 is also byte C1 of the single-byte half ibm-037 (each character needs exactly one "
            "code)\n");
  // The spaces must be the spaces.
  EXPECT_EQ(f.problems(f.write("m.yaml", "table: dbcs.txt\nsingle_byte: ibm-037\nshift_out: [0x0E]\nshift_in: [0x0F]\n"
                                         "space: 0x41\ndbcs_space: 4A41\n")),
            "m.yaml:5: charset 'table:m': field 'space': byte 41 is not the space U+0020 in the single-byte half\n"
            "m.yaml:6: charset 'table:m': field 'dbcs_space': code 4A41 is not U+3000 in the table\n");
  EXPECT_EQ(f.problems(f.write("n.yaml", "table: own.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\nspace: 0x0E\n")),
            "n.yaml:4: charset 'table:n': field 'space': byte 0E is not the space U+0020 in the single-byte half\n");
  EXPECT_EQ(f.problems(f.write("n2.yaml", "table: own.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\nspace: 0x400\n"
                                          "dbcs_space: 40\n")),
            "n2.yaml:4: charset 'table:n2': field 'space': '0x400' is not a byte in hex (0x40 or 40)\n"
            "n2.yaml:5: charset 'table:n2': field 'dbcs_space': '40' is not a double-byte code in hex (4040 or "
            "0x4040)\n");
  EXPECT_EQ(f.problems(f.write("o.yaml", "[not, a, mapping]\n")),
            "o.yaml:1: charset 'table:o': expected a mapping of keys to values\n");
  // And what is right loads, in either spelling of a byte.
  EXPECT_EQ(f.problems(f.write("p.yaml", "table: own.txt\nshift_out: [0E]\nshift_in: [0x0f]\nspace: 40\n"
                                         "dbcs_space: 0x4040\nstarts_in: single\ndescription: own\n")),
            "(loaded)");
  // open_table_charset says the same, one diagnostic a line.
  auto bad = open_table_charset(f.write("q.yaml", "table: clash.txt\nshift_out: [0x0E]\nshift_in: [0x0F]\n"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("clash.txt:1: code 0E begins a shift sequence"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("\n"), std::string::npos) << bad.error();
}

// --- how a system names it ------------------------------------------------------------

std::unique_ptr<Charset> plain_factory() { return std::move(*open_charset("UTF-8")); }

TEST(TableCharsetRegistry, OpenCharsetGivesTheRegisteredTableCharset) {
  Files f;
  const std::string yaml = f.write("sample.yaml", "table: " + kSampleTable +
                                                      "\nsingle_byte: ibm-037\nshift_out: [0x0E]\nshift_in: [0x0F]\n");
  EXPECT_FALSE(open_charset("table:sample").has_value());
  auto name = register_table_charset(yaml);
  ASSERT_TRUE(name.has_value()) << name.error();
  EXPECT_EQ(*name, "table:sample");
  // The factory opens ibm-037 through open_charset itself: it runs outside the lock.
  auto cs = open_charset("table:sample");
  ASSERT_TRUE(cs.has_value()) << cs.error();
  EXPECT_EQ((*cs)->name(), "table:sample");
  EXPECT_EQ(U(decoded(**cs, B("C1 0E 4A 41 0F"))), U(U"A住"));
  // Each open is an instance of its own over the one loaded table.
  auto other = open_charset("table:sample");
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->get(), cs->get());
  EXPECT_EQ(H(encoded_unchecked(**other, U"住A")), "0E 4A 41 0F C1");

  // By hand, with a factory that holds the definition.
  auto def = load_table_charset(kSample);
  ASSERT_TRUE(def.has_value());
  register_charset("table:by-hand", [d = *def] { return make_table_charset(d); });
  auto by_hand = open_charset("table:by-hand");
  ASSERT_TRUE(by_hand.has_value()) << by_hand.error();
  EXPECT_EQ((*by_hand)->name(), "table:sample-jef");
  // A plain function still registers; a factory that cannot make one is an error.
  register_charset("test:plain-function", &plain_factory);
  auto plain = open_charset("test:plain-function");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ((*plain)->name(), "UTF-8");
  register_charset("test:refuses", [] { return std::unique_ptr<Charset>(); });
  auto refused = open_charset("test:refuses");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), "charset 'test:refuses' could not be opened");
  // A table charset nobody loaded says where it would come from.
  auto missing = open_charset("table:never-loaded");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), "no table charset 'table:never-loaded' is loaded (codemaps/charsets/never-loaded.yaml)");
  // A file that does not load registers nothing.
  auto broken = register_table_charset(f.write("broken.yaml", "table: nothing.txt\n"));
  ASSERT_FALSE(broken.has_value());
  EXPECT_FALSE(open_charset("table:broken").has_value());
}

}  // namespace
}  // namespace renkei::testing
