#include "renkei/convert/decimal_field.hpp"

#include <algorithm>
#include <cstdint>

namespace renkei {
namespace {

using Kind = DecimalSpec::Kind;

std::unexpected<DecimalError> bad(std::size_t offset, std::string detail) {
  return std::unexpected(DecimalError{"bad-decimal", offset, std::move(detail)});
}
std::unexpected<DecimalError> overflow(std::size_t offset, std::string detail) {
  return std::unexpected(DecimalError{"decimal-overflow", offset, std::move(detail)});
}

char hex(unsigned nibble) { return "0123456789ABCDEF"[nibble & 0xF]; }
std::string at(std::size_t k) { return " at byte " + std::to_string(k); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Layout mistakes, told before any data is looked at.
std::expected<void, DecimalError> check_spec(const DecimalSpec& s) {
  if (s.length == 0) return bad(0, "the field has no bytes");
  if (s.scale > decimal_digits(s))
    return bad(0, "scale " + std::to_string(s.scale) + " is more than the field's " +
                      std::to_string(decimal_digits(s)) + " digits");
  return {};
}

// Each reader appends the field's digits (as '0'–'9', most significant first) and
// answers whether the sign says negative.

std::expected<bool, DecimalError> read_packed(const DecimalSpec& s, std::string_view b, std::string& digits) {
  bool negative = false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto u = static_cast<uint8_t>(b[i]);
    const unsigned hi = u >> 4, lo = u & 0xF;
    if (hi > 9) return bad(i, std::string("digit nibble ") + hex(hi) + at(i));
    digits.push_back(static_cast<char>('0' + hi));
    if (i + 1 < b.size()) {
      if (lo > 9) return bad(i, std::string("digit nibble ") + hex(lo) + at(i));
      digits.push_back(static_cast<char>('0' + lo));
      continue;
    }
    if (lo <= 9) return bad(i, std::string("sign nibble ") + hex(lo) + at(i));
    // PIC 9 COMP-3 is written with F: any other sign says the layout has the field wrong.
    if (!s.is_signed && lo != 0xF)
      return bad(i, std::string("sign nibble ") + hex(lo) + at(i) + " in an unsigned field (expected F)");
    negative = lo == 0xB || lo == 0xD;
  }
  return negative;
}

std::expected<bool, DecimalError> read_zoned(const DecimalSpec& s, std::string_view b, std::string& digits) {
  bool negative = false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto u = static_cast<uint8_t>(b[i]);
    const unsigned zone = u >> 4, digit = u & 0xF;
    if (i + 1 < b.size()) {
      if (zone != 0xF) return bad(i, std::string("zone nibble ") + hex(zone) + at(i) + " (expected F)");
    } else {
      if (zone != 0xC && zone != 0xD && zone != 0xF) return bad(i, std::string("sign nibble ") + hex(zone) + at(i));
      if (!s.is_signed && zone != 0xF)
        return bad(i, std::string("sign nibble ") + hex(zone) + at(i) + " in an unsigned field (expected F)");
      negative = zone == 0xD;
    }
    if (digit > 9) return bad(i, std::string("digit nibble ") + hex(digit) + at(i));
    digits.push_back(static_cast<char>('0' + digit));
  }
  return negative;
}

// ASCII bytes are characters of the record: a message says what a byte is not, never
// what it is.
std::expected<bool, DecimalError> read_zoned_ascii(const DecimalSpec& s, std::string_view b, std::string& digits) {
  bool negative = false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto u = static_cast<uint8_t>(b[i]);
    const bool last = i + 1 == b.size();
    if (u >= 0x30 && u <= 0x39) {
      digits.push_back(static_cast<char>(u));
      continue;
    }
    if (!last) return bad(i, "not an ASCII digit (30-39)" + at(i));
    if (u < 0x70 || u > 0x79) return bad(i, "neither an ASCII digit (30-39) nor a negative digit (70-79)" + at(i));
    if (!s.is_signed) return bad(i, "a negative digit (70-79)" + at(i) + " in an unsigned field");
    digits.push_back(static_cast<char>('0' + (u - 0x70)));
    negative = true;
  }
  return negative;
}

}  // namespace

std::size_t decimal_digits(const DecimalSpec& spec) {
  if (spec.kind == Kind::Packed) return spec.length == 0 ? 0 : spec.length * 2 - 1;
  return spec.length;
}

