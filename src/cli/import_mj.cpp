// `renkeictl codemap import-mj`: the MJ文字情報一覧表 (CSV or TSV as exported, UTF-8) →
// codemaps/jukinet/unified.tsv.
#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>

#include "convert_command.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/convert/record_fields.hpp"
#include "renkei/convert/unicode_class.hpp"

namespace renkei::cli {
namespace {

// A record (with the lines a quoted cell spans) longer than this is no row of the table.
constexpr std::size_t kMaxRecord = 1 << 20;

// The columns a glyph's UCS is taken from, the first that has one: its IVS names the very
// glyph; 実装したUCS is the code point the glyph itself is encoded as (a compatibility
// ideograph such as U+FA47 where it is one); 対応するUCS is only the unified character the
// glyph belongs to, which many glyphs share, so it is the last resort.
constexpr const char* kUcsColumns[] = {"実装したMoji_JohoコレクションIVS", "実装したUCS", "対応するUCS"};

// "U+845B", "845B", "845B_E0100" (the 一覧表's IVS form) → code points. A cell may list
// several sequences joined by ';' ("845B_E0100;845B_E0102"): the first is the glyph's
// (the table's own order; one row of the unified table holds one sequence).
// nullopt: the cell is empty; an error: it holds something else.
std::expected<std::optional<std::u32string>, std::string> parse_mj_ucs(std::string_view cell) {
  while (cell.starts_with(';') || cell.starts_with(' ')) cell.remove_prefix(1);
  cell = cell.substr(0, cell.find(';'));
  std::string normal;
  std::size_t i = 0;
  while (i < cell.size()) {
    while (i < cell.size() && (cell[i] == ' ' || cell[i] == '_')) ++i;
    if (i >= cell.size()) break;
    std::size_t end = i;
    while (end < cell.size() && cell[end] != ' ' && cell[end] != '_') ++end;
    const std::string_view w = cell.substr(i, end - i);
    normal += normal.empty() ? "" : " ";
    if (!w.starts_with("U+")) normal += "U+";
    normal += w;
    i = end;
  }
  if (normal.empty()) return std::nullopt;
  auto seq = parse_ucs_sequence(normal);
  if (!seq || is_variation_selector((*seq)[0]))
    return std::unexpected(std::string("not a UCS sequence (U+845B, 845B or 845B_E0100)"));
  return seq;
}

}  // namespace

int cmd_codemap_import_mj(const std::string& file, const std::string& output, std::ostream& out, std::ostream& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << file << ": cannot read the file\n";
    return 1;
  }
  LayoutDef layout;
  layout.name = "MJ文字情報一覧表";
  layout.format = LayoutFormat::Csv;
  std::map<std::string, std::size_t> col;
  auto need = [&](const char* name) { return col.contains(name); };
  std::map<uint32_t, int> seen_j;
  std::map<std::u32string, int> seen_ucs;
  std::string table =
      "# 住基ネット統一文字 table imported by `renkeictl codemap import-mj` from " + file +
      "\n# (MJ文字情報一覧表, CC BY-SA; keep its attribution with this file).\njplus\tmj\tucs\n";
  int rows = 0, skipped = 0, private_use = 0;

