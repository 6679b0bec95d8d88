#pragma once
// Reads config/layouts/*.yaml (one layout per file, named after the file).
#include <map>
#include <string>

#include "renkei/catalogue/model.hpp"
#include "renkei/diagnostic.hpp"

namespace renkei {

// A missing directory means no layouts; every problem is reported as file:line.
void load_layout_dir(const std::string& dir, const std::string& shown_dir, std::map<std::string, LayoutDef>& out,
                     Diagnostics& diags);

}  // namespace renkei
