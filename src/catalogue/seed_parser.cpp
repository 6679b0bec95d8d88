#include <charconv>
#include <istream>

#include "renkei/catalogue/seed.hpp"
#include "renkei/text.hpp"

namespace renkei {

const std::array<std::string, kSeedColumns>& seed_column_names() {
  static const std::array<std::string, kSeedColumns> names{
      "No.",          "データ作成元システム", "方向",
      "データ連携先システム", "連携情報名・主な項目", "連携方式",
      "処理タイミング", "調達範囲外システムとの連携対象", "コード変換の有無",
      "コード変換の仕様", "備考"};
  return names;
}

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_header(const std::vector<std::string>& cells) {
  return !cells.empty() && normalize_cell(cells[0]) == "No.";
}

void check_header(const std::vector<std::string>& cells, const std::string& file, int line,
                  Diagnostics& diags) {
  const auto& names = seed_column_names();
  if (cells.size() != kSeedColumns) {
    diags.error(file, line, "header has " + std::to_string(cells.size()) + " columns, expected " +
                                std::to_string(kSeedColumns));
    return;
  }
  for (std::size_t i = 0; i < kSeedColumns; ++i)
    if (system_name_key(cells[i]) != system_name_key(names[i]))
      diags.error(file, line, "header column " + std::to_string(i + 1) + " is '" + cells[i] +
                                  "', expected '" + names[i] + "'");
}

}  // namespace

SeedFile parse_seed(std::istream& in, const std::string& file, Diagnostics& diags) {
  SeedFile seed;
  seed.file = file;
  bool header_seen = false;
  std::string text;
  for (int line_no = 1; std::getline(in, text); ++line_no) {
    if (line_no == 1 && text.starts_with(kBom)) text.erase(0, kBom.size());
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (!is_valid_utf8(text)) {
      diags.error(file, line_no, "not valid UTF-8 (the list must be saved as UTF-8)");
      continue;
    }
    if (trim(text).empty()) continue;  // page breaks of the PDF export

    auto cells = split(text, '\t');
    if (is_header(cells)) {
      // PDF exports may repeat the header on every page; each copy must still match.
      check_header(cells, file, line_no, diags);
      header_seen = true;
      continue;
    }
    if (!header_seen) {
      seed.title.push_back(text);
      continue;
    }
    // Exporters drop trailing empty cells; everything up to コード変換の有無 must be there.
    if (cells.size() < kColConversion + 1 || cells.size() > kSeedColumns) {
      diags.error(file, line_no, "row has " + std::to_string(cells.size()) +
                                     " tab-separated fields, expected " +
                                     std::to_string(kSeedColumns));
      continue;
    }
    SeedRow row;
    row.line = line_no;
    row.raw = text;
    for (std::size_t i = 0; i < cells.size(); ++i) row.cells[i] = std::move(cells[i]);
    seed.rows.push_back(std::move(row));
  }
  if (!header_seen)
    diags.error(file, 0, "no header line starting with 'No.' found; is this the 連携一覧?");
  return seed;
}

}  // namespace renkei
