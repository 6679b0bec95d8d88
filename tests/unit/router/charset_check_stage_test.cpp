// The charset check stage: a record in its declared charset passes byte for byte; an
// illegal or unmappable sequence is an error with its byte offset (ICU stop callbacks,
// never a substitution), and the detail never carries the record's contents.
#include <gtest/gtest.h>

#include <string>

#include "renkei/stage.hpp"

namespace renkei {
namespace {

constexpr const char* kCp932 = "ibm-943_P15A-2003";
// 住民 in CP932 / UTF-8.
const std::string kJuminSjis = "\x8f\x5a\x96\xaf";
const std::string kJuminUtf8 = "\xe4\xbd\x8f\xe6\xb0\x91";

class CharsetCheckStage : public ::testing::Test {
 protected:
  CharsetCheckStage() { route_.id = 7; route_.topic = "renkei.if.007"; }

  std::expected<void, StageError> check(std::string_view charset, std::string& bytes, uint64_t seq = 1) {
    RecordContext ctx{route_, charset, seq};
    auto r = stage_->apply(ctx, bytes);
    if (!r) return std::unexpected(r.error());
    if (*r) bytes = **r;  // a rewrite would show as changed bytes
    return {};
  }

  // Passes, and the bytes are exactly what went in.
  void expect_pass(std::string_view charset, const std::string& record) {
    std::string bytes = record;
    auto r = check(charset, bytes);
    EXPECT_TRUE(r.has_value()) << charset << ": " << (r ? "" : r.error().kind + " " + r.error().detail);
    EXPECT_EQ(bytes, record) << "the stage changed the bytes";
  }

  // Fails with `kind` and the offset in the detail; the bytes stay untouched.
  StageError expect_fail(std::string_view charset, const std::string& record, std::string_view kind,
                         std::size_t offset, uint64_t seq = 1) {
    std::string bytes = record;
    auto r = check(charset, bytes, seq);
    EXPECT_FALSE(r.has_value()) << charset << " accepted a bad record";
    EXPECT_EQ(bytes, record) << "the stage changed the bytes of a failing record";
    if (r) return {};
    EXPECT_EQ(r.error().kind, kind) << r.error().detail;
    EXPECT_NE(r.error().detail.find("byte " + std::to_string(offset)), std::string::npos)
        << "offset " << offset << " not in: " << r.error().detail;
    EXPECT_NE(r.error().detail.find("record " + std::to_string(seq)), std::string::npos) << r.error().detail;
    return r.error();
  }

