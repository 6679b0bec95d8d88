#pragma once
// The rules of the systems at the other end, beyond their charset: eLTAX's prohibited
// symbols, a strict JIS X 0208 or JIS X 0213 repertoire, no half-width kana, a list an
// interface specification forbids. A profile names them (`rules: [eltax, jisx0208]`,
// `forbidden: [U+2460..U+2473]`); the converter asks before it writes each character,
// after every mapping, widening and 縮退, so nothing outside the rules reaches the peer.
//
// The repertoires come from the standards' own converters — glibc's iconv (EUC-JP for
// JIS X 0208, EUC-JISX0213 for JIS X 0213:2004, the repertoire 2012 kept) and ICU's
// ibm-943 for the cells Windows maps to other code points — never from a list typed here.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace renkei {

struct OutputRuleInfo {
  std::string_view name;
  std::string_view summary;  // for the docs and `renkeictl validate`
};

// Why a character may not go out: the rule's name and a reason that names no character.
struct RuleRefusal {
  std::string_view rule;
  std::string_view why;
};

using CodeRange = std::pair<char32_t, char32_t>;  // inclusive

class OutputRules {
 public:
  // Every rule a profile may name, in the order the docs list them.
  static const std::vector<OutputRuleInfo>& known();

  // `names`: rules from known(); `forbidden`: the profile's own list (rule "forbidden").
  // The error names the unknown rule.
  static std::expected<OutputRules, std::string> make(const std::vector<std::string>& names,
                                                      std::vector<CodeRange> forbidden = {});

  bool empty() const { return rules_.empty() && forbidden_.empty(); }
  const std::vector<std::string>& names() const { return names_; }

  // nullopt when every rule lets `c` out.
  std::optional<RuleRefusal> check(char32_t c) const;
  bool allows(char32_t c) const { return !check(c); }

  // A rule that holds only for some charsets (eltax: Shift_JIS or UTF-8 per procedure):
  // the reason `charset` does not do, or nullopt.
  std::optional<std::string> check_target(std::string_view charset) const;

 private:
  enum class Rule { Eltax, Jisx0208, Jisx0213, NoHalfwidthKana };
  std::vector<Rule> rules_;
  std::vector<std::string> names_;
  std::vector<CodeRange> forbidden_;  // sorted, merged
};

// "U+2460" or "U+2460..U+2473" (a profile's `forbidden` entry).
std::optional<CodeRange> parse_code_range(std::string_view text);

}  // namespace renkei
