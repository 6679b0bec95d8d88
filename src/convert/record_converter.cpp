#include "renkei/convert/record_converter.hpp"

#include <unicode/utf8.h>

#include <algorithm>

#include "renkei/convert/decimal_field.hpp"
#include "renkei/convert/record_fields.hpp"
#include "renkei/convert/unicode_class.hpp"

namespace renkei {

std::string ConversionError::describe() const {
  return "field '" + field + "' at byte " + std::to_string(offset) + ": " + kind + ": " + detail;
}

std::expected<ConversionPlan, std::string> plan_for_route(const CataloguePtr& catalogue, const CodemapsPtr& codemaps,
                                                          const RouteDef& route, std::string from_charset,
                                                          std::string to_charset) {
  ConversionPlan p;
  p.catalogue = catalogue;
  p.codemaps = codemaps;
  const Profile* profile = codemaps->profile(route.conversion);
  if (!profile) return std::unexpected("conversion profile '" + route.conversion + "' is not defined");
  p.profile_name = profile->name;
  p.base = profile->base;
  p.kana_to_fullwidth = profile->kana_to_fullwidth;
  p.layout = catalogue->layout_of(route);
  const SystemDef* from = catalogue->system(route.from);
  const SystemDef* to = catalogue->system(route.to);
  p.from_charset = !from_charset.empty() ? from_charset : from ? from->charset : "";
  p.to_charset = !to_charset.empty() ? to_charset : to ? to->charset : "";
  if (p.from_charset.empty() || p.to_charset.empty()) return std::unexpected("route's systems have no charset");
  p.from_gaiji = codemaps->gaiji_of(route.from);
  p.to_gaiji = codemaps->gaiji_of(route.to);
  p.from_policy = codemaps->gaiji_policy_of(route.from);
  p.to_policy = codemaps->gaiji_policy_of(route.to);
  if (codemaps->jukinet) p.jukinet = &*codemaps->jukinet;
  if (p.base == ProfileBase::Jukinet && !p.jukinet) return std::unexpected("profile needs codemaps/jukinet/unified.tsv");
  if (p.base == ProfileBase::Jukinet && !is_utf8_name(p.to_charset))
    return std::unexpected("profile '" + p.profile_name + "' writes 住基ネット統一文字 codes in UTF-8 form; target charset " +
                           p.to_charset + " cannot carry them");
  if (!profile->shrink.empty()) {
    auto it = codemaps->shrink.find(profile->shrink);
    if (it == codemaps->shrink.end()) return std::unexpected("no shrink table '" + profile->shrink + "'");
    p.shrink = &it->second;
    p.shrink_name = profile->shrink;
    p.shrink_schemes = profile->shrink_schemes;
  }
  for (const auto& [field, table] : profile->values) {
    auto it = codemaps->values.find(table);
    if (it == codemaps->values.end()) return std::unexpected("no value table '" + table + "'");
    p.values[field] = &it->second;
  }
  auto rules = OutputRules::make(profile->rules, profile->forbidden);
  if (!rules) return std::unexpected("profile '" + p.profile_name + "': " + rules.error());
  if (auto why = rules->check_target(p.to_charset)) return std::unexpected("profile '" + p.profile_name + "': " + *why);
  p.rules = std::move(*rules);
  p.duplicates = profile->cp932_duplicates;
  return p;
}

struct RecordConverter::Field {
  const RecordField& rf;
  std::string_view bytes;
  std::string_view record;  // the whole source record
  char quote = '"';

