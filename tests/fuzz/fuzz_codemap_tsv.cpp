// Fuzzes the codemap TSV loaders: the input is written to a file and loaded as a gaiji
// table (local codes as ibm-943_P15A-2003 bytes), a 住基ネット統一文字 table and a shrink
// table; its first line also goes through parse_ucs_sequence and parse_jplus. Checks:
//  - every diagnostic names the file as shown and a line that exists (0..lines);
//  - a loaded table answers lookups without a crash, and never has more entries than
//    rows (the jukinet table: than the code points its ranges cover); a shrink table's
//    choose() picks a row's target for its source when that target alone fits;
//  - parse_ucs_sequence → format_ucs_sequence → parse_ucs_sequence is stable.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "fuzz_support.hpp"
#include "renkei/convert/codemaps.hpp"

namespace {

using namespace renkei;

const std::string& temp_path() {
  static const std::string* p = [] {
    const char* dir = std::getenv("TMPDIR");
    return new std::string(std::string(dir && *dir ? dir : "/tmp") + "/renkei-fuzz-codemap-" +
                           std::to_string(::getpid()) + ".tsv");
  }();
  return *p;
}

struct RemoveAtExit {
  ~RemoveAtExit() { std::remove(temp_path().c_str()); }
} remove_at_exit;

void check_diags(const Diagnostics& d, const std::string& shown, int lines, const std::string& what) {
  FUZZ_CHECK(!d.empty(), what + ": failed without a diagnostic");
  for (const auto& item : d.items()) {
    FUZZ_CHECK(item.file == shown, what + ": diagnostic for file '" + item.file + "'");
    FUZZ_CHECK(item.line >= 0 && item.line <= lines,
               what + ": diagnostic at line " + std::to_string(item.line) + " of " + std::to_string(lines) + ": " +
                   item.message);
    FUZZ_CHECK(!item.message.empty(), what + ": empty diagnostic");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(temp_path(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    FUZZ_CHECK(out.good(), "cannot write " + temp_path());
  }
  // std::getline's count: a last line without a newline still counts.
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                    (text.empty() || text.back() == '\n' ? 0 : 1);
  const std::string shown = "codemaps/fuzz.tsv";

  if (auto g = GaijiTable::load(temp_path(), shown, "ibm-943_P15A-2003")) {
    FUZZ_CHECK(static_cast<int>(g->size()) <= lines, "gaiji: more entries than lines");
    for (char32_t c : {U'\uE000', U'\uE001', U'\uF8FF', U'\U000F0000'})
      if (const auto* e = g->by_local(c)) {
        FUZZ_CHECK(e->local == c, "gaiji: by_local returns another code");
        if (!e->glyph.ucs.empty()) FUZZ_CHECK(g->by_ucs(e->glyph.ucs) == e, "gaiji: by_ucs disagrees with by_local");
        if (!e->glyph.mj.empty()) FUZZ_CHECK(g->by_mj(e->glyph.mj) == e, "gaiji: by_mj disagrees with by_local");
      }
  } else {
    check_diags(g.error(), shown, lines, "gaiji");
  }

  if (auto j = JukinetTable::load(temp_path(), shown)) {
    for (uint32_t code : {0x20u, 0x4E00u, 0xAC00u, 0xFFFFu})
      if (const auto* e = j->by_jplus(code)) {
        FUZZ_CHECK(e->jplus == code, "jukinet: by_jplus returns another code");
        if (!e->glyph.ucs.empty()) FUZZ_CHECK(j->by_ucs(e->glyph.ucs) == e, "jukinet: by_ucs disagrees with by_jplus");
        if (!e->glyph.mj.empty()) FUZZ_CHECK(j->by_mj(e->glyph.mj) == e, "jukinet: by_mj disagrees with by_jplus");
      }
    FUZZ_CHECK(j->size() <= 0x10000, "jukinet: more entries than J+ codes");
  } else {
    check_diags(j.error(), shown, lines, "jukinet");
  }

  if (auto s = ShrinkTable::load(temp_path(), shown)) {
    (void)s->candidates(U"\u9AD9");
    FUZZ_CHECK(static_cast<int>(s->size()) <= lines, "shrink: more entries than lines");
    // A row's own target, the only one that fits, is what choose() picks for its source.
    for (std::size_t i = 0; i < std::min<std::size_t>(s->size(), 64); ++i) {
      const auto& e = s->entries()[i];
      const ShrinkChoice c = s->choose(e.from, e.mj, {e.scheme}, [&](std::u32string_view to) { return to == e.to; });
      FUZZ_CHECK(c.kind == ShrinkChoice::Kind::One && c.to && *c.to == e.to && c.scheme == e.scheme,
                 "shrink: choose() does not pick row " + std::to_string(e.line) + "'s own target");
    }
  } else {
    check_diags(s.error(), shown, lines, "shrink");
  }

  // The cell parsers on the first line as a whole.
  const std::string_view first = text.substr(0, text.find('\n'));
  if (auto seq = parse_ucs_sequence(first)) {
    FUZZ_CHECK(!seq->empty(), "parse_ucs_sequence: empty sequence accepted");
    for (char32_t c : *seq)
      FUZZ_CHECK(c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF), "parse_ucs_sequence: accepted " + fuzz::hex_cps(*seq));
    const std::string formatted = format_ucs_sequence(*seq);
    auto again = parse_ucs_sequence(formatted);
    FUZZ_CHECK(again && *again == *seq, "format_ucs_sequence(" + fuzz::hex_cps(*seq) + ") = '" + formatted +
                                            "' does not parse back");
  }
  if (auto j = parse_jplus(first)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "J+%04X", *j);
    auto again = parse_jplus(buf);
    FUZZ_CHECK(again && *again == *j, std::string("parse_jplus: '") + buf + "' does not parse back");
  }
  return 0;
}