  // One record of the table, `no` its first line. Returns false after reporting an error.
  auto take = [&](const std::string& line, int no) -> bool {
    if (col.empty()) {
      layout.delimiter = line.find('\t') != std::string::npos ? '\t' : ',';
      LayoutDef probe = layout;
      // The header decides how many columns there are.
      std::size_t n = 1;
      for (char c : line) n += c == layout.delimiter;
      for (std::size_t i = 0; i < n; ++i) probe.fields.push_back({"c" + std::to_string(i), 0, 0, false, 0});
      auto cells = split_record(&probe, line);
      if (!cells) {
        err << file << ":" << no << ": header: " << cells.error().detail << "\n";
        return false;
      }
      for (std::size_t i = 0; i < cells->size(); ++i) col[std::string((*cells)[i].bytes)] = i;
      if (!need("MJ文字図形名") || !need("住基ネット統一文字コード")) {
        err << file << ":" << no
            << ": header: expected the 一覧表's columns MJ文字図形名 and 住基ネット統一文字コード (plus 対応するUCS, "
               "実装したUCS, 実装したMoji_JohoコレクションIVS)\n";
        return false;
      }
      layout.fields = probe.fields;
      return true;
    }
    auto cells = split_record(&layout, line);
    if (!cells) {
      err << file << ":" << no << ": " << cells.error().detail << "\n";
      return false;
    }
    auto cell = [&](const char* name) -> std::string_view {
      auto it = col.find(name);
      return it == col.end() ? std::string_view() : (*cells)[it->second].bytes;
    };
    const std::string mj(cell("MJ文字図形名"));
    std::string jcode(cell("住基ネット統一文字コード"));
    if (jcode.empty()) return true;  // not a 統一文字
    if (!jcode.starts_with("J+")) jcode = "J+" + jcode;
    auto j = parse_jplus(jcode);
    if (!j) {
      err << file << ":" << no << ": column 住基ネット統一文字コード: '" << jcode << "' is not a J+ code\n";
      return false;
    }
    if (!mj.empty() && !is_mj_name(mj)) {
      err << file << ":" << no << ": column MJ文字図形名: not an MJ文字図形名 (MJ + 6 digits)\n";
      return false;
    }
    if (seen_j.contains(*j)) {
      ++skipped;  // several MJ glyphs share one 統一文字: the first names it
      return true;
    }
    seen_j.emplace(*j, no);
    std::optional<std::u32string> ucs;
    for (const char* name : kUcsColumns) {
      auto seq = parse_mj_ucs(cell(name));
      if (!seq) {
        err << file << ":" << no << ": column " << name << ": " << seq.error() << "\n";
        return false;
      }
      // A glyph the font implements in the private-use area has no UCS of its own there;
      // the unified table refuses private-use code points, so it is known by MJ name.
      if (*seq && std::ranges::any_of(**seq, is_private_use)) {
        ++private_use;
        continue;
      }
      if (*seq) {
        ucs = std::move(*seq);
        break;
      }
    }
    std::string ucs_text = "-";
    if (ucs && seen_ucs.emplace(*ucs, no).second) ucs_text = format_ucs_sequence(*ucs);
    char code[16];
    std::snprintf(code, sizeof code, "J+%04X", *j);
    table += std::string(code) + "\t" + (mj.empty() ? "-" : mj) + "\t" + ucs_text + "\n";
    ++rows;
    return true;
  };

  // A quoted cell may span lines (a spreadsheet's export of a cell with line breaks):
  // lines are joined while the record's quotes are unbalanced.
  std::string line, record;
  int no = 0, record_no = 0;
  bool in_quote = false;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (no == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    if (!in_quote) {
      if (line.empty()) continue;
      record.clear();
      record_no = no;
    } else {
      record += '\n';
    }
    record += line;
    for (char c : line) in_quote ^= c == layout.quote;
    if (record.size() > kMaxRecord) {
      err << file << ":" << record_no << ": the record is longer than " << (kMaxRecord >> 20)
          << " MiB (a quoted cell not closed?)\n";
      return 1;
    }
    if (in_quote) continue;
    if (!take(record, record_no)) return 1;
  }
  if (in_quote) {
    err << file << ":" << record_no << ": a quoted cell is not closed before the end of the file\n";
    return 1;
  }
  if (col.empty()) {
    err << file << ": no header row\n";
    return 1;
  }
  if (output.empty()) {
    out << table;
  } else if (auto w = write_file_atomically(output, table); !w) {
    err << output << ": " << w.error() << "\n";
    return 1;
  }
  err << file << ": " << rows << " 統一文字 written, " << skipped << " glyphs sharing a code skipped\n";
  if (private_use)
    err << file << ": " << private_use << " private-use UCS cells passed over (no UCS of their own)\n";
  return 0;
}

}  // namespace renkei::cli
