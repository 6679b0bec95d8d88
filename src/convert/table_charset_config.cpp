// codemaps/charsets/<name>.yaml: a table charset's file, its table, and the checks that
// make the whole reversible (no code holding a shift byte, no character with two codes
// across the two halves) before any record is converted.
#include <charconv>
#include <cstdio>

#include "icu_charset.hpp"
#include "table_charset.hpp"
#include "yaml_reader.hpp"

namespace renkei {
namespace fs = std::filesystem;
namespace {

// "0x0E" or "0E" (`digits` hex digits exactly, or up to that many after 0x).
std::optional<unsigned> parse_hex_value(std::string_view s, std::size_t digits) {
  const bool prefixed = s.starts_with("0x") || s.starts_with("0X");
  if (prefixed) s.remove_prefix(2);
  if (s.empty() || s.size() > digits || (!prefixed && s.size() != digits)) return std::nullopt;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string hex(unsigned v, int digits) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%0*X", digits, v);
  return buf;
}

std::optional<std::string> byte_sequence(MapReader& m, const std::string& key) {
  auto items = m.strings(key, Need::Required);
  if (!items) return std::nullopt;
  if (items->empty() || items->size() > 4) {
    m.error(key, "expected a list of 1 to 4 bytes, e.g. [0x0E]");
    return std::nullopt;
  }
  std::string seq;
  for (const auto& s : *items) {
    auto b = parse_hex_value(s, 2);
    if (!b) {
      m.error(key, "'" + s + "' is not a byte in hex (0x0E or 0E)");
      return std::nullopt;
    }
    seq.push_back(static_cast<char>(*b));
  }
  return seq;
}

std::string joined(const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += (out.empty() ? "" : "\n") + d.str();
  return out;
}

}  // namespace

Result<TableCharsetDefPtr> load_table_charset(const fs::path& yaml) {
  Diagnostics diags;
  const std::string shown = yaml.string();
  auto doc = load_yaml_file(shown, shown, diags);
  if (!doc) return std::unexpected(diags);
  auto def = std::make_shared<TableCharsetDef>();
  def->name = "table:" + yaml.stem().string();
  MapReader m(*doc, shown, "charset '" + def->name + "'", diags);
  m.str("description");
  auto table_name = m.str("table", Need::Required);
  auto single = m.str("single_byte");
  auto shift_out = byte_sequence(m, "shift_out");
  auto shift_in = byte_sequence(m, "shift_in");
  const std::string_view modes[] = {"single", "double"};
  auto starts_double = m.enumeration<bool>(
      "starts_in", Need::Optional,
      [](std::string_view s) -> std::optional<bool> {
        if (s == "single") return false;
        if (s == "double") return true;
        return std::nullopt;
      },
      modes);
  if (auto s = m.str("space")) {
    if (auto b = parse_hex_value(*s, 2)) def->space = static_cast<uint8_t>(*b);
    else m.error("space", "'" + *s + "' is not a byte in hex (0x40 or 40)");
  }
  if (auto s = m.str("dbcs_space")) {
    if (auto c = parse_hex_value(*s, 4); c && *c > 0xFF) def->dbcs_space = static_cast<uint16_t>(*c);
    else m.error("dbcs_space", "'" + *s + "' is not a double-byte code in hex (4040 or 0x4040)");
  }
  m.finish();
  if (shift_out && shift_in && (shift_out->starts_with(*shift_in) || shift_in->starts_with(*shift_out)))
    m.error("shift_in", "shift_in and shift_out must differ, neither beginning with the other");

  std::optional<CharsetTable> table;
  std::string table_shown;
  if (table_name) {
    const fs::path path = yaml.parent_path() / *table_name;
    table_shown = path.string();
    auto t = CharsetTable::load(table_shown, table_shown);
    if (t) table = std::move(*t);
    else diags.append(t.error());
  }
  if (!diags.empty() || !table || !shift_out || !shift_in) return std::unexpected(diags);
  def->shift_out = *shift_out;
  def->shift_in = *shift_in;
  def->starts_double = starts_double.value_or(false);
  const auto lead = shift_lead_bytes(*def);

  // The single-byte half: an ICU converter or the table's entries, never both (a byte
  // would have two readings).
  std::unique_ptr<Charset> probe;
  const CharsetTableEntry* first_single = nullptr;
  for (const auto& e : table->entries())
    if (!e.double_byte) {
      first_single = &e;
      break;
    }
  if (single) {
    def->single_byte = *single;
    std::string why;
    if (first_single) {
      m.error("single_byte", "the table has single-byte entries too (" + table_shown + " line " +
                                 std::to_string(first_single->line) + "): the single-byte half comes from one of them");
    } else if (auto conv = open_strict_converter(*single, &why); !conv) {
      m.error("single_byte", why);
    } else if (ucnv_getMaxCharSize(conv.get()) != 1) {
      m.error("single_byte", "'" + *single + "' is not a single-byte converter");
    } else if (auto cs = open_charset(*single); !cs) {
      m.error("single_byte", cs.error());
    } else {
      probe = std::move(*cs);
      // offset_of counts one character a byte.
      for (unsigned b = 0; b < 256; ++b) {
        std::u32string cps;
        if (!lead[b] && probe->decode(std::string(1, static_cast<char>(b)), cps) && cps.size() != 1)
          m.error("single_byte", "'" + *single + "' reads byte " + hex(b, 2) + " as " +
                                     std::to_string(cps.size()) + " code points");
      }
    }
  } else if (!first_single) {
    m.error_here("no single-byte half: name an ICU converter in single_byte, or give the table single-byte entries");
  }

  std::string scratch;
  for (const auto& e : table->entries()) {
    if (!e.double_byte && lead[e.code]) {
      diags.error(table_shown, e.line, "code " + hex(e.code, 2) + " begins a shift sequence (shift_out or shift_in)");
    } else if (e.double_byte && (lead[e.code >> 8] || lead[e.code & 0xFF])) {
      diags.error(table_shown, e.line,
                  "code " + hex(e.code, 4) + " holds byte " + hex(lead[e.code >> 8] ? e.code >> 8 : e.code & 0xFF, 2) +
                      ", which begins a shift sequence (shift_out or shift_in)");
    } else if (probe && e.ucs.size() == 1) {
      scratch.clear();
      if (probe->encode(e.ucs, scratch) && scratch.size() == 1 && !lead[static_cast<uint8_t>(scratch[0])])
        diags.error(table_shown, e.line,
                    "U+" + hex(static_cast<unsigned>(e.ucs[0]), 4) + " is also byte " +
                        hex(static_cast<uint8_t>(scratch[0]), 2) + " of the single-byte half " + *single +
                        " (each character needs exactly one code)");
    }
  }

  if (def->space) {
    const uint8_t b = *def->space;
    bool is_space = false;
    if (!lead[b] && probe) {
      std::u32string cps;
      is_space = probe->decode(std::string(1, static_cast<char>(b)), cps) && cps == U" ";
    } else if (const CharsetTableEntry* e = lead[b] ? nullptr : table->single(b)) {
      is_space = e->ucs == U" ";
    }
    if (!is_space) m.error("space", "byte " + hex(b, 2) + " is not the space U+0020 in the single-byte half");
  }
  if (def->dbcs_space) {
    const CharsetTableEntry* e = table->pair(static_cast<uint8_t>(*def->dbcs_space >> 8),
                                             static_cast<uint8_t>(*def->dbcs_space & 0xFF));
    if (!e || e->ucs != U"\u3000")
      m.error("dbcs_space", "code " + hex(*def->dbcs_space, 4) + " is not U+3000 in the table");
  }
  if (!diags.empty()) return std::unexpected(diags);
  def->table = std::make_shared<const CharsetTable>(std::move(*table));
  return TableCharsetDefPtr(std::move(def));
}

std::unique_ptr<Charset> make_table_charset(TableCharsetDefPtr def) {
  std::unique_ptr<Charset> single;
  if (!def->single_byte.empty()) {
    auto cs = open_charset(def->single_byte);
    if (!cs) return nullptr;
    single = std::move(*cs);
  }
  return std::make_unique<TableCharset>(std::move(def), std::move(single));
}

std::expected<std::unique_ptr<Charset>, std::string> open_table_charset(const fs::path& yaml) {
  auto def = load_table_charset(yaml);
  if (!def) return std::unexpected(joined(def.error()));
  const std::string name = (*def)->name;
  if (auto cs = make_table_charset(std::move(*def))) return cs;
  return std::unexpected("charset '" + name + "' could not be opened");
}

std::expected<std::string, std::string> register_table_charset(const fs::path& yaml) {
  auto def = load_table_charset(yaml);
  if (!def) return std::unexpected(joined(def.error()));
  std::string name = (*def)->name;
  register_charset(name, [d = std::move(*def)]() { return make_table_charset(d); });
  return name;
}

}  // namespace renkei
