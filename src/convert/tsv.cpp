#include "tsv.hpp"

#include <sstream>

#include "yaml_reader.hpp"

namespace renkei {

bool read_tsv(const std::string& path, const std::string& shown_as, std::string_view header_first_cell,
              Diagnostics& diags, const TsvRow& row, const TsvRow& header) {
  // Read whole and checked first: a FIFO, a directory or a symlink loop in place of a
  // table is a diagnostic, not a hang or an exception.
  const auto text = read_config_file(path, shown_as, diags);
  if (!text) return false;
  std::string line;
  int no = 0;
  bool first = true;
  std::istringstream in(*text);
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
      auto tab = line.find('\t', start);
      std::string cell = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
      cells.push_back(std::move(cell));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (first && !cells.empty() && cells[0] == header_first_cell) {
      first = false;
      if (header) header(no, cells);
      continue;
    }
    first = false;
    row(no, cells);
  }
  return true;
}

}  // namespace renkei