  // Where byte `k` of the field's value stands in the record: a quoted csv value starts
  // after its opening quote, and each quote inside it is written twice.
  std::size_t record_offset(std::size_t k) const {
    if (!rf.quoted) return rf.offset + k;
    std::size_t at = rf.offset + 1;
    for (std::size_t i = 0; i < k && at < record.size(); ++i) at += record[at] == quote ? 2 : 1;
    return at;
  }
};

std::expected<RecordConverter, std::string> RecordConverter::create(ConversionPlan plan) {
  RecordConverter c;
  auto from = open_charset(plan.from_charset);
  if (!from) return std::unexpected(from.error());
  auto to = open_charset(plan.to_charset);
  if (!to) return std::unexpected(to.error());
  auto preferring = with_duplicate_preference(std::move(*to), plan.duplicates);
  if (!preferring) return std::unexpected("profile '" + plan.profile_name + "': " + preferring.error());
  c.from_ = std::move(*from);
  c.to_ = std::move(*preferring);
  c.same_charset_ = plan.from_charset == plan.to_charset;
  // Fixed-width padding is the target's own space: 0x40 in EBCDIC, not ASCII 0x20.
  std::string space;
  if (c.to_->encode(U" ", space) && space.size() == 1) c.pad_ = space[0];
  // A whole record takes convert_field's fast path unless bound for 住基ネット (no layout,
  // so no value tables, fixed widths or kana fields), and is kept as it is when nothing
  // changes charset (convert_into's first case).
  const bool whole = !plan.layout || plan.layout->format == LayoutFormat::Line;
  // Every character looked at by map_chars: under rules, or where the target's table comes
  // before its charset for every character.
  c.look_at_each_ = !plan.rules.empty() || (plan.to_policy.order == GaijiPolicy::Order::TableFirst && plan.to_gaiji);
  c.plain_lines_ = whole && plan.base != ProfileBase::Jukinet && !c.same_charset_ && !c.look_at_each_;
  c.plan_ = std::move(plan);
  return c;
}

std::size_t RecordConverter::convert_plain_lines(std::string_view text, std::string& out) {
  if (!plain_lines_) return 0;
  const bool to_utf8 = to_->is_unicode();
  if (!to_utf8 && !from_->is_unicode()) return 0;
  auto fast = [&](std::string_view in, std::string& o) {
    return to_utf8 ? from_->to_utf8_prefix(in, o, false) : to_->from_utf8_prefix(in, o, false);
  };
  const std::size_t n = fast(text, out);
  if (n == 0 || text[n - 1] == '\n') return n;
  // Stopped inside a line (or at the end of a last line without '\n'): that line's
  // converted start is taken back; the table is stateless, so it converts alone to the
  // same bytes.
  const std::size_t last_nl = text.rfind('\n', n - 1);
  const std::size_t line_start = last_nl == std::string_view::npos ? 0 : last_nl + 1;
  scratch_.clear();
  fast(text.substr(line_start, n - line_start), scratch_);
  out.resize(out.size() - scratch_.size());
  return line_start;
}

namespace {

std::string u32_to_utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    uint8_t buf[4];
    int32_t n = 0;
    U8_APPEND_UNSAFE(buf, n, c);
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
  }
  return out;
}

std::u32string utf8_to_u32(std::string_view s) {
  std::u32string out;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto len = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < len;) {
    UChar32 c;
    U8_NEXT(p, i, len, c);
    out.push_back(c < 0 ? U'\uFFFD' : static_cast<char32_t>(c));
  }
  return out;
}

std::u32string_view trim_padding(std::u32string_view s) {
  while (!s.empty() && (s.back() == U' ' || s.back() == U'\u3000')) s.remove_suffix(1);
  return s;
}


}  // namespace

ConversionError RecordConverter::at_char(const Field& f, std::size_t char_index, std::string kind, std::string detail) {
  // The byte position of a character is found again only on this error path.
  const std::size_t at = from_->offset_of(f.bytes, char_index);
  return ConversionError{std::move(kind), f.rf.name, f.record_offset(at), std::move(detail)};
}

bool RecordConverter::encodes(char32_t c) { return to_->is_unicode() || to_->encodable(c); }

bool RecordConverter::holds(char32_t c) { return encodes(c) && plan_.rules.allows(c); }

ConversionError RecordConverter::refused(const Field& f, std::size_t i, std::u32string_view glyph, std::string kind,
                                         std::string detail) {
  for (char32_t c : glyph)
    if (encodes(c))
      if (auto no = plan_.rules.check(c))
        return at_char(f, i, "rule-refused", "rule '" + std::string(no->rule) + "': " + std::string(no->why));
  return at_char(f, i, std::move(kind), std::move(detail));
}

std::expected<std::optional<std::string>, ConversionError> RecordConverter::convert(std::string_view record,
                                                                                    std::vector<ConversionNote>* notes,
                                                                                    bool header) {
  std::string out;
  auto r = convert_into(record, out, notes, header);
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::nullopt;
  return out;
}

