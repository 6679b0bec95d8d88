// Packed (COMP-3) and zoned decimal fields: exact bytes both ways, every invalid nibble
// with its byte offset, and round trips over every value of small fields against an
// independent formatting (snprintf) and an independent packing of the digits.
#include <gtest/gtest.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "convert_support.hpp"
#include "renkei/convert/decimal_field.hpp"

namespace renkei::testing {
namespace {

using Kind = DecimalSpec::Kind;

DecimalSpec spec(Kind kind, std::size_t length, unsigned scale, bool is_signed = true) {
  DecimalSpec s;
  s.kind = kind;
  s.length = length;
  s.scale = scale;
  s.is_signed = is_signed;
  return s;
}

std::string text_of(const DecimalSpec& s, std::string_view bytes) {
  std::string out;
  auto r = decimal_to_text(s, bytes, out);
  EXPECT_TRUE(r.has_value()) << H(bytes) << ": " << (r ? "" : r.error().detail);
  return out;
}

std::string bytes_of(const DecimalSpec& s, std::string_view text) {
  std::string out;
  auto r = text_to_decimal(s, text, out);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().detail);
  return out;
}

DecimalError read_error(const DecimalSpec& s, std::string_view bytes) {
  std::string out = "kept";
  auto r = decimal_to_text(s, bytes, out);
  if (r) {
    ADD_FAILURE() << H(bytes) << " read as " << out << " but should have failed";
    return {};
  }
  EXPECT_EQ(out, "kept") << "nothing is appended on error";
  return r.error();
}

DecimalError write_error(const DecimalSpec& s, std::string_view text) {
  std::string out = "kept";
  auto r = text_to_decimal(s, text, out);
  if (r) {
    ADD_FAILURE() << text << " written as " << H(out.substr(4)) << " but should have failed";
    return {};
  }
  EXPECT_EQ(out, "kept") << "nothing is appended on error";
  return r.error();
}

#define EXPECT_DECIMAL_ERROR(err, kind_, offset_, detail_)             \
  do {                                                                 \
    const ::renkei::DecimalError e_ = (err);                           \
    EXPECT_EQ(e_.kind, kind_) << e_.detail;                            \
    EXPECT_EQ(e_.offset, static_cast<std::size_t>(offset_)) << e_.detail; \
    EXPECT_EQ(e_.detail, detail_);                                     \
  } while (0)

// --- exact bytes ----------------------------------------------------------------------

TEST(PackedDecimal, ExactBytesBothWays) {
  struct Row {
    DecimalSpec s;
    const char* bytes;
    const char* text;
  };
  const Row rows[] = {
      {spec(Kind::Packed, 3, 2), "12 34 5C", "123.45"},
      {spec(Kind::Packed, 3, 2), "12 34 5D", "-123.45"},
      {spec(Kind::Packed, 3, 2, false), "12 34 5F", "123.45"},
      {spec(Kind::Packed, 3, 2), "00 00 0C", "0.00"},
      {spec(Kind::Packed, 3, 2), "00 00 5D", "-0.05"},
      {spec(Kind::Packed, 3, 2), "00 10 0C", "1.00"},
      {spec(Kind::Packed, 3, 0), "00 04 2C", "42"},
      {spec(Kind::Packed, 3, 0), "00 04 2D", "-42"},
      {spec(Kind::Packed, 3, 0), "00 00 0C", "0"},
      {spec(Kind::Packed, 3, 0, false), "00 00 0F", "0"},
      {spec(Kind::Packed, 1, 0), "7C", "7"},
      {spec(Kind::Packed, 1, 1), "7D", "-0.7"},
      {spec(Kind::Packed, 5, 2), "01 23 45 67 8D", "-123456.78"},
      {spec(Kind::Packed, 4, 2), "12 34 56 7D", "-12345.67"},
      {spec(Kind::Packed, 3, 5), "12 34 5C", "0.12345"},
      {spec(Kind::Packed, 3, 5), "00 00 1D", "-0.00001"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(r.bytes) + " / " + r.text);
    EXPECT_EQ(text_of(r.s, B(r.bytes)), r.text);
  }
  // Writing: the same rows (the negative zero aside), and what text may look like.
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "123.45")), "12 34 5C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "+123.45")), "12 34 5C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "-123.45")), "12 34 5D");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2, false), "123.45")), "12 34 5F");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "0.00")), "00 00 0C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "-0.05")), "00 00 5D");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "1")), "00 10 0C");      // fraction padded
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "1.5")), "00 15 0C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "000001.50")), "00 15 0C");  // leading zeros
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 0), "42")), "00 04 2C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 0), "-42")), "00 04 2D");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 0, false), "0")), "00 00 0F");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 1, 0), "7")), "7C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 4, 2), "-12345.67")), "12 34 56 7D");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 5), "-0.00001")), "00 00 1D");
  // A zero is written positive, whatever sign the text gave it.
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "-0.00")), "00 00 0C");
  EXPECT_EQ(H(bytes_of(spec(Kind::Packed, 3, 2), "-0")), "00 00 0C");
}

