#include "renkei/convert/output_rules.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "renkei/convert/charset.hpp"
#include "renkei/convert/unicode_class.hpp"

namespace renkei {
namespace {

class Repertoire {
 public:
  bool has(char32_t c) const { return c < bits_.size() && bits_[c]; }
  void add(char32_t c) {
    if (c < bits_.size()) bits_[c] = true;
  }

 private:
  std::vector<bool> bits_ = std::vector<bool>(0x110000);
};

// Decodes each cell alone through glibc's iconv and takes every code point it yields
// (a JIS X 0213 cell may be a base and a combining mark). A cell the converter refuses
// is no character of the set.
std::expected<void, std::string> add_iconv_cells(Repertoire& r, const char* charset,
                                                 const std::vector<std::string>& cells) {
  iconv_t cd = iconv_open("UTF-32LE", charset);
  if (cd == reinterpret_cast<iconv_t>(-1))
    return std::unexpected(std::string("glibc's iconv has no ") + charset + " converter (are gconv modules installed?)");
  for (const std::string& cell : cells) {
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    std::array<char, 64> buf{};
    char* in = const_cast<char*>(cell.data());
    std::size_t in_left = cell.size();
    char* out = buf.data();
    std::size_t out_left = buf.size();
    if (iconv(cd, &in, &in_left, &out, &out_left) == static_cast<std::size_t>(-1) || in_left != 0) continue;
    if (iconv(cd, nullptr, nullptr, &out, &out_left) == static_cast<std::size_t>(-1)) continue;
    const std::size_t n = (buf.size() - out_left) / 4;
    for (std::size_t k = 0; k < n; ++k) {
      std::uint32_t c = 0;
      std::memcpy(&c, buf.data() + 4 * k, 4);  // UTF-32LE on a little-endian host: as it is
      r.add(static_cast<char32_t>(c));
    }
  }
  iconv_close(cd);
  return {};
}

std::vector<std::string> euc_cells(bool with_kana, bool with_plane2) {
  std::vector<std::string> cells;
  for (int a = 0xA1; a <= 0xFE; ++a)
    for (int b = 0xA1; b <= 0xFE; ++b) cells.push_back({static_cast<char>(a), static_cast<char>(b)});
  if (with_kana)
    for (int b = 0xA1; b <= 0xDF; ++b) cells.push_back({'\x8E', static_cast<char>(b)});
  if (with_plane2)
    for (int a = 0xA1; a <= 0xFE; ++a)
      for (int b = 0xA1; b <= 0xFE; ++b) cells.push_back({'\x8F', static_cast<char>(a), static_cast<char>(b)});
  return cells;
}

// JIS X 0208 as glibc's EUC-JP maps it (the standard's own mapping: U+301C WAVE DASH,
// U+2212 MINUS …) plus the same cells as Windows maps them (U+FF5E, U+FF0D …), read from
// ICU's ibm-943 at the Shift_JIS lead bytes of rows 1-8 and 16-84 only: never row 13
// (NEC), the NEC-selected or IBM extensions (ED-EE, FA-FC) or the user-defined area.
std::expected<Repertoire, std::string> build_jisx0208() {
  Repertoire r;
  if (auto a = add_iconv_cells(r, "EUC-JP", euc_cells(false, false)); !a) return std::unexpected(a.error());
  auto sjis = open_charset("ibm-943_P15A-2003");
  if (!sjis) return std::unexpected("ICU: " + sjis.error());
  auto lead_is_0208 = [](int b) { return (b >= 0x81 && b <= 0x84) || (b >= 0x88 && b <= 0x9F) || (b >= 0xE0 && b <= 0xEA); };
  std::u32string text;
  for (int a = 0x81; a <= 0xEA; ++a) {
    if (!lead_is_0208(a)) continue;
    for (int b = 0x40; b <= 0xFC; ++b) {
      if (b == 0x7F) continue;
      const char cell[2] = {static_cast<char>(a), static_cast<char>(b)};
      text.clear();
      if ((*sjis)->decode(std::string_view(cell, 2), text) && text.size() == 1 && !is_private_use(text[0])) r.add(text[0]);
    }
  }
  return r;
}

std::expected<Repertoire, std::string> build_jisx0213() {
  Repertoire r;
  if (auto a = add_iconv_cells(r, "EUC-JISX0213", euc_cells(true, true)); !a) return std::unexpected(a.error());
  return r;
}

const std::expected<Repertoire, std::string>& jisx0208() {
  static const auto r = build_jisx0208();
  return r;
}

const std::expected<Repertoire, std::string>& jisx0213() {
  static const auto r = build_jisx0213();
  return r;
}

// eLTAX refuses these since 2019 (地方税ポータルシステムで使用できない文字): ♂ ♀ ℃ ☆ ★ ⌒
// Å (the Ångström sign and the Latin letter it looks like) ♯ ♭ ♪.
constexpr char32_t kEltaxProhibited[] = {U'\u00C5', U'\u2103', U'\u212B', U'\u2312', U'\u2605', U'\u2606',
                                         U'\u2640', U'\u2642', U'\u266A', U'\u266D', U'\u266F'};

bool is_halfwidth_kana(char32_t c) { return c >= 0xFF61 && c <= 0xFF9F; }

}  // namespace

const std::vector<OutputRuleInfo>& OutputRules::known() {
  static const std::vector<OutputRuleInfo> k = {
      {"eltax", "eLTAX: refuses ♂ ♀ ℃ ☆ ★ ⌒ Å ♯ ♭ ♪ (prohibited since 2019) and 外字; the target writes Shift_JIS or UTF-8"},
      {"jisx0208", "the JIS X 0208 repertoire only (plus ASCII and JIS X 0201): no NEC row 13, no NEC-selected or IBM "
                   "extensions, no user-defined area, no IVS"},
      {"jisx0213", "the JIS X 0213:2012 repertoire only (plus ASCII): for 情報提供ネットワーク / 中間サーバー in UTF-8"},
      {"no-halfwidth-kana", "refuses half-width katakana U+FF61-FF9F (with kana_to_fullwidth, layout fields marked kana "
                            "are widened first)"},
  };
  return k;
}

std::expected<OutputRules, std::string> OutputRules::make(const std::vector<std::string>& names,
                                                          std::vector<CodeRange> forbidden) {
  OutputRules r;
  for (const std::string& n : names) {
    Rule rule;
    if (n == "eltax") rule = Rule::Eltax;
    else if (n == "jisx0208") rule = Rule::Jisx0208;
    else if (n == "jisx0213") rule = Rule::Jisx0213;
    else if (n == "no-halfwidth-kana") rule = Rule::NoHalfwidthKana;
    else return std::unexpected("unknown rule '" + n + "' (known: eltax, jisx0208, jisx0213, no-halfwidth-kana)");
    if (std::find(r.rules_.begin(), r.rules_.end(), rule) != r.rules_.end())
      return std::unexpected("rule '" + n + "' is named twice");
    if (rule == Rule::Jisx0208 && !jisx0208()) return std::unexpected("rule jisx0208: " + jisx0208().error());
    if (rule == Rule::Jisx0213 && !jisx0213()) return std::unexpected("rule jisx0213: " + jisx0213().error());
    r.rules_.push_back(rule);
    r.names_.push_back(n);
  }
  std::sort(forbidden.begin(), forbidden.end());
  for (const CodeRange& range : forbidden) {
    if (!r.forbidden_.empty() && range.first <= r.forbidden_.back().second + 1)
      r.forbidden_.back().second = std::max(r.forbidden_.back().second, range.second);
    else
      r.forbidden_.push_back(range);
  }
  if (!r.forbidden_.empty()) r.names_.push_back("forbidden");
  return r;
}

std::optional<RuleRefusal> OutputRules::check(char32_t c) const {
  for (Rule rule : rules_) {
    switch (rule) {
      case Rule::Eltax:
        if (std::find(std::begin(kEltaxProhibited), std::end(kEltaxProhibited), c) != std::end(kEltaxProhibited))
          return RuleRefusal{"eltax", "a symbol eLTAX does not accept (prohibited since 2019)"};
        if (is_private_use(c)) return RuleRefusal{"eltax", "a user-defined character (外字), which eLTAX does not accept"};
        break;
      case Rule::Jisx0208:
        // ASCII and JIS X 0201 (its yen sign, overline and kana) are the single-byte half of
        // every JIS X 0208 peer's charset.
        if (c >= 0x80 && c != 0xA5 && c != 0x203E && !is_halfwidth_kana(c) && !jisx0208()->has(c))
          return RuleRefusal{"jisx0208", "outside the JIS X 0208 repertoire (NEC row 13, an NEC-selected or IBM "
                                         "extension, a user-defined or a non-JIS character, or an IVS)"};
        break;
      case Rule::Jisx0213:
        if (c >= 0x80 && !jisx0213()->has(c))
          return RuleRefusal{"jisx0213", "outside the JIS X 0213:2012 repertoire"};
        break;
      case Rule::NoHalfwidthKana:
        if (is_halfwidth_kana(c)) return RuleRefusal{"no-halfwidth-kana", "half-width katakana"};
        break;
    }
  }
  if (!forbidden_.empty()) {
    auto it = std::upper_bound(forbidden_.begin(), forbidden_.end(), c,
                               [](char32_t x, const CodeRange& r) { return x < r.first; });
    if (it != forbidden_.begin() && c <= std::prev(it)->second)
      return RuleRefusal{"forbidden", "a character the interface's specification forbids (the profile's forbidden list)"};
  }
  return std::nullopt;
}

std::optional<std::string> OutputRules::check_target(std::string_view charset) const {
  if (std::find(rules_.begin(), rules_.end(), Rule::Eltax) == rules_.end() || is_utf8_name(charset)) return std::nullopt;
  // Shift_JIS family: あ is 82 A0 and ASCII is itself.
  if (auto cs = open_charset(charset)) {
    std::u32string text;
    if ((*cs)->decode("A\x82\xA0", text) && text == U"A\u3042") return std::nullopt;
  }
  return "rule eltax needs a Shift_JIS or UTF-8 target; the target writes " + std::string(charset);
}

std::optional<CodeRange> parse_code_range(std::string_view text) {
  auto one = [](std::string_view t) -> std::optional<char32_t> {
    if (!t.starts_with("U+") || t.size() < 6 || t.size() > 8) return std::nullopt;
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(t.data() + 2, t.data() + t.size(), v, 16);
    if (ec != std::errc() || p != t.data() + t.size() || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      return std::nullopt;
    for (char ch : t.substr(2))
      if (ch >= 'a' && ch <= 'f') return std::nullopt;  // U+XXXX is written in capitals, as the tables are
    return static_cast<char32_t>(v);
  };
  const auto dots = text.find("..");
  auto lo = one(text.substr(0, dots));
  if (!lo) return std::nullopt;
  if (dots == std::string_view::npos) return CodeRange{*lo, *lo};
  auto hi = one(text.substr(dots + 2));
  if (!hi || *hi < *lo) return std::nullopt;
  return CodeRange{*lo, *hi};
}

}  // namespace renkei
