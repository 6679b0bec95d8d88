// The 個人番号 check digit and the log mask built on it.
#include <gtest/gtest.h>

#include "renkei/my_number.hpp"

namespace renkei {
namespace {

TEST(MyNumber, CheckDigitRule) {
  // 12345678901: Σ P·Q = 212, 212 mod 11 = 3, check digit 11 − 3 = 8.
  EXPECT_TRUE(is_my_number("123456789018"));
  // Exactly one of the ten possible last digits is right.
  int valid = 0;
  for (char c = '0'; c <= '9'; ++c) valid += is_my_number(std::string("12345678901") + c);
  EXPECT_EQ(valid, 1);
  // Remainder 0 or 1 gives check digit 0: 00000000000 sums to 0.
  EXPECT_TRUE(is_my_number("000000000000"));
  EXPECT_FALSE(is_my_number("12345678901"));     // eleven digits
  EXPECT_FALSE(is_my_number("1234567890180"));   // thirteen
  EXPECT_FALSE(is_my_number("12345678901a"));
}

TEST(MyNumber, MaskReplacesOnlyValidTwelveDigitRuns) {
  EXPECT_EQ(mask_my_numbers("person 123456789018 moved"), "person [個人番号] moved");
  EXPECT_EQ(mask_my_numbers("123456789018"), "[個人番号]");
  EXPECT_EQ(mask_my_numbers("a123456789018,123456789018b"), "a[個人番号],[個人番号]b");
  // Invalid check digit, or part of a longer number (offsets, byte counts): left alone.
  EXPECT_EQ(mask_my_numbers("123456789019"), "123456789019");
  EXPECT_EQ(mask_my_numbers("1123456789018"), "1123456789018");
  EXPECT_EQ(mask_my_numbers("batch 20261125T121910Z-dc4c offset 1234"), "batch 20261125T121910Z-dc4c offset 1234");
}

TEST(MyNumber, MaskCatchesFullWidthAndGroupedForms) {
  // 123456789018 is valid; every way of writing it is masked.
  EXPECT_EQ(mask_my_numbers("１２３４５６７８９０１８"), "[個人番号]");
  EXPECT_EQ(mask_my_numbers("no 1234 5678 9018."), "no [個人番号].");
  EXPECT_EQ(mask_my_numbers("1234-5678-9018"), "[個人番号]");
  EXPECT_EQ(mask_my_numbers("１２３４－５６７８－９０１８"), "[個人番号]");
  EXPECT_EQ(mask_my_numbers("１２３４　５６７８　９０１８"), "[個人番号]");
  EXPECT_EQ(mask_my_numbers("1234 - 5678 - 9018"), "[個人番号]");
  EXPECT_EQ(mask_my_numbers("12345678９０１８"), "[個人番号]");        // mixed widths
  EXPECT_EQ(mask_my_numbers("番号：１２３４５６７８９０１８です"), "番号：[個人番号]です");
  // A number next to other digit groups is still found as a span of whole groups.
  EXPECT_EQ(mask_my_numbers("item 3 1234 5678 9018"), "item 3 [個人番号]");
  EXPECT_EQ(mask_my_numbers("1234 5678 9018 and 1234-5678-9018"), "[個人番号] and [個人番号]");
}

TEST(MyNumber, MaskLeavesWhatIsNoMyNumber) {
  for (const char* s : {"1234 5678 9019", "１２３４５６７８９０１９", "1234-5678-9019",  // check digit wrong
                        "1234 5678 901",                                            // eleven digits
                        "91234 5678 9018",                                          // 13 digits in whole groups
                        "1234  -  5678 9018",                                       // too many separators
                        "2026-12-03 17:40:00", "offset 1234 size 5678", "１２３", "０",
                        "1234_5678_9018", "1234/5678/9018"})
    EXPECT_EQ(mask_my_numbers(s), s) << s;
  // Truncated multi-byte sequences at the end must not be read past.
  const std::string cut = std::string("１２") + "\xEF\xBC";
  EXPECT_EQ(mask_my_numbers(cut), cut);
}

}  // namespace
}  // namespace renkei

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "renkei/json_log.hpp"

namespace renkei {
namespace {

TEST(JsonLog, OneObjectPerLineEscapedAndMasked) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger log("t", sink);
  log.set_formatter(make_json_log_formatter());
  log.warn("route {}: \"quoted\"\tand 123456789018 and\nnewline", "009");
  const std::string line = out.str();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
  EXPECT_NE(line.find(R"("level":"warning")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("logger":"t")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("msg":"route 009: \"quoted\"\tand [個人番号] and\nnewline"})"), std::string::npos) << line;
  EXPECT_EQ(line.find("123456789018"), std::string::npos);
  EXPECT_EQ(line.rfind(R"({"time":")", 0), 0u) << line;
}

TEST(JsonLog, InvalidUtf8BecomesTextEscapesAndFullWidthNumbersAreMasked) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger log("t", sink);
  log.set_formatter(make_json_log_formatter());
  log.warn("bad \xFF\xC3( ok 漢字 １２３４－５６７８－９０１８ \x7f");
  const std::string line = out.str();
  EXPECT_NE(line.find(R"(bad \\xFF\\xC3( ok 漢字 [個人番号] \u007f)"), std::string::npos) << line;
  for (unsigned char c : line) EXPECT_NE(c, 0xFF);
  EXPECT_EQ(line.find("\xC3("), std::string::npos) << "a lone lead byte is escaped";
}

}  // namespace
}  // namespace renkei
