// A dead letter shown to an operator: what decodes as text (HTML-escaped), every byte that
// does not, and every control or private-use character, marked — nothing replaced or lost.
#include "record_display.hpp"

#include <gtest/gtest.h>

namespace renkei {
namespace {

TEST(RecordDisplay, UndecodableBytesAndControlsAreMarkedNeverReplaced) {
  auto d = display_record(std::string("a<b\xFF\xFE" "c\x01" "d\n", 9), "UTF-8");
  EXPECT_EQ(d.html, "a&lt;b<span class=\"bad\">\\xFF</span><span class=\"bad\">\\xFE</span>c"
                    "<span class=\"bad\">\\x01</span>d\n");
  EXPECT_EQ(d.bad_bytes, 2u);
  EXPECT_FALSE(d.cut);
}

TEST(RecordDisplay, Cp932DecodesAndItsUserDefinedAreaIsMarkedAsGaiji) {
  // 山田 then F040 (CP932's first user-defined character, U+E000), then an illegal lead byte.
  auto d = display_record(std::string("\x8e\x52\x93\x63\xf0\x40\x81", 7), "ibm-943_P15A-2003");
  EXPECT_EQ(d.html, "山田<span class=\"bad\" title=\"外字（私用領域）\">U+E000</span><span class=\"bad\">\\x81</span>");
  EXPECT_EQ(d.bad_bytes, 1u);
}

TEST(RecordDisplay, OnlyTheFirstBytesAreShownAndAnUnknownCharsetShowsHex) {
  auto d = display_record(std::string(100, 'x'), "UTF-8", 10);
  EXPECT_EQ(d.html, std::string(10, 'x'));
  EXPECT_TRUE(d.cut);
  auto h = display_record("ab", "no-such-charset");
  EXPECT_FALSE(h.charset_error.empty());
  EXPECT_EQ(h.html, "<span class=\"bad\">\\x61\\x62</span>");
}

}  // namespace
}  // namespace renkei
