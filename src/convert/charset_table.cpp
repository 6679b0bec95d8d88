#include "charset_table.hpp"

#include <charconv>
#include <cstdio>

#include "renkei/convert/codemaps.hpp"
#include "renkei/convert/unicode_class.hpp"
#include "yaml_reader.hpp"

namespace renkei {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool hex_digits(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return !s.empty();
}

std::string code_text(const CharsetTableEntry& e) {
  char buf[8];
  std::snprintf(buf, sizeof buf, e.double_byte ? "%04X" : "%02X", static_cast<unsigned>(e.code));
  return buf;
}

// A message quotes a table line only this far: the table is the city's, not a record,
// but a line can be anything.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  return "'" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "…'" : "'");
}

}  // namespace

Result<CharsetTable> CharsetTable::parse(std::string_view text, const std::string& shown_as) {
  Diagnostics diags;
  CharsetTable t;
  t.single_.fill(-1);
  t.double_.assign(256 * 256, -1);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM from a Windows editor
  int line = 0;
  while (!text.empty()) {
    ++line;
    const auto nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    std::string_view s = raw;
    if (auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
    s = trim(s);
    if (s.empty()) continue;
    auto err = [&](const std::string& m) { diags.error(shown_as, line, m); };

    const auto colon = s.find(':');
    if (colon == std::string_view::npos) {
      err(quoted(s) + " is not an entry (code:U+XXXX or code:U+XXXX U+E01xx)");
      continue;
    }
    const std::string_view code = trim(s.substr(0, colon));
    const std::string_view ucs = trim(s.substr(colon + 1));
    if (!hex_digits(code) || (code.size() != 2 && code.size() != 4)) {
      err("code " + quoted(code) + " is not 2 hex digits (single-byte) or 4 (double-byte)");
      continue;
    }
    CharsetTableEntry e;
    e.line = line;
    e.double_byte = code.size() == 4;
    std::from_chars(code.data(), code.data() + code.size(), e.code, 16);
    auto seq = parse_ucs_sequence(ucs);
    if (!seq || seq->size() > 2) {
      err(quoted(ucs) + " is not U+XXXX or U+XXXX U+E01xx (a base and its variation selector)");
      continue;
    }
    if (is_variation_selector((*seq)[0])) {
      err("a variation selector cannot stand alone or first");
      continue;
    }
    if (seq->size() == 2 && !is_variation_selector((*seq)[1])) {
      err("the second code point of " + quoted(ucs) + " is not a variation selector");
      continue;
    }
    if (seq->size() == 2 && !e.double_byte) {
      err("a base with a variation selector needs a double-byte code");
      continue;
    }
    e.ucs = std::move(*seq);
    int32_t& slot = e.double_byte ? t.double_[e.code] : t.single_[e.code];
    if (slot >= 0) {
      err("code " + code_text(e) + " is already on line " + std::to_string(t.entries_[static_cast<std::size_t>(slot)].line));
      continue;
    }
    // A character with two codes could be written only one way back: not strict.
    if (auto it = t.by_ucs_.find(e.ucs); it != t.by_ucs_.end()) {
      const auto& first = t.entries_[static_cast<std::size_t>(it->second)];
      err(format_ucs_sequence(e.ucs) + " is already code " + code_text(first) + " on line " +
          std::to_string(first.line) + " (each character needs exactly one code)");
      continue;
    }
    const auto index = static_cast<int32_t>(t.entries_.size());
    slot = index;
    t.by_ucs_.emplace(e.ucs, index);
    if (!e.double_byte) ++t.singles_;
    t.entries_.push_back(std::move(e));
  }
  if (diags.empty() && t.entries_.empty()) diags.error(shown_as, 0, "the table has no entries");
  if (!diags.empty()) return std::unexpected(diags);
  return t;
}

Result<CharsetTable> CharsetTable::load(const std::string& path, const std::string& shown_as) {
  Diagnostics diags;
  auto text = read_config_file(path, shown_as, diags);
  if (!text) return std::unexpected(diags);
  return parse(*text, shown_as);
}

const CharsetTableEntry* CharsetTable::single(uint8_t byte) const {
  const int32_t i = single_[byte];
  return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)];
}

const CharsetTableEntry* CharsetTable::pair(uint8_t first, uint8_t second) const {
  const int32_t i = double_[static_cast<std::size_t>(first) * 256 + second];
  return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)];
}

const CharsetTableEntry* CharsetTable::by_ucs(std::u32string_view seq) const {
  auto it = by_ucs_.find(seq);
  return it == by_ucs_.end() ? nullptr : &entries_[static_cast<std::size_t>(it->second)];
}

}  // namespace renkei
