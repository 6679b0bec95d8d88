#pragma once
// Tab-separated codemap files: '#' starts a comment line, blank lines are skipped, an
// optional first row names the columns.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/diagnostic.hpp"

namespace renkei {

using TsvRow = std::function<void(int, const std::vector<std::string>&)>;

// Calls `row(line_no, cells)` for every data row, and `header(line_no, cells)` (when
// given) for the header row: the first row whose first cell is `header_first_cell`.
// False if the file cannot be read.
bool read_tsv(const std::string& path, const std::string& shown_as, std::string_view header_first_cell,
              Diagnostics& diags, const TsvRow& row, const TsvRow& header = {});

}  // namespace renkei