std::expected<bool, ConversionError> RecordConverter::convert_into(std::string_view record, std::string& out,
                                                                   std::vector<ConversionNote>* notes, bool header) {
  const bool whole = !plan_.layout || plan_.layout->format == LayoutFormat::Line;
  // The common case of a `none` route between systems of one charset: check, keep bytes.
  // Not under rules or a duplicate preference: a duplicate code (NEC row 13's ≒) must be
  // written again as the code the rules or the peer want, which only encoding does.
  if (plan_.base == ProfileBase::None && same_charset_ && whole && !look_at_each_ &&
      plan_.duplicates == DuplicatePreference::Windows) {
    text_.clear();
    if (auto d = from_->decode(record, text_); !d)
      return std::unexpected(ConversionError{d.error().kind, "record", d.error().offset,
                                             d.error().kind + " byte sequence for charset " + plan_.from_charset});
    bool has_gaiji = false;
    for (char32_t c : text_) has_gaiji |= is_private_use(c) || !plan_.rules.allows(c);
    if (!has_gaiji) return false;
  }
  const std::size_t start = out.size();
  if (whole) {
    // One field, the whole record: no cutting, no allocation.
    RecordField rf;
    rf.name = "record";
    rf.bytes = record;
    Field f{rf, rf.bytes, record, '"'};
    if (auto r = convert_field(f, out, notes, header); !r) {
      out.resize(start);
      return std::unexpected(r.error());
    }
    return true;
  }
  auto fields = split_record(plan_.layout, record);
  if (!fields) return std::unexpected(ConversionError{"bad-record", fields.error().field, fields.error().offset,
                                                      fields.error().detail});
  const bool csv = plan_.layout->format == LayoutFormat::Csv || plan_.layout->write_as_csv;
  std::string field_out;
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const RecordField& rf = (*fields)[i];
    Field f{rf, rf.bytes, record, plan_.layout->quote};
    field_out.clear();
    if (auto r = convert_field(f, field_out, notes, header); !r) {
      out.resize(start);
      return std::unexpected(r.error());
    }
    if (csv) {
      if (i > 0) out.push_back(plan_.layout->delimiter);
      if (rf.quoted) {
        out.push_back(plan_.layout->quote);
        for (char c : field_out) {
          if (c == plan_.layout->quote) out.push_back(c);
          out.push_back(c);
        }
        out.push_back(plan_.layout->quote);
      } else {
        append_csv_value(out, field_out, plan_.layout->delimiter, plan_.layout->quote);
      }
    } else {
      out += field_out;
    }
  }
  return true;
}

