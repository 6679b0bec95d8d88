#pragma once
// The Charset over a loaded TableCharsetDef: single-byte runs through the ICU half (or
// the table's single-byte entries), double-byte pairs through the table, shift sequences
// between them.
#include <array>

#include "charset_table.hpp"
#include "renkei/convert/table_charset.hpp"

namespace renkei {

// The first byte of each shift sequence: no code may hold one, so a shift is always
// recognised where it stands and never taken for (part of) a character.
std::array<bool, 256> shift_lead_bytes(const TableCharsetDef& def);

class TableCharset final : public Charset {
 public:
  // `single_byte`: an instance of the ICU converter def->single_byte names, or nullptr
  // when the table has the single-byte entries.
  TableCharset(TableCharsetDefPtr def, std::unique_ptr<Charset> single_byte);
  const std::string& name() const override { return def_->name; }
  std::expected<void, CharsetError> decode(std::string_view in, std::u32string& out) override;
  std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) override;
  bool encodable(char32_t c) override;
  std::size_t offset_of(std::string_view in, std::size_t char_index) override;

 private:
  enum class Shift { Out, In, Broken };
  Shift shift_at(std::string_view in, std::size_t p) const;
  // The single-byte code of `c`, or -1.
  int single_byte_of(char32_t c);

  TableCharsetDefPtr def_;
  const CharsetTable& table_;
  std::unique_ptr<Charset> sbcs_;
  std::array<bool, 256> shift_lead_{};
  std::string scratch_;
};

}  // namespace renkei
