#pragma once
// Cuts one record into the fields of its layout, on the source's bytes.
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/catalogue/model.hpp"

namespace renkei {

struct RecordField {
  std::string name;
  const LayoutField* def = nullptr;  // nullptr: the whole record (no layout, or format line)
  std::size_t offset = 0;            // byte offset of the field's first byte in the record
  std::string_view bytes;            // the field's value (unquoted for csv)
  std::string unquoted;              // storage when csv quoting had to be undone
  bool quoted = false;
};

struct LayoutError {
  std::string field;
  std::size_t offset = 0;
  std::string detail;
};

// A csv layout's delimiter and quote must be ASCII below 0x40, so they never occur inside
// a double-byte character of CP932 (whose trail bytes start at 0x40).
std::expected<std::vector<RecordField>, LayoutError> split_record(const LayoutDef* layout, std::string_view record);

// Writes one csv value, quoting it only when it has to be.
void append_csv_value(std::string& out, std::string_view value, char delimiter, char quote);

}  // namespace renkei