std::expected<void, DecimalError> decimal_to_text(const DecimalSpec& spec, std::string_view bytes, std::string& out) {
  if (auto ok = check_spec(spec); !ok) return std::unexpected(ok.error());
  if (bytes.size() != spec.length)
    return bad(std::min(bytes.size(), spec.length), "the field has " + std::to_string(bytes.size()) +
                                                        " bytes, the layout says " + std::to_string(spec.length));
  std::string digits;
  digits.reserve(decimal_digits(spec));
  auto negative = spec.kind == Kind::Packed ? read_packed(spec, bytes, digits)
                  : spec.kind == Kind::Zoned ? read_zoned(spec, bytes, digits)
                                             : read_zoned_ascii(spec, bytes, digits);
  if (!negative) return std::unexpected(negative.error());
  const std::size_t point = digits.size() - spec.scale;
  std::size_t first = 0;
  while (first + 1 < point && digits[first] == '0') ++first;
  const bool zero = std::all_of(digits.begin(), digits.end(), [](char c) { return c == '0'; });
  // A negative zero (0D) is zero: "-0.00" would claim a value the field does not hold.
  if (*negative && !zero) out.push_back('-');
  if (point == 0) out.push_back('0');
  out.append(digits, first, point - first);
  if (spec.scale > 0) {
    out.push_back('.');
    out.append(digits, point, spec.scale);
  }
  return {};
}

std::expected<void, DecimalError> text_to_decimal(const DecimalSpec& spec, std::string_view text, std::string& out) {
  if (auto ok = check_spec(spec); !ok) return std::unexpected(ok.error());
  std::size_t p = 0;
  bool negative = false;
  if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
    if (!spec.is_signed) return bad(p, "a sign" + at(p) + " in an unsigned field");
    negative = text[p] == '-';
    ++p;
  }
  const std::size_t int_begin = p;
  while (p < text.size() && is_digit(text[p])) ++p;
  const std::size_t int_end = p;
  if (int_end == int_begin) {
    if (p == text.size()) return bad(p, "no digits" + at(p));
    if (text[p] == '.') return bad(p, "no digit before the point" + at(p));
    return bad(p, "not a digit" + at(p));
  }
  std::size_t frac_begin = p, frac_end = p;
  if (p < text.size() && text[p] == '.') {
    const std::size_t point_at = p++;
    frac_begin = p;
    while (p < text.size() && is_digit(text[p])) ++p;
    frac_end = p;
    if (frac_end == frac_begin && p == text.size()) return bad(point_at, "no digit after the point" + at(point_at));
  }
  if (p < text.size()) return bad(p, std::string(text[p] == '.' ? "a second point" : "not a digit") + at(p));

  const std::size_t capacity = decimal_digits(spec);
  const std::size_t frac_len = frac_end - frac_begin;
  if (frac_len > spec.scale)
    return overflow(frac_begin + spec.scale, std::to_string(frac_len) + " digits after the point, the field has " +
                                                 std::to_string(spec.scale) + " (a value is never rounded)");
  std::size_t first = int_begin;
  while (first < int_end && text[first] == '0') ++first;
  const std::size_t int_len = int_end - first;
  if (int_len > capacity - spec.scale)
    return overflow(first, std::to_string(int_len) + " digits before the point, the field holds " +
                               std::to_string(capacity - spec.scale));

  std::string digits(capacity - spec.scale - int_len, '0');
  digits.append(text.substr(first, int_len));
  digits.append(text.substr(frac_begin, frac_len));
  digits.append(spec.scale - frac_len, '0');
  if (std::all_of(digits.begin(), digits.end(), [](char c) { return c == '0'; })) negative = false;

  auto d = [&](std::size_t i) { return static_cast<unsigned>(digits[i] - '0'); };
  const std::size_t n = spec.length;
  switch (spec.kind) {
    case Kind::Packed: {
      const unsigned sign = !spec.is_signed ? 0xF : negative ? 0xD : 0xC;
      for (std::size_t i = 0; i < n; ++i) {
        const unsigned lo = i + 1 < n ? d(2 * i + 1) : sign;
        out.push_back(static_cast<char>((d(2 * i) << 4) | lo));
      }
      break;
    }
    case Kind::Zoned: {
      const unsigned sign = !spec.is_signed ? 0xF : negative ? 0xD : 0xC;
      for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(((i + 1 < n ? 0xF : sign) << 4) | d(i)));
      break;
    }
    case Kind::ZonedAscii:
      for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<char>((i + 1 == n && negative ? 0x70 : 0x30) | d(i)));
      break;
  }
  return {};
}

}  // namespace renkei