TEST(PackedDecimal, EverySignNibbleReads) {
  const auto s = spec(Kind::Packed, 2, 0);
  EXPECT_EQ(text_of(s, B("12 3A")), "123");
  EXPECT_EQ(text_of(s, B("12 3B")), "-123");
  EXPECT_EQ(text_of(s, B("12 3C")), "123");
  EXPECT_EQ(text_of(s, B("12 3D")), "-123");
  EXPECT_EQ(text_of(s, B("12 3E")), "123");
  EXPECT_EQ(text_of(s, B("12 3F")), "123");
  // A negative zero is zero.
  EXPECT_EQ(text_of(s, B("00 0D")), "0");
  EXPECT_EQ(text_of(spec(Kind::Packed, 2, 2), B("00 0B")), "0.00");
}

// 16 bytes hold 31 digits (the COBOL maximum); one more is an overflow.
TEST(PackedDecimal, MaximumDigits) {
  const auto s = spec(Kind::Packed, 16, 0);
  const std::string nines(31, '9');
  const std::string max_bytes = B(std::string(30, '9') + "9C");
  EXPECT_EQ(bytes_of(s, nines), max_bytes);
  EXPECT_EQ(text_of(s, max_bytes), nines);
  EXPECT_EQ(bytes_of(s, "-" + nines), B(std::string(30, '9') + "9D"));
  EXPECT_EQ(text_of(s, B(std::string(30, '9') + "9D")), "-" + nines);
  EXPECT_DECIMAL_ERROR(write_error(s, "1" + nines), "decimal-overflow", 0,
                       "32 digits before the point, the field holds 31");
  // Leading zeros do not count.
  EXPECT_EQ(bytes_of(s, "000" + nines), max_bytes);
  const auto s2 = spec(Kind::Packed, 16, 2);
  EXPECT_EQ(text_of(s2, max_bytes), std::string(29, '9') + ".99");
  EXPECT_EQ(bytes_of(s2, std::string(29, '9') + ".99"), max_bytes);
  EXPECT_DECIMAL_ERROR(write_error(s2, "-" + std::string(30, '9')), "decimal-overflow", 1,
                       "30 digits before the point, the field holds 29");
}

TEST(ZonedDecimal, ExactBytesBothWays) {
  const auto s = spec(Kind::Zoned, 5, 2);
  EXPECT_EQ(text_of(s, B("F1 F2 F3 F4 C5")), "123.45");
  EXPECT_EQ(text_of(s, B("F1 F2 F3 F4 D5")), "-123.45");
  EXPECT_EQ(text_of(s, B("F1 F2 F3 F4 F5")), "123.45");  // F: no sign, positive
  EXPECT_EQ(text_of(s, B("F0 F0 F0 F0 C0")), "0.00");
  EXPECT_EQ(text_of(s, B("F0 F0 F0 F0 D0")), "0.00");  // negative zero
  EXPECT_EQ(text_of(s, B("F0 F0 F0 F0 D7")), "-0.07");
  EXPECT_EQ(H(bytes_of(s, "123.45")), "F1 F2 F3 F4 C5");
  EXPECT_EQ(H(bytes_of(s, "-123.45")), "F1 F2 F3 F4 D5");
  EXPECT_EQ(H(bytes_of(s, "0")), "F0 F0 F0 F0 C0");
  EXPECT_EQ(H(bytes_of(s, "-0.07")), "F0 F0 F0 F0 D7");
  const auto u = spec(Kind::Zoned, 3, 0, false);
  EXPECT_EQ(text_of(u, B("F0 F4 F2")), "42");
  EXPECT_EQ(H(bytes_of(u, "42")), "F0 F4 F2");
  const auto s0 = spec(Kind::Zoned, 3, 0);
  EXPECT_EQ(text_of(s0, B("F0 F4 D2")), "-42");
  EXPECT_EQ(H(bytes_of(s0, "-42")), "F0 F4 D2");
  EXPECT_EQ(H(bytes_of(s0, "999")), "F9 F9 C9");
  EXPECT_DECIMAL_ERROR(write_error(s0, "1000"), "decimal-overflow", 0, "4 digits before the point, the field holds 3");
  // A field of 31 digits, as COBOL allows.
  const auto big = spec(Kind::Zoned, 31, 0);
  std::string big_bytes;
  for (int i = 0; i < 30; ++i) big_bytes += "\xF9";
  big_bytes += "\xD9";
  EXPECT_EQ(bytes_of(big, "-" + std::string(31, '9')), big_bytes);
  EXPECT_EQ(text_of(big, big_bytes), "-" + std::string(31, '9'));
}