  RouteDef route_;
  std::unique_ptr<Stage> stage_ = make_charset_check_stage();
};

TEST_F(CharsetCheckStage, ValidUtf8PassesUnchanged) {
  for (std::string_view cs : {"UTF-8", "utf-8", ""}) {
    expect_pass(cs, "");
    expect_pass(cs, "plain ascii,123");
    expect_pass(cs, kJuminUtf8 + ",東京都千代田区");
    expect_pass(cs, "\xef\xbd\xb6\xef\xbe\x9e");              // ｶﾞ (half-width, must not become ガ)
    expect_pass(cs, "\xe8\x91\x9b\xf3\xa0\x84\x80");          // 葛 + IVS U+E0100
    expect_pass(cs, "\xef\xa9\x86");                          // U+FA46 compatibility ideograph
    expect_pass(cs, "\xf0\x9f\x98\x80 and \xee\x80\x80");     // U+1F600, private use U+E000
    expect_pass(cs, std::string("nul\0inside", 10));
    expect_pass(cs, "\r");
  }
}

TEST_F(CharsetCheckStage, InvalidUtf8IsAnIllegalSequenceAtItsOffset) {
  expect_fail("UTF-8", "\xff", "illegal-sequence", 0);
  expect_fail("UTF-8", "ab\xff", "illegal-sequence", 2);
  expect_fail("UTF-8", kJuminUtf8 + "\x80", "illegal-sequence", 6);       // lone continuation byte
  expect_fail("UTF-8", "abc\xc0\xaf", "illegal-sequence", 3);             // overlong '/'
  expect_fail("UTF-8", "x\xed\xa0\x80y", "illegal-sequence", 1);          // UTF-16 surrogate
  expect_fail("UTF-8", "abcd\xe4\xbd", "illegal-sequence", 4);            // truncated at the end
  expect_fail("UTF-8", "a\xe4\xbd" "b", "illegal-sequence", 1);           // truncated in the middle
  expect_fail("UTF-8", "\xf4\x90\x80\x80", "illegal-sequence", 0);        // above U+10FFFF
  expect_fail("utf-8", "ok\xfe", "illegal-sequence", 2);
  expect_fail("", "ok\xfe", "illegal-sequence", 2);
  // The first bad byte is reported, not a later one.
  expect_fail("UTF-8", "12345\xff\xff\xff", "illegal-sequence", 5);
  // Offset far into a long record.
  expect_fail("UTF-8", std::string(100'000, 'a') + "\xc3", "illegal-sequence", 100'000);
}

TEST_F(CharsetCheckStage, ValidShiftJisPassesUnchanged) {
  expect_pass(kCp932, kJuminSjis);
  expect_pass(kCp932, "0001," + kJuminSjis + ",\xb6\xde,\x5c\x7e");   // ASCII, half-width ｶﾞ, 0x5C, 0x7E
  expect_pass(kCp932, "\x81\x60\x87\x40\xed\x40");                    // ～ (0x8160), ① (NEC row 13), IBM ext.
  expect_pass(kCp932, "");
  // Longer than the stage's conversion buffer (4096 UTF-16 units).
  std::string long_record;
  for (int i = 0; i < 6000; ++i) long_record += kJuminSjis + "ab";
  expect_pass(kCp932, long_record);
}

TEST_F(CharsetCheckStage, IllegalShiftJisIsAnErrorWithItsOffset) {
  expect_fail(kCp932, "\x81\x20", "illegal-sequence", 0);
  expect_fail(kCp932, "abc\x81\x20", "illegal-sequence", 3);
  expect_fail(kCp932, "ab" + kJuminSjis + "\x81\x20xyz", "illegal-sequence", 6);
  // A lead byte cut off at the end of the record.
  expect_fail(kCp932, "ab\x8f", "illegal-sequence", 2);
  // Far beyond the stage's 4096-unit output buffer: the offset still counts input bytes.
  std::string prefix;
  for (int i = 0; i < 3000; ++i) prefix += kJuminSjis + "ab";  // 18,000 bytes, 9,000 UTF-16 units
  expect_fail(kCp932, prefix + "\x81\x20", "illegal-sequence", prefix.size());
}

TEST_F(CharsetCheckStage, UnassignedShiftJisIsUnmappableWithItsOffset) {
  // 0x8540 is structurally a double-byte code but unassigned in CP932.
  expect_fail(kCp932, "ab\x85\x40", "unmappable", 2);
}

TEST_F(CharsetCheckStage, ConverterStateDoesNotLeakBetweenRecords) {
  expect_fail(kCp932, "abc\x81\x20", "illegal-sequence", 3);
  expect_pass(kCp932, kJuminSjis);
  expect_fail(kCp932, "ab\x8f", "illegal-sequence", 2);  // ends mid-character
  expect_pass(kCp932, "\x5a\x96\xaf");                 // must not be joined to the 0x8F above
  expect_fail(kCp932, "\x81\x20", "illegal-sequence", 0, 99);
}

TEST_F(CharsetCheckStage, OtherIcuCharsets) {
  expect_pass("euc-jp-2007", "\xbd\xbb\xcc\xb1");                 // 住民
  expect_fail("euc-jp-2007", "ab\xbd", "illegal-sequence", 2);     // truncated
  expect_pass("ibm-930", "\x0e\x45\x41\x0f");                     // SO, DBCS, SI
}

TEST_F(CharsetCheckStage, UnknownCharsetIsAnError) {
  std::string bytes = "abc";
  auto r = check("x-no-such-charset-renkei", bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().kind.empty());
  EXPECT_NE(r.error().detail.find("x-no-such-charset-renkei"), std::string::npos) << r.error().detail;
  EXPECT_EQ(bytes, "abc");
  // Still an error the second time (nothing half-cached).
  auto again = check("x-no-such-charset-renkei", bytes);
  EXPECT_FALSE(again.has_value());
}

TEST_F(CharsetCheckStage, DetailNeverContainsTheRecordBytes) {
  const std::string secret_utf8 = "SECRET-0123456789-" + kJuminUtf8;
  const std::string secret_sjis = "SECRET-0123456789-" + kJuminSjis;
  struct Case {
    std::string charset;
    std::string record;
  };
  for (const auto& c : std::vector<Case>{
           {"UTF-8", secret_utf8 + "\xff" + "TAIL-SECRET"},
           {kCp932, secret_sjis + "\x81\x20" + "TAIL-SECRET"},
           {kCp932, secret_sjis + "\x85\x40" + "TAIL-SECRET"},
           {"x-no-such-charset-renkei", secret_utf8},
       }) {
    std::string bytes = c.record;
    auto r = check(c.charset, bytes, 3);
    ASSERT_FALSE(r.has_value()) << c.charset;
    const auto& d = r.error().detail;
    EXPECT_EQ(d.find("SECRET"), std::string::npos) << d;
    EXPECT_EQ(d.find("0123456789"), std::string::npos) << d;
    EXPECT_EQ(d.find(kJuminUtf8), std::string::npos) << d;
    EXPECT_EQ(d.find(kJuminSjis), std::string::npos) << d;
    EXPECT_EQ(d.find('\xff'), std::string::npos) << d;
    EXPECT_EQ(d.find('\x81'), std::string::npos) << d;
  }
}

}  // namespace
}  // namespace renkei
