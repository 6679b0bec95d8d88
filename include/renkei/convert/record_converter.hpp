#pragma once
// The conversion stage for one route: cuts a record into its layout's fields, converts
// each field by the route's profile and tables, and puts the record back together in
// the target's charset. Every loss is an error with its field and byte offset.
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/catalogue/model.hpp"
#include "renkei/convert/charset.hpp"
#include "renkei/convert/codemaps.hpp"

namespace renkei {

struct ConversionError {
  std::string kind;        // illegal-sequence | unmappable | gaiji-unmapped | ivs-dropped |
                           // ambiguous-shrink | rule-refused | field-overflow | bad-record
  std::string field;       // layout field name ("record" without a layout)
  std::size_t offset = 0;  // byte offset in the source record
  std::string detail;      // what went wrong; never the record's contents

  // "field 'name_kana' at byte 34: unmappable: …"
  std::string describe() const;
};

// A declared degradation that happened (縮退): counted and reported, never silent.
struct ConversionNote {
  std::string field;
  std::size_t offset = 0;
  std::string what;  // e.g. "shrunk U+9AD9 to U+9AD8 (table default)"
};

// Everything a route's conversion needs, resolved once from catalogue and codemaps.
struct ConversionPlan {
  std::string profile_name;
  ProfileBase base = ProfileBase::None;
  bool kana_to_fullwidth = false;
  const LayoutDef* layout = nullptr;
  std::string from_charset;
  std::string to_charset;
  const GaijiTable* from_gaiji = nullptr;
  const GaijiTable* to_gaiji = nullptr;
  GaijiPolicy from_policy;                           // the source system's 外字 mode
  GaijiPolicy to_policy;                             // the target system's
  const JukinetTable* jukinet = nullptr;
  const ShrinkTable* shrink = nullptr;
  std::string shrink_name;
  std::vector<std::string> shrink_schemes;           // in the profile's order; empty: all, table order
  std::map<std::string, const ValueTable*> values;  // layout field → table
  OutputRules rules;                                 // the peer's rules on what it is sent
  DuplicatePreference duplicates = DuplicatePreference::Windows;  // CP932's duplicate codes
  CodemapsPtr codemaps;                              // keeps the tables alive
  CataloguePtr catalogue;                            // keeps the layout alive
};

// `from_charset`/`to_charset` override the systems' charsets when not empty.
std::expected<ConversionPlan, std::string> plan_for_route(const CataloguePtr& catalogue, const CodemapsPtr& codemaps,
                                                          const RouteDef& route, std::string from_charset = "",
                                                          std::string to_charset = "");

class RecordConverter {
 public:
  static std::expected<RecordConverter, std::string> create(ConversionPlan plan);

  // nullopt: the record passes byte for byte (same charset, nothing to map).
  // `header`: a csv header row, converted as text without value maps.
  std::expected<std::optional<std::string>, ConversionError> convert(std::string_view record,
                                                                     std::vector<ConversionNote>* notes = nullptr,
                                                                     bool header = false);
  // The same, appending to `out`: true when the converted record was appended, false when
  // the record passes byte for byte (nothing appended). On error `out` is as it was.
  std::expected<bool, ConversionError> convert_into(std::string_view record, std::string& out,
                                                    std::vector<ConversionNote>* notes = nullptr, bool header = false);
  // Whole lines at a time where a plan converts whole records on the fast path: appends
  // the conversion of the lines at the start of `text` (each with its '\n') up to the
  // first the fast path declines, and returns how many bytes of `text` they were. The
  // output is what convert_into gives line by line; the declined line is for
  // convert_into, which decides and reports. 0 for plans without such a path.
  std::size_t convert_plain_lines(std::string_view text, std::string& out);
  const ConversionPlan& plan() const { return plan_; }

 private:
  RecordConverter() = default;
  struct Field;
  std::expected<void, ConversionError> convert_field(const Field& f, std::string& out,
                                                     std::vector<ConversionNote>* notes, bool header);
  std::expected<void, ConversionError> map_chars(const Field& f, std::u32string_view in, std::u32string& out,
                                                 std::vector<ConversionNote>* notes);
  ConversionError at_char(const Field& f, std::size_t char_index, std::string kind, std::string detail);
  // Whether the target's charset has `c`; holds: that, and every rule lets it out.
  bool encodes(char32_t c);
  bool holds(char32_t c);
  // The error for a glyph the target cannot take: rule-refused when its charset has the
  // character but a rule does not let it out, else `kind` with `detail`.
  ConversionError refused(const Field& f, std::size_t i, std::u32string_view glyph, std::string kind,
                          std::string detail);

  ConversionPlan plan_;
  std::unique_ptr<Charset> from_;
  std::unique_ptr<Charset> to_;
  bool same_charset_ = false;
  bool plain_lines_ = false;  // convert_plain_lines applies
  bool look_at_each_ = false; // rules or a table-first target: no path may skip map_chars
  std::string scratch_;
  char pad_ = ' ';  // the target charset's space
  std::u32string text_, mapped_;
};

}  // namespace renkei
