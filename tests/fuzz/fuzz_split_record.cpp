// Fuzzes split_record, the layout parser of records, on csv layouts (with and without a
// header, comma/quote and tab/apostrophe, one to five fields), fixed-width layouts and
// line layouts (and no layout). Every input is split by each layout. Checks:
//  - an error's offset is within the record (at most its size);
//  - on success: one field per layout field, in order, each pointing at its definition;
//  - unquoted csv fields and fixed fields are views into the record at their offset
//    (offset + size within the record); quoted ones view their own unquoted storage;
//  - the fields put back together (quoted values re-quoted) give the record byte for
//    byte; a fixed record has exactly the layout's length;
//  - append_csv_value writes every value so that splitting it gives the value back.
#include <cstdint>
#include <vector>

#include "fuzz_support.hpp"
#include "renkei/convert/record_fields.hpp"

namespace {

using renkei::LayoutDef;
using renkei::LayoutField;
using renkei::LayoutFormat;

LayoutDef csv(std::string name, int n, char delimiter, char quote, bool header) {
  LayoutDef l;
  l.name = std::move(name);
  l.format = LayoutFormat::Csv;
  l.delimiter = delimiter;
  l.quote = quote;
  l.header = header;
  for (int i = 0; i < n; ++i) l.fields.push_back(LayoutField{"f" + std::to_string(i + 1), 0, 0, i == 1, i + 1});
  return l;
}

LayoutDef fixed(std::string name, std::vector<std::size_t> lengths) {
  LayoutDef l;
  l.name = std::move(name);
  l.format = LayoutFormat::Fixed;
  std::size_t at = 0;
  int i = 0;
  for (std::size_t len : lengths) {
    l.fields.push_back(LayoutField{"f" + std::to_string(++i), at, len, false, i});
    at += len;
  }
  l.record_length = at;
  return l;
}

const std::vector<LayoutDef>& layouts() {
  static const auto* v = new std::vector<LayoutDef>{
      csv("csv1", 1, ',', '"', false),
      csv("csv3-header", 3, ',', '"', true),
      csv("csv5", 5, ',', '"', false),
      csv("tsv1", 1, '\t', '\'', false),
      csv("tsv2", 2, '\t', '\'', false),
      csv("tsv4-header", 4, '\t', '\'', true),
      fixed("fixed-1", {8}),
      fixed("fixed-3", {4, 10, 2}),
      fixed("fixed-5", {1, 2, 3, 4, 5}),
      [] {
        LayoutDef l;
        l.name = "line";
        l.format = LayoutFormat::Line;
        return l;
      }(),
  };
  return *v;
}

void check_split(const LayoutDef* l, std::string_view record) {
  const std::string name = l ? l->name : "(none)";
  auto r = renkei::split_record(l, record);
  if (!r) {
    FUZZ_CHECK(r.error().offset <= record.size(), name + ": error offset " + std::to_string(r.error().offset) +
                                                      " beyond the record of " + std::to_string(record.size()) +
                                                      " bytes: " + fuzz::hex_bytes(record));
    FUZZ_CHECK(!r.error().field.empty(), name + ": error names no field");
    return;
  }
  const auto& fields = *r;
  auto within = [&](const renkei::RecordField& f) {
    // An empty value has no bytes to point at (an empty view may hold nullptr).
    if (f.offset > record.size() || f.bytes.size() > record.size() - f.offset) return false;
    return f.bytes.empty() || f.bytes.data() == record.data() + f.offset;
  };
  if (!l || l->format == LayoutFormat::Line) {
    FUZZ_CHECK(fields.size() == 1 && fields[0].def == nullptr && fields[0].bytes == record && within(fields[0]),
               name + ": a line layout makes one field of the whole record");
    return;
  }
  FUZZ_CHECK(fields.size() == l->fields.size(), name + ": " + std::to_string(fields.size()) + " fields for " +
                                                    std::to_string(l->fields.size()) + " in the layout");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    FUZZ_CHECK(f.def == &l->fields[i] && f.name == l->fields[i].name, name + ": field " + std::to_string(i) +
                                                                          " does not point at its definition");
  }
  if (l->format == LayoutFormat::Fixed) {
    FUZZ_CHECK(record.size() == l->record_length, name + ": a record of " + std::to_string(record.size()) +
                                                      " bytes split by a layout of " +
                                                      std::to_string(l->record_length));
    for (const auto& f : fields) {
      FUZZ_CHECK(!f.quoted && within(f) && f.offset == f.def->offset && f.bytes.size() == f.def->length,
                 name + ": field " + f.name + " is not the bytes its definition names");
    }
    return;
  }
  std::string joined;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    if (i > 0) joined.push_back(l->delimiter);
    FUZZ_CHECK(f.offset == joined.size(), name + ": field " + f.name + " at offset " + std::to_string(f.offset) +
                                              ", put back together it stands at " + std::to_string(joined.size()) +
                                              " in " + fuzz::hex_bytes(record));
    if (f.quoted) {
      FUZZ_CHECK(f.bytes.data() == f.unquoted.data() && f.bytes.size() == f.unquoted.size(),
                 name + ": quoted field " + f.name + " does not view its unquoted value");
      FUZZ_CHECK(f.offset < record.size() && record[f.offset] == l->quote,
                 name + ": quoted field " + f.name + " does not start with the quote");
      joined.push_back(l->quote);
      for (char c : f.bytes) {
        if (c == l->quote) joined.push_back(c);
        joined.push_back(c);
      }
      joined.push_back(l->quote);
    } else {
      FUZZ_CHECK(within(f), name + ": unquoted field " + f.name + " (offset " + std::to_string(f.offset) + ", " +
                                std::to_string(f.bytes.size()) + " bytes) is not inside the record of " +
                                std::to_string(record.size()) + " bytes");
      FUZZ_CHECK(f.bytes.find(l->delimiter) == std::string_view::npos,
                 name + ": unquoted field " + f.name + " holds the delimiter");
      joined.append(f.bytes);
    }
  }
  FUZZ_CHECK(joined == record, name + ": the fields put back together are " + fuzz::hex_bytes(joined) +
                                   ", the record is " + fuzz::hex_bytes(record));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view record(reinterpret_cast<const char*>(data), size);
  for (const auto& l : layouts()) check_split(&l, record);
  check_split(nullptr, record);

  // The writer: any value, written as one csv value, splits back to itself.
  for (const auto& l : layouts()) {
    if (l.format != LayoutFormat::Csv || l.fields.size() != 1) continue;
    std::string written;
    renkei::append_csv_value(written, record, l.delimiter, l.quote);
    auto r = renkei::split_record(&l, written);
    FUZZ_CHECK(r.has_value(), l.name + ": append_csv_value wrote " + fuzz::hex_bytes(written) +
                                  " which does not split: " + (r ? "" : r.error().detail));
    FUZZ_CHECK(r->size() == 1 && (*r)[0].bytes == record,
               l.name + ": append_csv_value(" + fuzz::hex_bytes(record) + ") splits back to something else");
  }
  return 0;
}