std::expected<void, ConversionError> RecordConverter::convert_field(const Field& f, std::string& out,
                                                                    std::vector<ConversionNote>* notes, bool header) {
  // Between a table-driven charset and UTF-8, a value the profile need not look at goes
  // across in one pass; anything else (gaiji, IVS, kana to widen, an error) falls through
  // to the general path, which decides and reports exactly as before.
  const bool fixed_layout = f.rf.def && plan_.layout && plan_.layout->format == LayoutFormat::Fixed;
  if (fixed_layout && f.rf.def->type != LayoutField::Type::Text) {
    // A host number: its bytes are no text of any charset. Fixed to fixed they go as they
    // are; written as CSV they become decimal text in the target's charset.
    if (!plan_.layout->write_as_csv) {
      out.append(f.bytes);
      return {};
    }
    DecimalSpec spec;
    spec.kind = f.rf.def->type == LayoutField::Type::Packed ? DecimalSpec::Kind::Packed : DecimalSpec::Kind::Zoned;
    spec.length = f.rf.def->length;
    spec.scale = f.rf.def->scale;
    spec.is_signed = f.rf.def->is_signed;
    std::string digits;
    if (auto d = decimal_to_text(spec, f.bytes, digits); !d)
      return std::unexpected(ConversionError{d.error().kind, f.rf.name, f.rf.offset + d.error().offset, d.error().detail});
    const std::u32string text(digits.begin(), digits.end());
    if (auto e = to_->encode(text, out); !e)
      return std::unexpected(ConversionError{"unmappable", f.rf.name, f.rf.offset,
                                             "decimal text has no encoding in " + plan_.to_charset});
    return {};
  }
  if (plan_.base != ProfileBase::Jukinet && !fixed_layout && !look_at_each_ &&
      (header || !f.rf.def || !plan_.values.contains(f.rf.name))) {
    const bool widen = plan_.kana_to_fullwidth && f.rf.def && f.rf.def->kana;
    if (to_->is_unicode() ? from_->try_to_utf8(f.bytes, out, widen) : from_->is_unicode() && to_->try_from_utf8(f.bytes, out, widen))
      return {};
  }
  text_.clear();
  if (auto d = from_->decode(f.bytes, text_); !d)
    return std::unexpected(ConversionError{d.error().kind, f.rf.name, f.record_offset(d.error().offset),
                                           d.error().kind + " byte sequence for charset " + plan_.from_charset});
  const bool fixed = f.rf.def && plan_.layout && plan_.layout->format == LayoutFormat::Fixed;
  std::u32string_view source = text_;
  // Trailing spaces of a fixed-width field are its padding, not data: the value is
  // converted without them and padded again in the target's charset, so a value that
  // fits after conversion is not refused for the padding it came with.
  if (fixed)
    while (!source.empty() && source.back() == U' ') source.remove_suffix(1);
  std::u32string coded;
  if (!header && f.rf.def) {
    if (auto it = plan_.values.find(f.rf.name); it != plan_.values.end()) {
      // Value codes are compared without the fixed-width padding around them.
      const std::string code = u32_to_utf8(trim_padding(source));
      const std::string* target = it->second->map(code);
      if (!target)
        return std::unexpected(ConversionError{"unmappable", f.rf.name, f.rf.offset,
                                               "value code not in value table '" + it->second->name() + "'"});
      coded = utf8_to_u32(*target);
      source = coded;
    }
  }
  const std::size_t start = out.size();
  // Most values hold nothing the profile has to look at (no gaiji, no variation selector,
  // no kana to widen, not bound for 住基ネット): they go to the target's charset as they
  // are. Should the charset refuse a character, the full path below decides (縮退, the
  // target's gaiji) and reports.
  bool plain = plan_.base != ProfileBase::Jukinet && !(look_at_each_ && plan_.rules.empty());
  if (plain) {
    const bool widen = plan_.kana_to_fullwidth && f.rf.def && f.rf.def->kana;
    for (char32_t c : source)
      if ((c >= 0xE000 && (is_private_use(c) || is_variation_selector(c) || (widen && is_halfwidth_katakana(c)))) ||
          (c >= 0x80 && !plan_.rules.empty() && !plan_.rules.allows(c))) {
        plain = false;
        break;
      }
  }
  if (!plain || !to_->encode(source, out)) {
    out.resize(start);
    mapped_.clear();
    if (auto m = map_chars(f, source, mapped_, notes); !m) return std::unexpected(m.error());
    if (auto e = to_->encode(mapped_, out); !e)
      return std::unexpected(ConversionError{"unmappable", f.rf.name, f.rf.offset,
                                             "a character has no encoding in " + plan_.to_charset});
  }
  if (fixed && !plan_.layout->write_as_csv) {
    const std::size_t written = out.size() - start;
    if (written > f.rf.def->length)
      return std::unexpected(ConversionError{"field-overflow", f.rf.name, f.rf.offset,
                                             "converted value needs " + std::to_string(written) + " bytes, field holds " +
                                                 std::to_string(f.rf.def->length)});
    if (written < f.rf.def->length) {
      out.append(f.rf.def->length - written, pad_);
    }
  }
  return {};
}

