#include "audit_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "renkei/my_number.hpp"
#include "support/temp_dir.hpp"

namespace renkei {
namespace {

using testing::TempDir;

// A twelve-digit number whose check digit is right, found by the rule itself, so the test
// carries no real person's number.
std::string some_my_number() {
  for (int check = 0; check <= 9; ++check) {
    std::string d = "31415926535" + std::to_string(check);
    if (is_my_number(d)) return d;
  }
  return {};
}

std::string full_width(const std::string& ascii_digits) {
  std::string out;
  for (char c : ascii_digits) {
    // U+FF10..U+FF19: EF BC 90..99
    out += "\xEF\xBC";
    out += static_cast<char>(0x90 + (c - '0'));
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(AuditLogTest, A個人番号InAnyFieldOrFormIsMaskedBeforeItReachesTheFile) {
  const std::string number = some_my_number();
  ASSERT_EQ(number.size(), 12u);
  TempDir dir("renkei-audit");
  AuditLog log;
  ASSERT_TRUE(log.open(dir / "audit.log"));
  const std::string grouped = number.substr(0, 4) + " " + number.substr(4, 4) + "-" + number.substr(8);
  ASSERT_TRUE(log.write({{"operator", "op"},
                         {"reason", "typed " + number + " by mistake"},
                         {"note", full_width(number)},
                         {"grouped", grouped},
                         {"as_number", std::stoull(number)},
                         {number, "as a key"}}));
  const auto lines = lines_of(dir / "audit.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find(number), std::string::npos) << "the number reached the audit log";
  EXPECT_EQ(lines[0].find(full_width(number)), std::string::npos);
  EXPECT_EQ(lines[0].find(number.substr(4, 4)), std::string::npos) << "a group of the number is left";
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["operator"], "op");
  EXPECT_NE(j["reason"].get<std::string>().find("by mistake"), std::string::npos);
}

TEST(AuditLogTest, TwelveDigitsThatAreNotANumberStay) {
  std::string not_one = some_my_number();
  not_one.back() = static_cast<char>('0' + (not_one.back() - '0' + 1) % 10);
  ASSERT_FALSE(is_my_number(not_one));
  TempDir dir("renkei-audit");
  AuditLog log;
  ASSERT_TRUE(log.open(dir / "audit.log"));
  ASSERT_TRUE(log.write({{"run", not_one}}));
  EXPECT_NE(lines_of(dir / "audit.log").at(0).find(not_one), std::string::npos);
}

TEST(AuditLogTest, EveryLineIsOneValidJsonObjectWhateverBytesTheOperatorSent) {
  TempDir dir("renkei-audit");
  AuditLog log;
  ASSERT_TRUE(log.open(dir / "audit.log"));
  ASSERT_TRUE(log.write({{"operator", std::string("op\xff\xfe\nX-Forged: 1")}, {"action", "refused"}}));
  ASSERT_TRUE(log.write({{"operator", std::string("\x1b[31mred")}, {"action", "run"}}));
  const auto lines = lines_of(dir / "audit.log");
  ASSERT_EQ(lines.size(), 2u) << "a LF in a field split the line";
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not one JSON object";
    EXPECT_EQ(line.find('\xff'), std::string::npos);
    EXPECT_EQ(line.find('\x1b'), std::string::npos);
    EXPECT_TRUE(j.contains("time"));
  }
  // Shown as escapes an operator can read back, not replaced by U+FFFD (nothing altered
  // silently).
  const std::string first = nlohmann::json::parse(lines[0])["operator"];
  EXPECT_EQ(first.find("\xEF\xBF\xBD"), std::string::npos) << "an invalid byte was replaced";
  EXPECT_NE(first.find("\\xFF\\xFE"), std::string::npos) << first;
}

}  // namespace
}  // namespace renkei
