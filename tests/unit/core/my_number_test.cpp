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

}  // namespace
}  // namespace renkei