TEST(ZonedDecimal, AsciiVariantOnlyWhenAskedFor) {
  const auto s = spec(Kind::ZonedAscii, 4, 1);
  EXPECT_EQ(text_of(s, "1234"), "123.4");
  EXPECT_EQ(text_of(s, B("31 32 33 74")), "-123.4");
  EXPECT_EQ(text_of(s, B("30 30 30 70")), "0.0");
  EXPECT_EQ(bytes_of(s, "123.4"), "1234");
  EXPECT_EQ(H(bytes_of(s, "-123.4")), "31 32 33 74");
  EXPECT_EQ(H(bytes_of(s, "-0")), "30 30 30 30");
  EXPECT_DECIMAL_ERROR(read_error(s, "12 4"), "bad-decimal", 2, "not an ASCII digit (30-39) at byte 2");
  EXPECT_DECIMAL_ERROR(read_error(s, B("31 32 33 7A")), "bad-decimal", 3,
                       "neither an ASCII digit (30-39) nor a negative digit (70-79) at byte 3");
  EXPECT_DECIMAL_ERROR(read_error(s, B("31 32 33 44")), "bad-decimal", 3,
                       "neither an ASCII digit (30-39) nor a negative digit (70-79) at byte 3");
  EXPECT_DECIMAL_ERROR(read_error(s, B("31 72 33 34")), "bad-decimal", 1, "not an ASCII digit (30-39) at byte 1");
  const auto u = spec(Kind::ZonedAscii, 4, 1, false);
  EXPECT_DECIMAL_ERROR(read_error(u, B("31 32 33 74")), "bad-decimal", 3,
                       "a negative digit (70-79) at byte 3 in an unsigned field");
  EXPECT_DECIMAL_ERROR(write_error(u, "-1"), "bad-decimal", 0, "a sign at byte 0 in an unsigned field");
  // EBCDIC bytes are not ASCII digits, nor the other way round.
  EXPECT_DECIMAL_ERROR(read_error(s, B("F1 F2 F3 C4")), "bad-decimal", 0, "not an ASCII digit (30-39) at byte 0");
  EXPECT_DECIMAL_ERROR(read_error(spec(Kind::Zoned, 4, 1), "1234"), "bad-decimal", 0,
                       "zone nibble 3 at byte 0 (expected F)");
}

// --- every invalid nibble -------------------------------------------------------------

