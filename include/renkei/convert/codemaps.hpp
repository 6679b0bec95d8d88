#pragma once
// The tables conversion runs on, loaded once from codemaps/ and read-only afterwards.
// File formats are described in codemaps/README.md. Every loader reports each problem
// as file:line and keeps going, so one run shows them all.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/catalogue/model.hpp"
#include "renkei/convert/duplicate_preference.hpp"
#include "renkei/convert/output_rules.hpp"
#include "renkei/diagnostic.hpp"

namespace renkei {

// A glyph as the tables know it: MJ文字図形名 and/or a UCS sequence (base + optional IVS).
struct Glyph {
  std::string mj;        // "MJ012345" or empty
  std::u32string ucs;    // empty when the glyph has no UCS
};

// One system's 外字: local code (as the system's charset decodes it, a PUA code point)
// ↔ MJ ↔ UCS+IVS.
class GaijiTable {
 public:
  struct Entry {
    char32_t local = 0;
    Glyph glyph;
    int line = 0;
  };
  // `charset` decodes a local code written as bytes ("F040"); "U+E000" needs none.
  static Result<GaijiTable> load(const std::string& path, const std::string& shown_as, const std::string& charset);

  const Entry* by_local(char32_t c) const;
  const Entry* by_ucs(std::u32string_view seq) const;
  const Entry* by_mj(std::string_view mj) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
  std::map<char32_t, std::size_t> local_;
  std::map<std::u32string, std::size_t, std::less<>> ucs_;
  std::map<std::string, std::size_t, std::less<>> mj_;
};

// How a system's 外字 are converted (codemaps/gaiji/<system>.yaml, HULFT's 外字 modes):
// which comes first for a code both its table and its charset know, and what a code its
// table lacks gets. A system with this file must have its table: never a fallback.
struct GaijiPolicy {
  // Unset: a source's 外字 code goes through its table and a glyph from a table through
  // the target's table first, while an ordinary character goes to the target's charset
  // first. TableFirst: the target's table first for every character it holds.
  // StandardFirst: the charsets first on both sides (the user-defined area carried as
  // the standard conversion decodes it, where the target holds that code).
  enum class Order { Unset, TableFirst, StandardFirst };
  Order order = Order::Unset;
  // nullopt: an unregistered code is gaiji-unmapped (the default); else the declared
  // replacement (e.g. 〓 U+3013), counted and recorded on the record, never silent.
  std::optional<char32_t> replacement{};
  SourceRef where{};
};

// 住基ネット統一文字: J+XXXX ↔ MJ ↔ UCS. A J+ code is never read as a code point: the
// only way between J+ and UCS is this table.
class JukinetTable {
 public:
  struct Entry {
    uint32_t jplus = 0;
    Glyph glyph;
    int line = 0;
  };
  static Result<JukinetTable> load(const std::string& path, const std::string& shown_as);

  const Entry* by_ucs(std::u32string_view seq) const;
  const Entry* by_mj(std::string_view mj) const;
  const Entry* by_jplus(uint32_t code) const;
  std::size_t size() const { return entries_.size(); }

 private:
  void add(Entry e, const std::string& shown_as, Diagnostics& diags);
  std::vector<Entry> entries_;
  std::map<uint32_t, std::size_t> jplus_;
  std::map<std::u32string, std::size_t, std::less<>> ucs_;
  std::map<std::string, std::size_t, std::less<>> mj_;
};

// Value codes of one field (e.g. 続柄), source code → target code.
class ValueTable {
 public:
  static Result<ValueTable> load(const std::string& path, const std::string& shown_as);
  const std::string* map(std::string_view code) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::map<std::string, std::string, std::less<>> map_;
};

// What ShrinkTable::choose decided for one character.
struct ShrinkChoice {
  enum class Kind { None, One, Ambiguous };
  Kind kind = Kind::None;
  const std::u32string* to = nullptr;  // Kind::One: the candidate (owned by the table)
  std::string scheme{};                // One, Ambiguous: the scheme whose candidates decided
  std::size_t candidates = 0;          // One, Ambiguous: how many of that scheme's candidates fit
};

// The schemes a shrink table row may name: "table" (the two-column format, hand-made),
// and the four of the MJ縮退マップ: "jis-ucs" (JIS包摂規準・UCS統合規則), "kokuji582"
// (法務省告示582号別表第四), "koseki" (法務省戸籍法関連通達・通知), "ruisui" (読み・字形による類推).
bool is_shrink_scheme(std::string_view id);

// Declared 縮退 (degrade to a smaller set, e.g. 髙 → 高). More than one candidate for a
// character is allowed in the table; choosing between them is choose()'s job, and what it
// cannot decide is an error at conversion, never a guess.
class ShrinkTable {
 public:
  struct Entry {
    std::u32string from{};      // empty: the source is known by its MJ name only
    std::string mj{};           // empty: the row names no MJ glyph
    std::u32string to{};
    std::string scheme{};       // "table" for rows of the two-column format
    std::optional<int> rank{};  // 順位: lower is preferred
    std::optional<int> hops{};  // ホップ数: fewer is preferred
    int line = 0;
  };
  // Either format of codemaps/README.md: `from to`, or the header-named six columns
  // `from mj to scheme rank hops`.
  static Result<ShrinkTable> load(const std::string& path, const std::string& shown_as);

