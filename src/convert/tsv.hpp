#pragma once
// Tab-separated codemap files: '#' starts a comment line, blank lines are skipped, an
// optional first row names the columns.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/diagnostic.hpp"

namespace renkei {

// Calls `row(line_no, cells)` for every data row; false if the file cannot be read.
bool read_tsv(const std::string& path, const std::string& shown_as, std::string_view header_first_cell,
              Diagnostics& diags, const std::function<void(int, const std::vector<std::string>&)>& row);

}  // namespace renkei
