#pragma once
// A city's own code table for a vendor host code (JEF, KEIS, JIPS), one mapping a line:
//   4BF1:U+5409            a double-byte code and its character
//   4BF2:U+845B U+E0100    a double-byte code and a base with its variation selector
//   C1:U+0041              a single-byte code
// '#' starts a comment (a whole line, or the rest of one); blank lines are skipped. Each
// code and each character sequence appears once, so the mapping reads back both ways.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/diagnostic.hpp"

namespace renkei {

struct CharsetTableEntry {
  uint16_t code = 0;         // the byte, or the two bytes (the first one high)
  bool double_byte = false;
  std::u32string ucs{};      // one code point, or a base and its variation selector
  int line = 0;
};

class CharsetTable {
 public:
  // Every line that is not an entry, a comment or blank is a diagnostic naming
  // `shown_as` and the line.
  static Result<CharsetTable> parse(std::string_view text, const std::string& shown_as);
  static Result<CharsetTable> load(const std::string& path, const std::string& shown_as);

  const std::vector<CharsetTableEntry>& entries() const { return entries_; }
  bool has_single_byte() const { return singles_ > 0; }
  const CharsetTableEntry* single(uint8_t byte) const;
  const CharsetTableEntry* pair(uint8_t first, uint8_t second) const;
  const CharsetTableEntry* by_ucs(std::u32string_view seq) const;

 private:
  std::vector<CharsetTableEntry> entries_;
  std::size_t singles_ = 0;
  std::array<int32_t, 256> single_{};  // entry index, −1 for none
  std::vector<int32_t> double_;        // [first * 256 + second] → entry index, −1 for none
  std::map<std::u32string, int32_t, std::less<>> by_ucs_;
};

}  // namespace renkei
