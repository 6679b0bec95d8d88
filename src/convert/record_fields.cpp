#include "renkei/convert/record_fields.hpp"

namespace renkei {
namespace {

std::expected<std::vector<RecordField>, LayoutError> split_fixed(const LayoutDef& l, std::string_view record) {
  std::vector<RecordField> out;
  out.reserve(l.fields.size());
  for (const auto& f : l.fields) {
    if (f.offset + f.length > record.size())
      return std::unexpected(LayoutError{f.name, std::min(f.offset, record.size()),
                                         "record has " + std::to_string(record.size()) + " bytes; field '" + f.name +
                                             "' needs bytes " + std::to_string(f.offset) + "–" +
                                             std::to_string(f.offset + f.length - 1) + " (layout " + l.name + ")"});
    RecordField rf;
    rf.name = f.name;
    rf.def = &f;
    rf.offset = f.offset;
    rf.bytes = record.substr(f.offset, f.length);
    out.push_back(std::move(rf));
  }
  if (record.size() != l.record_length)
    return std::unexpected(LayoutError{"(end)", l.record_length,
                                       "record has " + std::to_string(record.size()) + " bytes; layout " + l.name +
                                           " defines " + std::to_string(l.record_length)});
  return out;
}

std::expected<std::vector<RecordField>, LayoutError> split_csv(const LayoutDef& l, std::string_view record) {
  std::vector<RecordField> out;
  std::size_t i = 0;
  while (true) {
    RecordField rf;
    rf.offset = i;
    if (i < record.size() && record[i] == l.quote) {
      rf.quoted = true;
      std::size_t j = i + 1;
      bool closed = false;
      while (j < record.size()) {
        if (record[j] == l.quote) {
          if (j + 1 < record.size() && record[j + 1] == l.quote) {
            rf.unquoted.push_back(l.quote);
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        rf.unquoted.push_back(record[j++]);
      }
      const std::string name = out.size() < l.fields.size() ? l.fields[out.size()].name : "#" + std::to_string(out.size() + 1);
      if (!closed) return std::unexpected(LayoutError{name, i, "quoted value is not closed"});
      if (j < record.size() && record[j] != l.delimiter)
        return std::unexpected(LayoutError{name, j, "text after a closing quote"});
      i = j;
    } else {
      auto end = record.find(l.delimiter, i);
      if (end == std::string_view::npos) end = record.size();
      rf.bytes = record.substr(i, end - i);
      i = end;
    }
    out.push_back(std::move(rf));
    if (i >= record.size()) break;
    ++i;  // past the delimiter
    if (i == record.size()) {
      RecordField last;
      last.offset = i;
      out.push_back(std::move(last));
      break;
    }
  }
  if (out.size() != l.fields.size()) {
    const std::size_t at = out.size() > l.fields.size() ? out[l.fields.size()].offset : record.size();
    const std::string name = out.size() > l.fields.size() ? "#" + std::to_string(l.fields.size() + 1)
                                                           : l.fields[out.size()].name;
    return std::unexpected(LayoutError{name, at,
                                       "expected " + std::to_string(l.fields.size()) + " fields (layout " + l.name +
                                           "), found " + std::to_string(out.size())});
  }
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k].name = l.fields[k].name;
    out[k].def = &l.fields[k];
    if (out[k].quoted) out[k].bytes = out[k].unquoted;
  }
  return out;
}

}  // namespace

std::expected<std::vector<RecordField>, LayoutError> split_record(const LayoutDef* layout, std::string_view record) {
  if (!layout || layout->format == LayoutFormat::Line) {
    std::vector<RecordField> one(1);
    one[0].name = "record";
    one[0].bytes = record;
    return one;
  }
  if (layout->format == LayoutFormat::Fixed) return split_fixed(*layout, record);
  auto r = split_csv(*layout, record);
  // Views into `unquoted` must point at the vector's final storage.
  if (r)
    for (auto& f : *r)
      if (f.quoted) f.bytes = f.unquoted;
  return r;
}

void append_csv_value(std::string& out, std::string_view value, char delimiter, char quote) {
  const bool needs = value.find_first_of(std::string{delimiter, quote, '\n', '\r'}) != std::string_view::npos;
  if (!needs) {
    out.append(value);
    return;
  }
  out.push_back(quote);
  for (char c : value) {
    if (c == quote) out.push_back(quote);
    out.push_back(c);
  }
  out.push_back(quote);
}

}  // namespace renkei