TEST(PackedDecimal, EveryInvalidNibbleIsNamedWithItsByte) {
  const auto s = spec(Kind::Packed, 3, 2);
  const std::string good = B("12 34 5C");
  ASSERT_EQ(text_of(s, good), "123.45");
  const char* hex = "0123456789ABCDEF";
  for (std::size_t nibble = 0; nibble < 6; ++nibble) {
    const bool sign = nibble == 5;
    for (unsigned v = 0; v < 16; ++v) {
      if (sign ? v >= 0xA : v <= 9) continue;  // valid here
      std::string bytes = good;
      auto& b = reinterpret_cast<unsigned char&>(bytes[nibble / 2]);
      b = nibble % 2 == 0 ? static_cast<unsigned char>((v << 4) | (b & 0x0F))
                          : static_cast<unsigned char>((b & 0xF0) | v);
      SCOPED_TRACE(H(bytes));
      const std::string detail = std::string(sign ? "sign" : "digit") + " nibble " + hex[v] + " at byte " +
                                 std::to_string(nibble / 2);
      EXPECT_DECIMAL_ERROR(read_error(s, bytes), "bad-decimal", nibble / 2, detail);
    }
  }
  // The first bad nibble is the one named.
  EXPECT_DECIMAL_ERROR(read_error(s, B("1A B4 57")), "bad-decimal", 0, "digit nibble A at byte 0");
  // An unsigned field takes only F.
  const auto u = spec(Kind::Packed, 3, 2, false);
  for (const char* last : {"5A", "5B", "5C", "5D", "5E"}) {
    SCOPED_TRACE(last);
    EXPECT_DECIMAL_ERROR(read_error(u, B(std::string("12 34 ") + last)), "bad-decimal", 2,
                         std::string("sign nibble ") + last[1] + " at byte 2 in an unsigned field (expected F)");
  }
  // Wrong lengths are the layout's or the record's fault, told as such.
  EXPECT_DECIMAL_ERROR(read_error(s, B("12 34")), "bad-decimal", 2, "the field has 2 bytes, the layout says 3");
  EXPECT_DECIMAL_ERROR(read_error(s, B("12 34 5C 00")), "bad-decimal", 3, "the field has 4 bytes, the layout says 3");
  EXPECT_DECIMAL_ERROR(read_error(spec(Kind::Packed, 0, 0), ""), "bad-decimal", 0, "the field has no bytes");
  EXPECT_DECIMAL_ERROR(read_error(spec(Kind::Packed, 1, 2), B("1C")), "bad-decimal", 0,
                       "scale 2 is more than the field's 1 digits");
  EXPECT_DECIMAL_ERROR(write_error(spec(Kind::Packed, 1, 2), "0"), "bad-decimal", 0,
                       "scale 2 is more than the field's 1 digits");
}

TEST(ZonedDecimal, EveryInvalidNibbleIsNamedWithItsByte) {
  const auto s = spec(Kind::Zoned, 3, 0);
  const std::string good = B("F1 F2 C3");
  ASSERT_EQ(text_of(s, good), "123");
  const char* hex = "0123456789ABCDEF";
  for (std::size_t byte = 0; byte < 3; ++byte) {
    const bool last = byte == 2;
    for (unsigned v = 0; v < 16; ++v) {
      // The zone nibble.
      const bool zone_ok = last ? (v == 0xC || v == 0xD || v == 0xF) : v == 0xF;
      if (!zone_ok) {
        std::string bytes = good;
        bytes[byte] = static_cast<char>((v << 4) | (static_cast<unsigned char>(bytes[byte]) & 0x0F));
        SCOPED_TRACE(H(bytes));
        const std::string detail = last ? std::string("sign nibble ") + hex[v] + " at byte 2"
                                        : std::string("zone nibble ") + hex[v] + " at byte " + std::to_string(byte) +
                                              " (expected F)";
        EXPECT_DECIMAL_ERROR(read_error(s, bytes), "bad-decimal", byte, detail);
      }
      // The digit nibble.
      if (v > 9) {
        std::string bytes = good;
        bytes[byte] = static_cast<char>((static_cast<unsigned char>(bytes[byte]) & 0xF0) | v);
        SCOPED_TRACE(H(bytes));
        EXPECT_DECIMAL_ERROR(read_error(s, bytes), "bad-decimal", byte,
                             std::string("digit nibble ") + hex[v] + " at byte " + std::to_string(byte));
      }
    }
  }
  const auto u = spec(Kind::Zoned, 3, 0, false);
  EXPECT_DECIMAL_ERROR(read_error(u, B("F1 F2 C3")), "bad-decimal", 2,
                       "sign nibble C at byte 2 in an unsigned field (expected F)");
  EXPECT_DECIMAL_ERROR(read_error(u, B("F1 F2 D3")), "bad-decimal", 2,
                       "sign nibble D at byte 2 in an unsigned field (expected F)");
  // EBCDIC spaces (a blank numeric field) are not zero.
  EXPECT_DECIMAL_ERROR(read_error(s, B("40 40 40")), "bad-decimal", 0, "zone nibble 4 at byte 0 (expected F)");
}

// --- text that cannot be written ------------------------------------------------------

