// BatchEnd: the closing marker of a batch ("count=N;sha256=HEX;eol=0|1;name=NAME").
#include <gtest/gtest.h>

#include <string>

#include "renkei/batch.hpp"

namespace renkei {
namespace {

const std::string kSha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

BatchEnd make(uint64_t count, bool eol, std::string name) {
  BatchEnd e;
  e.count = count;
  e.sha256 = kSha;
  e.final_newline = eol;
  e.name = std::move(name);
  return e;
}

void expect_same(const BatchEnd& a, const BatchEnd& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(a.final_newline, b.final_newline);
  EXPECT_EQ(a.name, b.name);
}

TEST(BatchEnd, FormatHasTheDocumentedShape) {
  EXPECT_EQ(make(3, true, "x.csv").format(), "count=3;sha256=" + kSha + ";eol=1;name=x.csv");
  EXPECT_EQ(make(0, false, "").format(), "count=0;sha256=" + kSha + ";eol=0;name=");
}

TEST(BatchEnd, RoundTripsPlainValues) {
  for (bool eol : {false, true}) {
    for (uint64_t count : {uint64_t{0}, uint64_t{1}, uint64_t{1'000'000}, UINT64_MAX}) {
      auto e = make(count, eol, "JUKI_20260101.csv");
      auto p = BatchEnd::parse(e.format());
      ASSERT_TRUE(p.has_value()) << e.format();
      expect_same(*p, e);
    }
  }
}

TEST(BatchEnd, RoundTripsNamesWithSeparators) {
  for (std::string name : {"a;b.csv", "a=b.csv", "count=1;sha256=x;eol=1;name=y", ";", "=", ";;==;",
                           "name=", "住民記録_2026.csv", "with space.txt", ""}) {
    auto e = make(42, true, name);
    auto p = BatchEnd::parse(e.format());
    ASSERT_TRUE(p.has_value()) << e.format();
    expect_same(*p, e);
  }
}

TEST(BatchEnd, ParsesHandWrittenText) {
  auto p = BatchEnd::parse("count=12;sha256=" + kSha + ";eol=0;name=f;g=h");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->count, 12u);
  EXPECT_EQ(p->sha256, kSha);
  EXPECT_FALSE(p->final_newline);
  EXPECT_EQ(p->name, "f;g=h");
}

TEST(BatchEnd, RejectsBadCount) {
  for (std::string count : {"", "-1", "x", "1x", " 1", "1 ", "+1", "0x10", "18446744073709551616", "1.5"}) {
    std::string text = "count=" + count + ";sha256=" + kSha + ";eol=1;name=f";
    EXPECT_FALSE(BatchEnd::parse(text).has_value()) << text;
  }
}

TEST(BatchEnd, RejectsShortOrLongSha) {
  for (std::string sha : {std::string(), kSha.substr(0, 63), kSha.substr(0, 32), kSha + "0"}) {
    std::string text = "count=1;sha256=" + sha + ";eol=1;name=f";
    EXPECT_FALSE(BatchEnd::parse(text).has_value()) << text;
  }
}

TEST(BatchEnd, RejectsBadEol) {
  for (std::string eol : {"", "2", "yes", "true", "10", "01"}) {
    std::string text = "count=1;sha256=" + kSha + ";eol=" + eol + ";name=f";
    EXPECT_FALSE(BatchEnd::parse(text).has_value()) << text;
  }
}

TEST(BatchEnd, RejectsMissingFieldsAndWrongOrder) {
  const std::vector<std::string> bad = {
      "",
      "count=1;sha256=" + kSha + ";eol=1",            // missing name
      "count=1;sha256=" + kSha + ";eol=1;",           // missing name, trailing ';'
      "count=1;sha256=" + kSha + ";eol=1;nam=f",      // misspelt name key
      "count=1;sha256=" + kSha + ";name=f",           // missing eol
      "count=1;eol=1;name=f",                         // missing sha
      "sha256=" + kSha + ";eol=1;name=f",             // missing count
      "sha256=" + kSha + ";count=1;eol=1;name=f",     // wrong order
      "COUNT=1;sha256=" + kSha + ";eol=1;name=f",     // keys are case-sensitive
      " count=1;sha256=" + kSha + ";eol=1;name=f",    // leading junk
  };
  for (const auto& text : bad) EXPECT_FALSE(BatchEnd::parse(text).has_value()) << text;
}

TEST(BatchEnd, RejectsShaThatIsNotLowercaseHex) {
  // The sink compares the marker's checksum with its own lowercase hex digest, so a marker
  // whose "hex" is not hex can never match: it should be refused as unreadable up front.
  std::string not_hex(64, 'z');
  std::string text = "count=1;sha256=" + not_hex + ";eol=1;name=f";
  EXPECT_FALSE(BatchEnd::parse(text).has_value());
  std::string upper(64, 'A');
  EXPECT_FALSE(BatchEnd::parse("count=1;sha256=" + upper + ";eol=1;name=f").has_value());
}

}  // namespace
}  // namespace renkei
