#pragma once
// Small text helpers shared by the parts. Names of *systems* may be normalised; record
// bodies (names, addresses) never go through these: see ARCHITECTURE §2b.
#include <string>
#include <string_view>
#include <vector>

namespace renkei {

// NFKC, then every kind of white space removed: the key under which the spellings of one
// system name in the 連携一覧 (full/half width, stray spaces) compare equal.
std::string system_name_key(std::string_view name);

// NFKC and surrounding white space trimmed; used for enum-like cells (自動, 随時, → …).
std::string normalize_cell(std::string_view cell);

std::string trim(std::string_view s);
// Every `from` in `text` becomes `to` (placeholders of path, URL and topic templates).
void replace_all(std::string& text, std::string_view from, std::string_view to);
std::vector<std::string> split(std::string_view s, char sep);
bool is_valid_utf8(std::string_view s);

}  // namespace renkei