  // The distinct `to` sequences of every row whose `from` is `seq` (or whose `mj` is
  // `mj`), all schemes, in file order; nullptr when there are none.
  const std::vector<std::u32string>* candidates(std::u32string_view seq) const;
  const std::vector<std::u32string>* candidates_by_mj(std::string_view mj) const;

  // The candidate to use where the target cannot hold `from`. `schemes` are the ones the
  // profile allows, in order (empty: all of the table's, in file order); `fits` says
  // whether the target can hold a candidate. The first scheme with a fitting candidate
  // decides: one fits → One; several → the one of lowest 順位 if all carry one and it is
  // unique, else the one of fewest ホップ数 likewise, else Ambiguous. No scheme with a
  // fitting candidate → None. Rows are found by `from`; when that finds nothing that fits
  // and `mj` is given, by the MJ name.
  ShrinkChoice choose(std::u32string_view from, std::string_view mj, const std::vector<std::string>& schemes,
                      const std::function<bool(std::u32string_view)>& fits) const;

  const std::vector<std::string>& schemes() const { return schemes_; }  // in file order
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

 private:
  std::optional<int> add(Entry e);  // nullopt once added; else the line that has it already
  ShrinkChoice choose_among(const std::vector<std::size_t>& rows, const std::vector<std::string>& schemes,
                            const std::function<bool(std::u32string_view)>& fits) const;

  std::vector<Entry> entries_;
  std::vector<std::string> schemes_;
  std::map<std::u32string, std::vector<std::size_t>, std::less<>> by_from_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_mj_;
  std::map<std::u32string, std::vector<std::u32string>, std::less<>> to_by_from_;
  std::map<std::string, std::vector<std::u32string>, std::less<>> to_by_mj_;
};

enum class ProfileBase { Jukinet, Utf8, None };
std::string_view to_string_base(ProfileBase b);

// A conversion profile: the built-in rules it follows plus the tables it uses.
struct Profile {
  std::string name;
  ProfileBase base = ProfileBase::None;
  bool kana_to_fullwidth = false;                  // in fields the layout marks as kana
  std::map<std::string, std::string> values;       // layout field → value table name
  std::string shrink;                               // shrink table name, may be empty
  std::string description;
  SourceRef where;
  std::vector<std::string> shrink_schemes{};  // 縮退 schemes allowed, in order (empty: all)
  std::vector<std::string> rules{};        // output rule sets (output_rules.hpp), all must allow
  std::vector<CodeRange> forbidden{};      // the interface's own forbidden characters
  DuplicatePreference cp932_duplicates = DuplicatePreference::Windows;  // which code of a duplicate is written
};

struct Codemaps {
  std::string dir;
  std::map<std::string, GaijiTable> gaiji;          // by system id
  std::map<std::string, GaijiPolicy> gaiji_policy;  // by system id; absent: the defaults
  std::optional<JukinetTable> jukinet;
  std::map<std::string, ValueTable> values;         // by file stem
  std::map<std::string, ShrinkTable> shrink;        // by file stem
  std::map<std::string, Profile> profiles;          // built-ins plus codemaps/profiles/*.yaml

  const Profile* profile(const std::string& name) const;
  const GaijiTable* gaiji_of(const std::string& system) const;
  GaijiPolicy gaiji_policy_of(const std::string& system) const;
};
using CodemapsPtr = std::shared_ptr<const Codemaps>;

// Loads codemaps/ and checks it against the catalogue: every route's profile exists,
// tables a profile names exist, gaiji tables belong to known systems.
Result<CodemapsPtr> load_codemaps(const Catalogue& catalogue);

// Text helpers shared by the loaders and the importer.
std::optional<std::u32string> parse_ucs_sequence(std::string_view text);  // "U+845B U+E0100"
std::optional<uint32_t> parse_jplus(std::string_view text);                // "J+AC00"
std::string format_ucs_sequence(std::u32string_view seq);
bool is_mj_name(std::string_view text);                                    // "MJ" + 6 digits

}  // namespace renkei