TEST(DecimalText, EveryRefusalNamesItsOffset) {
  const auto s = spec(Kind::Packed, 3, 2);
  EXPECT_DECIMAL_ERROR(write_error(s, ""), "bad-decimal", 0, "no digits at byte 0");
  EXPECT_DECIMAL_ERROR(write_error(s, "-"), "bad-decimal", 1, "no digits at byte 1");
  EXPECT_DECIMAL_ERROR(write_error(s, "+-1"), "bad-decimal", 1, "not a digit at byte 1");
  EXPECT_DECIMAL_ERROR(write_error(s, " 12"), "bad-decimal", 0, "not a digit at byte 0");
  EXPECT_DECIMAL_ERROR(write_error(s, "12 "), "bad-decimal", 2, "not a digit at byte 2");
  EXPECT_DECIMAL_ERROR(write_error(s, "1,5"), "bad-decimal", 1, "not a digit at byte 1");
  EXPECT_DECIMAL_ERROR(write_error(s, "1e3"), "bad-decimal", 1, "not a digit at byte 1");
  EXPECT_DECIMAL_ERROR(write_error(s, "\xEF\xBC\x91"), "bad-decimal", 0, "not a digit at byte 0");  // full-width 1
  EXPECT_DECIMAL_ERROR(write_error(s, ".5"), "bad-decimal", 0, "no digit before the point at byte 0");
  EXPECT_DECIMAL_ERROR(write_error(s, "-.5"), "bad-decimal", 1, "no digit before the point at byte 1");
  EXPECT_DECIMAL_ERROR(write_error(s, "1."), "bad-decimal", 1, "no digit after the point at byte 1");
  EXPECT_DECIMAL_ERROR(write_error(s, "1.2.3"), "bad-decimal", 3, "a second point at byte 3");
  EXPECT_DECIMAL_ERROR(write_error(s, "1..2"), "bad-decimal", 2, "a second point at byte 2");
  EXPECT_DECIMAL_ERROR(write_error(s, "1.-2"), "bad-decimal", 2, "not a digit at byte 2");
  // Never rounded: more fraction digits than the scale, even zeros.
  EXPECT_DECIMAL_ERROR(write_error(s, "1.234"), "decimal-overflow", 4,
                       "3 digits after the point, the field has 2 (a value is never rounded)");
  EXPECT_DECIMAL_ERROR(write_error(s, "1.230"), "decimal-overflow", 4,
                       "3 digits after the point, the field has 2 (a value is never rounded)");
  EXPECT_DECIMAL_ERROR(write_error(spec(Kind::Packed, 3, 0), "1.0"), "decimal-overflow", 2,
                       "1 digits after the point, the field has 0 (a value is never rounded)");
  // Too big: the offset of the first digit that counts.
  EXPECT_DECIMAL_ERROR(write_error(s, "1000"), "decimal-overflow", 0, "4 digits before the point, the field holds 3");
  EXPECT_DECIMAL_ERROR(write_error(s, "-001000.5"), "decimal-overflow", 3,
                       "4 digits before the point, the field holds 3");
  // An unsigned field takes no sign at all.
  const auto u = spec(Kind::Packed, 3, 2, false);
  EXPECT_DECIMAL_ERROR(write_error(u, "-1"), "bad-decimal", 0, "a sign at byte 0 in an unsigned field");
  EXPECT_DECIMAL_ERROR(write_error(u, "+1"), "bad-decimal", 0, "a sign at byte 0 in an unsigned field");
  EXPECT_DECIMAL_ERROR(write_error(spec(Kind::Zoned, 3, 2, false), "-0"), "bad-decimal", 0,
                       "a sign at byte 0 in an unsigned field");
}

// --- every value of small fields ------------------------------------------------------

// The digits of |v|, `width` wide, and the sign, packed by hand: the reference bytes.
std::string packed_ref(long v, std::size_t bytes, bool is_signed) {
  char digits[64];
  std::snprintf(digits, sizeof digits, "%0*ld", static_cast<int>(bytes * 2 - 1), std::labs(v));
  const int sign = !is_signed ? 0xF : v < 0 ? 0xD : 0xC;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const int hi = digits[2 * i] - '0';
    const int lo = i + 1 < bytes ? digits[2 * i + 1] - '0' : sign;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string zoned_ref(long v, std::size_t bytes, bool is_signed) {
  char digits[64];
  std::snprintf(digits, sizeof digits, "%0*ld", static_cast<int>(bytes), std::labs(v));
  const int sign = !is_signed ? 0xF : v < 0 ? 0xD : 0xC;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((i + 1 < bytes ? 0xF0 : sign << 4) | (digits[i] - '0')));
  return out;
}

