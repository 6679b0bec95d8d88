#include <gtest/gtest.h>

#include "renkei/catalogue/file_date.hpp"

namespace renkei {
namespace {

using namespace std::chrono;

constexpr year_month_day kDay{year{2026}, month{11}, day{5}};

TEST(FileDate, PatternsNeedYearMonthAndDayAndOnlyKnownConversions) {
  EXPECT_EQ(check_file_date_pattern("RJ%Y%m%d"), std::nullopt);
  EXPECT_EQ(check_file_date_pattern("%y-%m-%d"), std::nullopt);
  EXPECT_EQ(check_file_date_pattern("100%%_%Y%m%d"), std::nullopt);
  EXPECT_NE(check_file_date_pattern("%Y%m"), std::nullopt);
  EXPECT_NE(check_file_date_pattern("%m%d"), std::nullopt);
  EXPECT_NE(check_file_date_pattern("plain"), std::nullopt);
  auto bad = check_file_date_pattern("%Y%m%d%H");
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->find("'%H' is not supported"), std::string::npos) << *bad;
  EXPECT_NE(check_file_date_pattern("%Y%m%d%"), std::nullopt);
  EXPECT_NE(check_file_date_pattern("in/%Y%m%d"), std::nullopt);
}

TEST(FileDate, FormatsZeroPaddedAndFindsTheDateAnywhereInTheName) {
  EXPECT_EQ(format_file_date("RJ%Y%m%d", kDay), "RJ20261105");
  EXPECT_EQ(format_file_date("%y.%m.%d", kDay), "26.11.05");
  EXPECT_EQ(format_file_date("%%%Y%m%d", kDay), "%20261105");
  EXPECT_TRUE(file_name_has_date("resident_RJ20261105_v2.csv", "RJ%Y%m%d", kDay));
  EXPECT_FALSE(file_name_has_date("resident_RJ20261106.csv", "RJ%Y%m%d", kDay));
  EXPECT_FALSE(file_name_has_date("resident_20261105.csv", "RJ%Y%m%d", kDay));
  EXPECT_TRUE(file_name_has_date("20261105", "%Y%m%d", kDay));
}

}  // namespace
}  // namespace renkei
