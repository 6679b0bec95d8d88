#pragma once
// Charsets ICU lacks — the vendor host codes Fujitsu JEF, Hitachi KEIS, NEC JIPS — built
// from the city's own code table and its host's shift conventions, configured in
// codemaps/charsets/<name>.yaml (codemaps/README.md) and named `table:<name>`:
//
//   table: <name>.txt        # the code table, relative to this file
//   single_byte: ibm-037     # the single-byte half from an ICU converter (or the table's own)
//   shift_out: [0x0E]        # the bytes that switch to double-byte mode
//   shift_in: [0x0F]         # … and back to single-byte mode
//   starts_in: single        # single | double: the mode a record starts and ends in
//   space: 0x40              # optional: the single-byte space, checked to be U+0020
//   dbcs_space: 4040         # optional: the double-byte space, checked to be U+3000
//
// Strict like every Charset: a code the table lacks is unmappable, a shift out of place
// or half a double-byte character is an illegal-sequence, each at its byte offset.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "renkei/convert/charset.hpp"
#include "renkei/diagnostic.hpp"

namespace renkei {

class CharsetTable;

// One loaded charset, shared and immutable: each Charset made from it is cheap.
struct TableCharsetDef {
  std::string name;                        // "table:<name>", from the YAML file's name
  std::string single_byte;                 // the ICU converter of the single-byte half; empty: the table's
  std::string shift_out;                   // bytes, 1 to 4
  std::string shift_in;
  bool starts_double = false;              // starts_in: double
  std::optional<uint8_t> space{};
  std::optional<uint16_t> dbcs_space{};
  std::shared_ptr<const CharsetTable> table{};
};
using TableCharsetDefPtr = std::shared_ptr<const TableCharsetDef>;

// Reads the YAML file and the table it names; every problem is a diagnostic with the
// file (the YAML or the table) and the line.
Result<TableCharsetDefPtr> load_table_charset(const std::filesystem::path& yaml);

// A new instance over a loaded definition; nullptr only if ICU cannot open the
// single-byte half it opened when the definition was loaded.
std::unique_ptr<Charset> make_table_charset(TableCharsetDefPtr def);

// load_table_charset and make_table_charset at once; the error lists every diagnostic
// as "file:line: message", one a line.
std::expected<std::unique_ptr<Charset>, std::string> open_table_charset(const std::filesystem::path& yaml);

// Loads the definition once and registers it, so that open_charset("table:<name>") gives
// an instance over it; answers that name.
std::expected<std::string, std::string> register_table_charset(const std::filesystem::path& yaml);

}  // namespace renkei
