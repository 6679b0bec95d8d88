#pragma once
// Numbers of host (mainframe) fixed-width records: packed decimal (COBOL COMP-3) and
// zoned decimal (COBOL DISPLAY) fields, to and from plain decimal text. Strict both
// ways: a nibble that is no digit or sign, a value the field cannot hold exactly, is an
// error with its byte offset — never rounded, clipped or passed on as it came.
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace renkei {

struct DecimalSpec {
  enum class Kind {
    Packed,      // two BCD digits a byte; the last byte's low nibble is the sign
    Zoned,       // EBCDIC: one digit a byte F0–F9; the last byte's zone is the sign
    ZonedAscii,  // ASCII: digits 30–39; a negative value's last byte is 70–79
  };
  Kind kind = Kind::Packed;
  std::size_t length = 0;  // bytes
  unsigned scale = 0;      // digits after the (implied) decimal point
  bool is_signed = true;   // PIC S9…: false for PIC 9…, which carries sign F (or 3x)
};

struct DecimalError {
  std::string kind;        // bad-decimal | decimal-overflow
  std::size_t offset = 0;  // byte offset in the input (the field's bytes, or the text)
  std::string detail;      // what is wrong and where; never the value
};

// How many digits a field of `spec` holds: 2N−1 packed, N zoned.
std::size_t decimal_digits(const DecimalSpec& spec);

// Appends the field's value as text: "-12345.67", "0.00", "42" — ASCII digits, a '-'
// for a negative value (never for zero), no leading zeros but the one before the point,
// exactly `scale` digits after it. Appends nothing on error.
std::expected<void, DecimalError> decimal_to_text(const DecimalSpec& spec, std::string_view bytes, std::string& out);

// Appends the `spec.length` bytes that hold `text` ("[+-]digits[.digits]"), padded with
// leading zeros; sign C or D (F when unsigned) for packed and EBCDIC zoned. Refuses a
// value with more digits than the field holds on either side of the point, a sign in an
// unsigned field, anything but that grammar. A zero is written positive. Appends nothing
// on error.
std::expected<void, DecimalError> text_to_decimal(const DecimalSpec& spec, std::string_view text, std::string& out);

}  // namespace renkei
