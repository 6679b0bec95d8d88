#include "renkei/catalogue/layout_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "yaml_reader.hpp"

namespace renkei {
namespace fs = std::filesystem;
namespace {

// Delimiter and quote are matched on the source's bytes: below 0x40 they never occur
// inside a double-byte CP932 character (whose trail bytes start at 0x40), so '|' is out.
std::optional<char> single_char(MapReader& m, const std::string& key, char fallback) {
  auto v = m.str(key);
  if (!v) return fallback;
  char c = 0;
  if (v->size() == 1) c = (*v)[0];
  else if (*v == "\\t" || *v == "tab") c = '\t';
  if (c == 0 || static_cast<unsigned char>(c) >= 0x40 || (c >= '0' && c <= '9') || c == '\n' || c == '\r') {
    m.error(key, "expected one ASCII punctuation character below 0x40 (',', ';', ':', tab, '\"', '\''), got '" +
                     *v + "' (bytes from 0x40 up occur inside double-byte CP932 characters)");
    return std::nullopt;
  }
  return c;
}

std::optional<LayoutDef> parse_layout(const YAML::Node& doc, const std::string& name, const std::string& shown,
                                      Diagnostics& diags) {
  MapReader m(doc, shown, "layout '" + name + "'", diags);
  if (!m.is_map()) {
    diags.error(shown, line_of(doc), "layout '" + name + "': expected a mapping");
    return std::nullopt;
  }
  LayoutDef l;
  l.name = name;
  l.where.file = shown;
  l.where.line = m.line();
  const std::string_view format_names[] = {"line", "csv", "fixed"};
  auto format = m.enumeration<LayoutFormat>(
      "format", Need::Required,
      [](std::string_view s) -> std::optional<LayoutFormat> {
        if (s == "line") return LayoutFormat::Line;
        if (s == "csv") return LayoutFormat::Csv;
        if (s == "fixed") return LayoutFormat::Fixed;
        return std::nullopt;
      },
      format_names);
  auto delimiter = single_char(m, "delimiter", ',');
  auto quote = single_char(m, "quote", '"');
  auto header = m.boolean("header");
  auto key = m.str("key");
  const std::string_view framing_names[] = {"newline", "none"};
  auto framing = m.enumeration<LayoutDef::Framing>(
      "framing", Need::Optional,
      [](std::string_view s) -> std::optional<LayoutDef::Framing> {
        if (s == "newline") return LayoutDef::Framing::Newline;
        if (s == "none") return LayoutDef::Framing::None;
        return std::nullopt;
      },
      framing_names);
  const std::string_view write_names[] = {"fixed", "csv"};
  auto write_as = m.enumeration<bool>(
      "write_as", Need::Optional,
      [](std::string_view s) -> std::optional<bool> {
        if (s == "fixed") return false;
        if (s == "csv") return true;
        return std::nullopt;
      },
      write_names);
  auto fields = m.sequence("fields", format && *format != LayoutFormat::Line ? Need::Required : Need::Optional);
  const int key_line = m.line_of_key("key");
  m.finish();
  if (delimiter && quote && *delimiter == *quote) {
    m.error("quote", "the quote character cannot be the delimiter");
    return std::nullopt;
  }
  if (!format || !delimiter || !quote) return std::nullopt;
  l.format = *format;
  l.delimiter = *delimiter;
  l.quote = *quote;
  l.header = header.value_or(false);
  if (key) l.key = *key;
  bool ok = true;
  if ((framing || write_as) && l.format != LayoutFormat::Fixed) {
    if (framing) m.error("framing", "framing only applies to fixed-width layouts");
    if (write_as) m.error("write_as", "write_as only applies to fixed-width layouts");
    ok = false;
  }
  if (framing) l.framing = *framing;
  if (write_as) l.write_as_csv = *write_as;
  std::set<std::string> names;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // fixed: [offset, end)
  if (fields) {
    for (const auto& item : *fields) {
      MapReader f(item, shown, "layout '" + name + "': field", diags);
      if (!f.is_map()) {
        diags.error(shown, line_of(item), "layout '" + name + "': a field must be a mapping");
        ok = false;
        continue;
      }
      LayoutField lf;
      lf.line = f.line();
      auto fname = f.str("name", Need::Required);
      if (fname) f.rename("layout '" + name + "': field '" + *fname + "'");
      const Need need_pos = l.format == LayoutFormat::Fixed ? Need::Required : Need::Optional;
      auto offset = f.integer("offset", need_pos, 0, 1 << 20);
      auto length = f.integer("length", need_pos, 1, 1 << 20);
      auto kana = f.boolean("kana");
      const std::string_view type_names[] = {"text", "packed", "zoned"};
      auto type = f.enumeration<LayoutField::Type>(
          "type", Need::Optional,
          [](std::string_view s) -> std::optional<LayoutField::Type> {
            if (s == "text") return LayoutField::Type::Text;
            if (s == "packed") return LayoutField::Type::Packed;
            if (s == "zoned") return LayoutField::Type::Zoned;
            return std::nullopt;
          },
          type_names);
      auto scale = f.integer("scale", Need::Optional, 0, 30);
      auto is_signed = f.boolean("signed");
      const bool number = type && *type != LayoutField::Type::Text;
      if ((number || scale || is_signed) && l.format != LayoutFormat::Fixed) {
        f.error(number ? "type" : scale ? "scale" : "signed", "numbers (type packed or zoned) are fixed-width fields");
        ok = false;
      } else if ((scale || is_signed) && !number) {
        f.error(scale ? "scale" : "signed", "only applies to a field of type packed or zoned");
        ok = false;
      } else if (number && length && scale) {
        const auto digits = *type == LayoutField::Type::Packed ? 2 * *length - 1 : *length;
        if (*scale > digits) {
          f.error("scale", "more digits after the point than the field holds");
          ok = false;
        }
      }
      if (type) lf.type = *type;
      if (scale) lf.scale = static_cast<unsigned>(*scale);
      if (is_signed) lf.is_signed = *is_signed;
      if (l.format != LayoutFormat::Fixed && (offset || length)) {
        if (offset) f.error("offset", "offset only applies to fixed-width layouts");
        if (length) f.error("length", "length only applies to fixed-width layouts");
        ok = false;
      }
      f.finish();
      if (fname && fname->empty()) {
        f.error("name", "a field needs a name");
        fname.reset();
      }
      if (!fname || (l.format == LayoutFormat::Fixed && (!offset || !length))) {
        ok = false;
        continue;
      }
      if (!names.insert(*fname).second) {
        diags.error(shown, lf.line, "layout '" + name + "': field '" + *fname + "' is defined twice");
        ok = false;
      }
      lf.name = *fname;
      lf.kana = kana.value_or(false);
      if (offset) lf.offset = static_cast<std::size_t>(*offset);
      if (length) lf.length = static_cast<std::size_t>(*length);
      l.fields.push_back(std::move(lf));
    }
  }
  if (l.format == LayoutFormat::Fixed && ok) {
    // Fields must tile the record: a gap or overlap is almost always a typo in an offset.
    std::vector<const LayoutField*> sorted;
    for (const auto& f : l.fields) sorted.push_back(&f);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    std::size_t at = 0;
    for (const auto* f : sorted) {
      if (f->offset != at) {
        diags.error(shown, f->line,
                    "layout '" + name + "': field '" + f->name + "' starts at byte " + std::to_string(f->offset) +
                        " but the previous field ends at byte " + std::to_string(at) +
                        (f->offset > at ? " (gap)" : " (overlap)"));
        ok = false;
      }
      at = std::max(at, f->offset + f->length);
    }
    l.record_length = at;
  }
  if (!l.key.empty() && !names.contains(l.key)) {
    diags.error(shown, key_line, "layout '" + name + "': key field '" + l.key + "' is not one of its fields");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return l;
}

}  // namespace

void load_layout_dir(const std::string& dir, const std::string& shown_dir, std::map<std::string, LayoutDef>& out,
                     Diagnostics& diags) {
  for (const auto& path : list_config_dir(dir, shown_dir, ".yaml", diags)) {
    const std::string shown = (fs::path(shown_dir) / path.filename()).string();
    auto doc = load_yaml_file(path.string(), shown, diags);
    if (!doc) continue;
    const std::string name = path.stem().string();
    if (auto l = parse_layout(*doc, name, shown, diags)) out.emplace(name, std::move(*l));
  }
}

}  // namespace renkei
