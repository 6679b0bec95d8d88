#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "convert_command.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/convert/record_fields.hpp"

namespace renkei::cli {
namespace {

// "U+845B", "845B", "845B_E0100" (the 一覧表's IVS form) → code points.
std::optional<std::u32string> parse_mj_ucs(std::string cell) {
  if (cell.empty()) return std::nullopt;
  for (auto& c : cell)
    if (c == '_') c = ' ';
  std::string normal;
  std::istringstream words(cell);
  std::string w;
  while (words >> w) normal += (normal.empty() ? "" : " ") + (w.starts_with("U+") ? w : "U+" + w);
  return parse_ucs_sequence(normal);
}

}  // namespace

int cmd_codemap_import_mj(const std::string& file, const std::string& output, std::ostream& out, std::ostream& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << file << ": cannot read the file\n";
    return 1;
  }
  std::string line;
  int no = 0;
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
  int rows = 0, skipped = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (no == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    if (line.empty()) continue;
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
        return 1;
      }
      for (std::size_t i = 0; i < cells->size(); ++i) col[std::string((*cells)[i].bytes)] = i;
      if (!need("MJ文字図形名") || !need("住基ネット統一文字コード")) {
        err << file << ":" << no
            << ": header: expected the 一覧表's columns MJ文字図形名 and 住基ネット統一文字コード (plus 対応するUCS, "
               "実装したUCS, 実装したMoji_JohoコレクションIVS)\n";
        return 1;
      }
      layout.fields = probe.fields;
      continue;
    }
    auto cells = split_record(&layout, line);
    if (!cells) {
      err << file << ":" << no << ": " << cells.error().detail << "\n";
      return 1;
    }
    auto cell = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() ? std::string() : std::string((*cells)[it->second].bytes);
    };
    const std::string mj = cell("MJ文字図形名");
    std::string jcode = cell("住基ネット統一文字コード");
    if (jcode.empty()) continue;  // not a 統一文字
    if (!jcode.starts_with("J+")) jcode = "J+" + jcode;
    auto j = parse_jplus(jcode);
    if (!j) {
      err << file << ":" << no << ": column 住基ネット統一文字コード: '" << jcode << "' is not a J+ code\n";
      return 1;
    }
    if (auto it = seen_j.find(*j); it != seen_j.end()) {
      ++skipped;  // several MJ glyphs share one 統一文字: the first names it
      continue;
    }
    seen_j.emplace(*j, no);
    std::optional<std::u32string> ucs = parse_mj_ucs(cell("実装したMoji_JohoコレクションIVS"));
    if (!ucs) ucs = parse_mj_ucs(cell("実装したUCS"));
    if (!ucs) ucs = parse_mj_ucs(cell("対応するUCS"));
    std::string ucs_text = "-";
    if (ucs && seen_ucs.emplace(*ucs, no).second) ucs_text = format_ucs_sequence(*ucs);
    char code[16];
    std::snprintf(code, sizeof code, "J+%04X", *j);
    table += std::string(code) + "\t" + (mj.empty() ? "-" : mj) + "\t" + ucs_text + "\n";
    ++rows;
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
  return 0;
}

}  // namespace renkei::cli