// "-123.45" by snprintf, from the integer number of hundredths.
std::string text_ref(long v, unsigned scale) {
  char buf[64];
  if (scale == 0) {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  }
  long unit = 1;
  for (unsigned i = 0; i < scale; ++i) unit *= 10;
  std::snprintf(buf, sizeof buf, "%s%ld.%0*ld", v < 0 ? "-" : "", std::labs(v) / unit, static_cast<int>(scale),
                std::labs(v) % unit);
  return buf;
}

TEST(DecimalRoundTrip, EveryValueOfAThreeBytePackedField) {
  const auto s = spec(Kind::Packed, 3, 2);
  const auto u = spec(Kind::Packed, 3, 2, false);
  const auto s0 = spec(Kind::Packed, 3, 0);
  std::size_t checked = 0;
  for (long v = -99999; v <= 99999; ++v) {
    const std::string ref = packed_ref(v, 3, true);
    const std::string text = text_ref(v, 2);
    std::string got_text, got_bytes;
    ASSERT_TRUE(decimal_to_text(s, ref, got_text).has_value()) << v;
    ASSERT_EQ(got_text, text) << H(ref);
    ASSERT_TRUE(text_to_decimal(s, text, got_bytes).has_value()) << text;
    ASSERT_EQ(H(got_bytes), H(ref)) << text;
    std::string t0, b0;
    ASSERT_TRUE(decimal_to_text(s0, ref, t0).has_value()) << v;
    ASSERT_EQ(t0, text_ref(v, 0));
    ASSERT_TRUE(text_to_decimal(s0, t0, b0).has_value()) << t0;
    ASSERT_EQ(b0, ref) << t0;
    if (v >= 0) {
      const std::string uref = packed_ref(v, 3, false);
      std::string ut, ub;
      ASSERT_TRUE(decimal_to_text(u, uref, ut).has_value()) << v;
      ASSERT_EQ(ut, text);
      ASSERT_TRUE(text_to_decimal(u, text, ub).has_value()) << text;
      ASSERT_EQ(ub, uref) << text;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 199999u);
  // One past either end does not fit.
  std::string out;
  EXPECT_EQ(text_to_decimal(s, "1000.00", out).error().kind, "decimal-overflow");
  EXPECT_EQ(text_to_decimal(s, "-1000.00", out).error().kind, "decimal-overflow");
}

TEST(DecimalRoundTrip, EveryValueOfAFiveByteZonedField) {
  const auto s = spec(Kind::Zoned, 5, 2);
  const auto u = spec(Kind::Zoned, 5, 2, false);
  for (long v = -99999; v <= 99999; ++v) {
    const std::string ref = zoned_ref(v, 5, true);
    const std::string text = text_ref(v, 2);
    std::string got_text, got_bytes;
    ASSERT_TRUE(decimal_to_text(s, ref, got_text).has_value()) << v;
    ASSERT_EQ(got_text, text) << H(ref);
    ASSERT_TRUE(text_to_decimal(s, text, got_bytes).has_value()) << text;
    ASSERT_EQ(H(got_bytes), H(ref)) << text;
    if (v >= 0) {
      const std::string uref = zoned_ref(v, 5, false);
      std::string ut, ub;
      ASSERT_TRUE(decimal_to_text(u, uref, ut).has_value()) << v;
      ASSERT_EQ(ut, text);
      ASSERT_TRUE(text_to_decimal(u, text, ub).has_value()) << text;
      ASSERT_EQ(ub, uref) << text;
    }
  }
}

// A detail names places and counts, never the value it refused.
TEST(DecimalText, DetailsNeverCarryTheValue) {
  const auto s = spec(Kind::Packed, 3, 2);
  for (const char* text : {"98765.4", "9876.54321", "987x6", "-98765"}) {
    std::string out;
    auto r = text_to_decimal(s, text, out);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().detail.find("987"), std::string::npos) << r.error().detail;
    EXPECT_EQ(r.error().detail.find("876"), std::string::npos) << r.error().detail;
  }
}

}  // namespace
}  // namespace renkei::testing
