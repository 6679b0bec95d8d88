#include "renkei/outside_value.hpp"

#include <gtest/gtest.h>

namespace renkei {
namespace {

TEST(TraceId, HasTheBatchIdsGrammarAndNamesItsHeader) {
  EXPECT_TRUE(TraceId::parse("kafka-renkei.if.028-p0-o17"));
  EXPECT_TRUE(TraceId::parse("01J9Z3K6Q4:trace_7"));
  for (std::string_view bad : {"", "../etc", "a/b", "crlf\r\nX: 1", "-lead", "a..b", "\xe6\xbc\xa2"}) {
    auto t = TraceId::parse(bad);
    ASSERT_FALSE(t) << "accepted a hostile trace id of " << bad.size() << " bytes";
    EXPECT_EQ(t.error().what, "renkei-trace-id");
  }
  EXPECT_FALSE(TraceId::parse(std::string(TraceId::kMaxBytes + 1, 't')));
  EXPECT_TRUE(TraceId::parse(std::string(TraceId::kMaxBytes, 't')));
}

TEST(BatchId, TheIdsTheSourcesMakeParse) {
  EXPECT_TRUE(BatchId::parse("20261125T094630Z-0123456789abcdef"));
  EXPECT_TRUE(BatchId::parse("pull-20261125-0123abcd"));
  EXPECT_TRUE(BatchId::parse("a"));
  EXPECT_TRUE(BatchId::parse(std::string(BatchId::kMaxBytes, 'x')));
}

TEST(BatchId, PathsAndControlsAreRefusedWithTheOffset) {
  auto abs = BatchId::parse("/etc/passwd");
  ASSERT_FALSE(abs);
  EXPECT_EQ(abs.error().offset, 0u);
  auto up = BatchId::parse("x/../../y");
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error().offset, 1u);
  auto dots = BatchId::parse("a..b");
  ASSERT_FALSE(dots);
  EXPECT_EQ(dots.error().offset, 1u);
  EXPECT_FALSE(BatchId::parse(".hidden"));
  EXPECT_FALSE(BatchId::parse("-rf"));
  EXPECT_FALSE(BatchId::parse(""));
  EXPECT_FALSE(BatchId::parse("a\r\nX-Evil: 1"));
  EXPECT_FALSE(BatchId::parse(std::string("a\0b", 3)));
  EXPECT_FALSE(BatchId::parse(std::string(BatchId::kMaxBytes + 1, 'x')));
  EXPECT_FALSE(BatchId::parse("住民"));
}

TEST(BatchId, TheMessageNeverRepeatsTheValue) {
  auto r = BatchId::parse("SECRET/123456789012");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("SECRET"), std::string::npos);
  EXPECT_EQ(r.error().message().find("1234"), std::string::npos);
  EXPECT_NE(r.error().message().find("at byte 6"), std::string::npos);
}

TEST(SpoolName, JapaneseNamesPassAndHostileOnesAreRefused) {
  EXPECT_TRUE(SpoolName::parse("住民異動_20261125.csv"));
  EXPECT_TRUE(SpoolName::parse("JUKI 0201;a=b.csv"));
  EXPECT_FALSE(SpoolName::parse(""));
  EXPECT_FALSE(SpoolName::parse("."));
  EXPECT_FALSE(SpoolName::parse(".."));
  EXPECT_FALSE(SpoolName::parse(".x.tmp"));
  EXPECT_FALSE(SpoolName::parse("a/b"));
  EXPECT_FALSE(SpoolName::parse("a\nb"));
  EXPECT_FALSE(SpoolName::parse("a\x7f"));
  EXPECT_FALSE(SpoolName::parse("a\xc2\x85" "b"));  // U+0085 NEL
  auto bad = SpoolName::parse("ab\x82\xa0.csv");     // CP932 bytes, not UTF-8
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().offset, 2u);
  EXPECT_FALSE(SpoolName::parse(std::string(SpoolName::kMaxBytes + 1, 'n')));
  EXPECT_TRUE(SpoolName::parse(std::string(SpoolName::kMaxBytes, 'n')));
}

TEST(SafeHeaderValue, CrLfAndLengthAreRefused) {
  EXPECT_TRUE(safe_header_value("h", "renkei-001-abc"));
  auto crlf = safe_header_value("h", "x\r\nHost: evil");
  ASSERT_FALSE(crlf);
  EXPECT_EQ(crlf.error().offset, 1u);
  EXPECT_FALSE(safe_header_value("h", "a\tb"));
  EXPECT_FALSE(safe_header_value("h", std::string(300, 'a')));
  EXPECT_TRUE(safe_header_value("h", std::string(300, 'a'), 300));
}

TEST(EscapeForLog, InvalidBytesAndControlsAreEscapedOthersKept) {
  EXPECT_EQ(escape_for_log("abc"), "abc");
  EXPECT_EQ(escape_for_log("住民"), "住民");
  EXPECT_EQ(escape_for_log("a\nb"), "a\\x0Ab");
  EXPECT_EQ(escape_for_log("a\xff" "b"), "a\\xFFb");
  EXPECT_EQ(escape_for_log("\\"), "\\x5C");
}

}  // namespace
}  // namespace renkei