std::expected<void, ConversionError> RecordConverter::map_chars(const Field& f, std::u32string_view in,
                                                                std::u32string& out,
                                                                std::vector<ConversionNote>* notes) {
  const bool to_jukinet = plan_.base == ProfileBase::Jukinet;
  const bool widen = plan_.kana_to_fullwidth && f.rf.def && f.rf.def->kana;

  auto target_holds = [&](std::u32string_view s) {
    for (char32_t x : s)
      if (!holds(x)) return false;
    return true;
  };
  // 縮退 by the profile's table and schemes: the replacement the target can take, nullptr
  // when none fits, an error when several do and nothing decides.
  std::size_t at = 0;  // the glyph's character index, for the note and the error
  auto shrink = [&](const Glyph& g, const std::function<bool(std::u32string_view)>& fits)
      -> std::expected<const std::u32string*, ConversionError> {
    if (!plan_.shrink || (g.ucs.empty() && g.mj.empty())) return nullptr;
    const ShrinkChoice c = plan_.shrink->choose(g.ucs, g.mj, plan_.shrink_schemes, fits);
    if (c.kind == ShrinkChoice::Kind::Ambiguous)
      return std::unexpected(at_char(f, at, "ambiguous-shrink",
                                     std::to_string(c.candidates) + " candidates in shrink table '" + plan_.shrink_name +
                                         "' (scheme " + c.scheme + ")"));
    if (c.kind == ShrinkChoice::Kind::None) return nullptr;
    if (notes)
      notes->push_back({f.rf.name, at_char(f, at, "", "").offset,
                        "shrunk by table " + plan_.shrink_name + " (scheme " + c.scheme + ")"});
    return c.to;
  };

  // Emits a glyph for the target; `i` is its first character's index for error positions.
  auto emit = [&](std::size_t i, const Glyph& g, bool from_gaiji) -> std::expected<void, ConversionError> {
    at = i;
    if (to_jukinet) {
      const JukinetTable::Entry* e = g.ucs.empty() ? nullptr : plan_.jukinet->by_ucs(g.ucs);
      if (!e && !g.mj.empty()) e = plan_.jukinet->by_mj(g.mj);
      if (e) {
        out.push_back(static_cast<char32_t>(e->jplus));
        return {};
      }
      if (g.ucs.size() > 1 && is_variation_selector(g.ucs[1]) && plan_.jukinet->by_ucs(g.ucs.substr(0, 1)))
        return std::unexpected(at_char(f, i, "ivs-dropped",
                                       "the variation is no 住基ネット統一文字; only its base character is"));
      auto in_table = [&](std::u32string_view c) { return plan_.jukinet->by_ucs(c) != nullptr; };
      auto s = shrink(g, in_table);
      if (!s) return std::unexpected(s.error());
      if (*s) {
        out.push_back(static_cast<char32_t>(plan_.jukinet->by_ucs(**s)->jplus));
        return {};
      }
      return std::unexpected(at_char(f, i, from_gaiji ? "gaiji-unmapped" : "unmappable",
                                     "the character is not in the 住基ネット統一文字 table"));
    }
    // A local system: its own gaiji first (the most exact), then its charset.
    // (A rule that refuses the target's own 外字, as eLTAX's and jisx0208 do, leaves the
    // glyph to its UCS.)
    const GaijiTable::Entry* own = nullptr;
    if (plan_.to_policy.order == GaijiPolicy::Order::StandardFirst && !g.ucs.empty() && target_holds(g.ucs)) {
      out += g.ucs;
      return {};
    }
    if (plan_.to_gaiji) {
      own = g.mj.empty() ? nullptr : plan_.to_gaiji->by_mj(g.mj);
      if (!own && !g.ucs.empty()) own = plan_.to_gaiji->by_ucs(g.ucs);
      if (own && plan_.rules.allows(own->local)) {
        out.push_back(own->local);
        return {};
      }
    }
    if (g.ucs.empty()) {
      if (auto s = shrink(g, target_holds); !s) {
        return std::unexpected(s.error());
      } else if (*s) {
        out += **s;
        return {};
      }
      if (own) return std::unexpected(refused(f, i, std::u32string(1, own->local), "gaiji-unmapped", ""));
      return std::unexpected(at_char(f, i, "gaiji-unmapped",
                                     "the glyph has no UCS and no local code in the target's gaiji table"));
    }
    if (target_holds(g.ucs)) {
      out += g.ucs;
      return {};
    }
    if (g.ucs.size() > 1 && is_variation_selector(g.ucs[1]) && holds(g.ucs[0]) && !plan_.shrink)
      return std::unexpected(refused(f, i, g.ucs.substr(1), "ivs-dropped",
                                     plan_.to_charset + " holds the base character but not its variation"));
    if (auto s = shrink(g, target_holds); !s) {
      return std::unexpected(s.error());
    } else if (*s) {
      out += **s;
      return {};
    }
    if (g.ucs.size() > 1 && is_variation_selector(g.ucs[1]) && holds(g.ucs[0]))
      return std::unexpected(refused(f, i, g.ucs.substr(1), "ivs-dropped",
                                     plan_.to_charset + " holds the base character but not its variation"));
    std::u32string tried = g.ucs;
    if (own) tried.push_back(own->local);  // the target's 外字, which a rule refused
    return std::unexpected(refused(f, i, tried, from_gaiji ? "gaiji-unmapped" : "unmappable",
                                   "the character has no encoding in " + plan_.to_charset +
                                       " and no entry in the target's gaiji table"));
  };

  for (std::size_t i = 0; i < in.size();) {
    const char32_t c = in[i];
    const bool vs_follows = i + 1 < in.size() && is_variation_selector(in[i + 1]);
    if (widen && is_halfwidth_katakana(c)) {
      // One character with its voicing mark at a time (the only composition there is),
      // so an error names the character that failed, not the start of the run.
      const std::size_t n = i + 1 < in.size() && (in[i + 1] == U'\uFF9E' || in[i + 1] == U'\uFF9F') ? 2 : 1;
      const std::u32string wide = widen_katakana(in.substr(i, n));
      for (std::size_t k = 0; k < wide.size(); ++k) {
        Glyph g{"", std::u32string(1, wide[k])};
        if (auto r = emit(i + std::min(k, n - 1), g, false); !r) return r;
      }
      i += n;
      continue;
    }
    if (is_private_use(c)) {
      // A gaiji: only the source's own table says what it is — unless the source's mode
      // is standard-first and the target holds the code its charset decoded to (HULFT's
      // 標準変換優先: the user-defined area carried as it is).
      if (plan_.from_policy.order == GaijiPolicy::Order::StandardFirst && !to_jukinet && !vs_follows && holds(c)) {
        out.push_back(c);
        ++i;
        continue;
      }
      const GaijiTable::Entry* ge = nullptr;
      const JukinetTable::Entry* je = nullptr;
      if (plan_.base == ProfileBase::Utf8 && plan_.jukinet) je = plan_.jukinet->by_jplus(c);
      if (!je && plan_.from_gaiji) ge = plan_.from_gaiji->by_local(c);
      // 行政事務標準文字 (MJ+) outside MJ sit in the private planes: from a UTF-8 source they
      // are characters of the standard, not a system's 外字. They pass where the target
      // holds them (a UTF-8 target) and otherwise go through the target's table by code
      // point.
      if (!ge && !je && c >= 0xF0000 && from_->is_unicode() && !to_jukinet) {
        Glyph g{"", std::u32string(in.substr(i, vs_follows ? 2 : 1))};
        if (auto r = emit(i, g, true); !r) return r;
        i += g.ucs.size();
        continue;
      }
      if (!ge && !je && plan_.from_policy.replacement) {
        // The declared replacement (〓), recorded and counted like a 縮退; it must reach the
        // target as any character would, or the record fails.
        Glyph repl{"", std::u32string(1, *plan_.from_policy.replacement)};
        if (auto r = emit(i, repl, false); !r) return r;
        if (notes) notes->push_back({f.rf.name, at_char(f, i, "", "").offset, "unregistered 外字 replaced as declared"});
        i += vs_follows ? 2 : 1;
        continue;
      }
      if (!ge && !je)
        return std::unexpected(at_char(f, i, "gaiji-unmapped",
                                       "the local code is not in the source's gaiji table"));
      Glyph g = ge ? ge->glyph : je->glyph;
      std::size_t next = i + 1;
      if (vs_follows && g.ucs.size() == 1) {
        g.ucs.push_back(in[i + 1]);
        ++next;
      }
      if (auto r = emit(i, g, true); !r) return r;
      i = next;
      continue;
    }
    if (is_variation_selector(c))
      return std::unexpected(at_char(f, i, "illegal-sequence", "a variation selector without a base"));
    if (vs_follows) {
      Glyph g{"", std::u32string(in.substr(i, 2))};
      if (auto r = emit(i, g, false); !r) return r;
      i += 2;
      continue;
    }
    const bool table_first = plan_.to_policy.order == GaijiPolicy::Order::TableFirst && plan_.to_gaiji &&
                             plan_.to_gaiji->by_ucs(in.substr(i, 1));
    if (!to_jukinet && !table_first && holds(c)) {
      out.push_back(c);
      ++i;
      continue;
    }
    Glyph g{"", std::u32string(1, c)};
    if (auto r = emit(i, g, false); !r) return r;
    ++i;
  }
  return {};
}

}  // namespace renkei
