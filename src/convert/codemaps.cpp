#include "renkei/convert/codemaps.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "renkei/convert/charset.hpp"
#include "renkei/convert/table_charset.hpp"
#include "renkei/convert/unicode_class.hpp"
#include "tsv.hpp"
#include "yaml_reader.hpp"

namespace renkei {
namespace fs = std::filesystem;

namespace {

std::optional<uint32_t> parse_hex(std::string_view s) {
  if (s.empty() || s.size() > 8) return std::nullopt;
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool empty_cell(const std::string& s) { return s.empty() || s == "-"; }

// A glyph's UCS: characters that are not BMP private use (a system's 外字: the local
// column's), not surrogates, variation selectors only after a base. The private planes
// 15 and 16 are allowed: 行政事務標準文字 (MJ+) puts characters of the standard there.
std::optional<std::string> check_glyph_ucs(const std::u32string& seq) {
  for (std::size_t i = 0; i < seq.size(); ++i) {
    const char32_t c = seq[i];
    if (is_private_use(c) && c < 0xF0000) return "a private-use code point (" + format_ucs_sequence(seq.substr(i, 1)) +
                                  ") is not a UCS character; gaiji go in the local column";
    if (is_variation_selector(c) && i == 0) return "a variation selector cannot stand first";
  }
  return std::nullopt;
}

// The mj and ucs columns both tables share; `what` names the row's kind in the message.
std::expected<Glyph, std::string> parse_glyph(const std::string& mj, const std::string& ucs, const std::string& what);

}  // namespace

std::optional<std::u32string> parse_ucs_sequence(std::string_view text) {
  std::u32string out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    auto end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    auto tok = text.substr(i, end - i);
    if (tok.size() < 3 || (tok.substr(0, 2) != "U+" && tok.substr(0, 2) != "u+")) return std::nullopt;
    auto v = parse_hex(tok.substr(2));
    if (!v || *v > 0x10FFFF || (*v >= 0xD800 && *v <= 0xDFFF) || tok.size() < 6) return std::nullopt;
    out.push_back(static_cast<char32_t>(*v));
    i = end;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<uint32_t> parse_jplus(std::string_view text) {
  if (text.size() < 6 || text.size() > 8 || (text.substr(0, 2) != "J+" && text.substr(0, 2) != "j+"))
    return std::nullopt;
  return parse_hex(text.substr(2));
}

bool is_mj_name(std::string_view s) {
  return s.size() == 8 && s.substr(0, 2) == "MJ" &&
         std::all_of(s.begin() + 2, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string format_ucs_sequence(std::u32string_view seq) {
  std::string out;
  char buf[16];
  for (char32_t c : seq) {
    std::snprintf(buf, sizeof buf, "%sU+%04X", out.empty() ? "" : " ", static_cast<unsigned>(c));
    out += buf;
  }
  return out;
}

namespace {

std::expected<Glyph, std::string> parse_glyph(const std::string& mj, const std::string& ucs, const std::string& what) {
  Glyph g;
  if (!empty_cell(mj)) {
    if (!is_mj_name(mj)) return std::unexpected("column mj: '" + mj + "' is not an MJ文字図形名 (MJ + 6 digits)");
    g.mj = mj;
  }
  if (!empty_cell(ucs)) {
    auto seq = parse_ucs_sequence(ucs);
    if (!seq) return std::unexpected("column ucs: '" + ucs + "' is not a U+XXXX sequence");
    if (auto why = check_glyph_ucs(*seq)) return std::unexpected("column ucs: " + *why);
    g.ucs = *seq;
  }
  if (g.mj.empty() && g.ucs.empty()) return std::unexpected(what + " needs an MJ name, a UCS sequence or both");
  return g;
}

}  // namespace

// --- GaijiTable ----------------------------------------------------------------------

Result<GaijiTable> GaijiTable::load(const std::string& path, const std::string& shown_as, const std::string& charset) {
  Diagnostics diags;
  GaijiTable t;
  std::unique_ptr<Charset> cs;
  if (auto c = open_charset(charset)) cs = std::move(*c);
  read_tsv(path, shown_as, "local", diags, [&](int line, const std::vector<std::string>& cells) {
    auto err = [&](const std::string& m) { diags.error(shown_as, line, m); };
    if (cells.size() != 3) return err("expected 3 columns (local, mj, ucs), found " + std::to_string(cells.size()));
    Entry e;
    e.line = line;
    const std::string& local = cells[0];
    if (local.starts_with("U+") || local.starts_with("u+")) {
      auto seq = parse_ucs_sequence(local);
      if (!seq || seq->size() != 1) return err("column local: '" + local + "' is not one code point");
      e.local = (*seq)[0];
    } else {
      auto v = parse_hex(local);
      if (!v || local.size() % 2 != 0) return err("column local: '" + local + "' is neither U+XXXX nor hex bytes");
      std::string bytes;
      for (std::size_t i = 0; i < local.size(); i += 2)
        bytes.push_back(static_cast<char>(*parse_hex(std::string_view(local).substr(i, 2))));
      std::u32string decoded;
      if (!cs || !cs->decode(bytes, decoded) || decoded.size() != 1)
        return err("column local: bytes " + local + " are not one character in " + charset);
      e.local = decoded[0];
    }
    if (!is_private_use(e.local))
      return err("column local: " + format_ucs_sequence(std::u32string(1, e.local)) +
                 " is not in a private-use area, so it is no gaiji");
    auto glyph = parse_glyph(cells[1], cells[2], "a gaiji");
    if (!glyph) return err(glyph.error());
    e.glyph = std::move(*glyph);
    if (auto it = t.local_.find(e.local); it != t.local_.end())
      return err("local code " + local + " is already mapped on line " + std::to_string(t.entries_[it->second].line));
    if (!e.glyph.ucs.empty())
      if (auto it = t.ucs_.find(e.glyph.ucs); it != t.ucs_.end())
        return err("conflict: " + cells[2] + " is also the glyph of line " + std::to_string(t.entries_[it->second].line));
    if (!e.glyph.mj.empty())
      if (auto it = t.mj_.find(e.glyph.mj); it != t.mj_.end())
        return err("conflict: " + e.glyph.mj + " is also the glyph of line " +
                   std::to_string(t.entries_[it->second].line));
    const std::size_t idx = t.entries_.size();
    t.local_.emplace(e.local, idx);
    if (!e.glyph.ucs.empty()) t.ucs_.emplace(e.glyph.ucs, idx);
    if (!e.glyph.mj.empty()) t.mj_.emplace(e.glyph.mj, idx);
    t.entries_.push_back(std::move(e));
  });
  if (!diags.empty()) return std::unexpected(diags);
  return t;
}

const GaijiTable::Entry* GaijiTable::by_local(char32_t c) const {
  auto it = local_.find(c);
  return it == local_.end() ? nullptr : &entries_[it->second];
}
const GaijiTable::Entry* GaijiTable::by_ucs(std::u32string_view seq) const {
  auto it = ucs_.find(seq);
  return it == ucs_.end() ? nullptr : &entries_[it->second];
}
const GaijiTable::Entry* GaijiTable::by_mj(std::string_view mj) const {
  auto it = mj_.find(mj);
  return it == mj_.end() ? nullptr : &entries_[it->second];
}

// --- JukinetTable --------------------------------------------------------------------

void JukinetTable::add(Entry e, const std::string& shown_as, Diagnostics& diags) {
  auto err = [&](const std::string& m) { diags.error(shown_as, e.line, m); };
  char code[16];
  std::snprintf(code, sizeof code, "J+%04X", e.jplus);
  if (auto it = jplus_.find(e.jplus); it != jplus_.end())
    return err(std::string(code) + " is already defined on line " + std::to_string(entries_[it->second].line));
  // The jukinet profile writes a J+ code as that value in UTF-8 form: a surrogate cannot be.
  if (e.jplus >= 0xD800 && e.jplus <= 0xDFFF)
    return err("column jplus: " + std::string(code) + " is a surrogate and cannot be written in UTF-8 form");
  if (!e.glyph.ucs.empty())
    if (auto it = ucs_.find(e.glyph.ucs); it != ucs_.end()) {
      // Name the row it collides with, not this one.
      char other[16];
      std::snprintf(other, sizeof other, "J+%04X", entries_[it->second].jplus);
      return err("conflict: " + format_ucs_sequence(e.glyph.ucs) + " is also " + other + "'s glyph on line " +
                 std::to_string(entries_[it->second].line));
    }
  if (!e.glyph.mj.empty())
    if (auto it = mj_.find(e.glyph.mj); it != mj_.end())
      return err("conflict: " + e.glyph.mj + " is also the glyph of line " + std::to_string(entries_[it->second].line));
  const std::size_t idx = entries_.size();
  jplus_.emplace(e.jplus, idx);
  if (!e.glyph.ucs.empty()) ucs_.emplace(e.glyph.ucs, idx);
  if (!e.glyph.mj.empty()) mj_.emplace(e.glyph.mj, idx);
  entries_.push_back(std::move(e));
}

Result<JukinetTable> JukinetTable::load(const std::string& path, const std::string& shown_as) {
  Diagnostics diags;
  JukinetTable t;
  read_tsv(path, shown_as, "jplus", diags, [&](int line, const std::vector<std::string>& cells) {
    auto err = [&](const std::string& m) { diags.error(shown_as, line, m); };
    if (cells.size() != 3) return err("expected 3 columns (jplus, mj, ucs), found " + std::to_string(cells.size()));
    // A range "J+0020..J+007E <tab> - <tab> U+0020..U+007E" lists runs of the 15,379
    // characters whose J+ code equals their code point without a row each.
    if (auto dots = cells[0].find(".."); dots != std::string::npos) {
      auto lo = parse_jplus(std::string_view(cells[0]).substr(0, dots));
      auto hi = parse_jplus(std::string_view(cells[0]).substr(dots + 2));
      auto udots = cells[2].find("..");
      if (!lo || !hi || *hi < *lo || udots == std::string::npos || !empty_cell(cells[1]))
        return err("a range row is 'J+XXXX..J+YYYY <tab> - <tab> U+XXXX..U+YYYY'");
      if (*hi > 0xFFFF) return err("column jplus: '" + cells[0] + "' goes beyond J+FFFF");
      auto ulo = parse_ucs_sequence(std::string_view(cells[2]).substr(0, udots));
      auto uhi = parse_ucs_sequence(std::string_view(cells[2]).substr(udots + 2));
      if (!ulo || !uhi || ulo->size() != 1 || uhi->size() != 1 || (*uhi)[0] - (*ulo)[0] != *hi - *lo)
        return err("column ucs: the UCS range must be as long as the J+ range");
      for (uint32_t j = *lo; j <= *hi; ++j) {
        Entry e;
        e.jplus = j;
        e.line = line;
        e.glyph.ucs = std::u32string(1, static_cast<char32_t>((*ulo)[0] + (j - *lo)));
        if (auto why = check_glyph_ucs(e.glyph.ucs)) return err("column ucs: " + *why);
        t.add(std::move(e), shown_as, diags);
      }
      return;
    }
    auto j = parse_jplus(cells[0]);
    if (!j || *j > 0xFFFF) return err("column jplus: '" + cells[0] + "' is not a J+XXXX code");
    Entry e;
    e.jplus = *j;
    e.line = line;
    auto glyph = parse_glyph(cells[1], cells[2], "a 統一文字");
    if (!glyph) return err(glyph.error());
    e.glyph = std::move(*glyph);
    t.add(std::move(e), shown_as, diags);
  });
  if (!diags.empty()) return std::unexpected(diags);
  return t;
}

const JukinetTable::Entry* JukinetTable::by_ucs(std::u32string_view seq) const {
  auto it = ucs_.find(seq);
  return it == ucs_.end() ? nullptr : &entries_[it->second];
}
const JukinetTable::Entry* JukinetTable::by_mj(std::string_view mj) const {
  auto it = mj_.find(mj);
  return it == mj_.end() ? nullptr : &entries_[it->second];
}
const JukinetTable::Entry* JukinetTable::by_jplus(uint32_t code) const {
  auto it = jplus_.find(code);
  return it == jplus_.end() ? nullptr : &entries_[it->second];
}

// --- ValueTable ---------------------------------------------------------------------

Result<ValueTable> ValueTable::load(const std::string& path, const std::string& shown_as) {
  Diagnostics diags;
  ValueTable t;
  t.name_ = fs::path(path).stem().string();
  auto doc = load_yaml_file(path, shown_as, diags);
  if (!doc) return std::unexpected(diags);
  MapReader m(*doc, shown_as, "value table '" + t.name_ + "'", diags);
  m.str("description");
  auto map = m.map("map", Need::Required);
  m.finish();
  if (map) {
    std::map<std::string, int> seen;
    for (const auto& kv : *map) {
      const int line = line_of(kv.first);
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        diags.error(shown_as, line, "map: each entry is 'source code: target code'");
        continue;
      }
      auto [it, inserted] = seen.emplace(kv.first.Scalar(), line);
      if (!inserted) {
        diags.error(shown_as, line,
                    "map: code '" + kv.first.Scalar() + "' is already mapped on line " + std::to_string(it->second));
        continue;
      }
      t.map_.emplace(kv.first.Scalar(), kv.second.Scalar());
    }
  }
  if (!diags.empty()) return std::unexpected(diags);
  return t;
}

const std::string* ValueTable::map(std::string_view code) const {
  auto it = map_.find(code);
  return it == map_.end() ? nullptr : &it->second;
}

// --- Codemaps --------------------------------------------------------------------------

const Profile* Codemaps::profile(const std::string& name) const {
  auto it = profiles.find(name);
  return it == profiles.end() ? nullptr : &it->second;
}

GaijiPolicy Codemaps::gaiji_policy_of(const std::string& system) const {
  auto it = gaiji_policy.find(system);
  return it == gaiji_policy.end() ? GaijiPolicy{} : it->second;
}

const GaijiTable* Codemaps::gaiji_of(const std::string& system) const {
  auto it = gaiji.find(system);
  return it == gaiji.end() ? nullptr : &it->second;
}

namespace {

std::optional<GaijiPolicy> parse_gaiji_policy(const fs::path& path, const std::string& shown, Diagnostics& diags) {
  auto doc = load_yaml_file(path.string(), shown, diags);
  if (!doc) return std::nullopt;
  GaijiPolicy g;
  g.where.file = shown;
  MapReader m(*doc, shown, "gaiji policy '" + path.stem().string() + "'", diags);
  g.where.line = m.line();
  const std::string_view orders[] = {"table-first", "standard-first"};
  if (auto o = m.enumeration<GaijiPolicy::Order>(
          "order", Need::Optional,
          [](std::string_view s) -> std::optional<GaijiPolicy::Order> {
            if (s == "table-first") return GaijiPolicy::Order::TableFirst;
            if (s == "standard-first") return GaijiPolicy::Order::StandardFirst;
            return std::nullopt;
          },
          orders))
    g.order = *o;
  const std::string_view policies[] = {"error", "replace"};
  auto unregistered = m.enumeration<bool>(
      "unregistered", Need::Optional,
      [](std::string_view s) -> std::optional<bool> {
        if (s == "error") return false;
        if (s == "replace") return true;
        return std::nullopt;
      },
      policies);
  auto replacement = m.str("replacement");
  if (unregistered.value_or(false)) {
    auto r = replacement ? parse_code_range(*replacement) : std::nullopt;
    if (!replacement) m.error("unregistered", "replace needs the character in `replacement` (e.g. U+3013)");
    else if (!r || r->first != r->second || is_private_use(r->first))
      m.error("replacement", "must be one U+XXXX outside the private use areas");
    else g.replacement = r->first;
  } else if (replacement) {
    m.error("replacement", "is used only with unregistered: replace");
  }
  m.finish();
  return g;
}

std::optional<Profile> parse_profile(const fs::path& path, const std::string& shown, Diagnostics& diags) {
  auto doc = load_yaml_file(path.string(), shown, diags);
  if (!doc) return std::nullopt;
  Profile p;
  p.name = path.stem().string();
  p.where.file = shown;
  MapReader m(*doc, shown, "profile '" + p.name + "'", diags);
  p.where.line = m.line();
  const std::string_view base_names[] = {"jukinet", "utf8", "none"};
  auto base = m.enumeration<ProfileBase>(
      "base", Need::Required,
      [](std::string_view s) -> std::optional<ProfileBase> {
        if (s == "jukinet") return ProfileBase::Jukinet;
        if (s == "utf8") return ProfileBase::Utf8;
        if (s == "none") return ProfileBase::None;
        return std::nullopt;
      },
      base_names);
  if (auto d = m.str("description")) p.description = *d;
  auto kana = m.boolean("kana_to_fullwidth");
  if (auto s = m.str("shrink")) {
    p.shrink = *s;
    p.where.field_lines["shrink"] = m.line_of_key("shrink");
  }
  auto values = m.map("values");
  p.where.field_lines["values"] = m.line_of_key("values");
  if (auto schemes = m.strings("shrink_schemes")) {
    for (const std::string& s : *schemes)
      if (!is_shrink_scheme(s))
        m.error("shrink_schemes", "unknown scheme '" + s + "' (table, jis-ucs, koseki, kokuji582, ruisui)");
    p.shrink_schemes = *schemes;
  }
  if (auto rules = m.strings("rules")) {
    p.rules = *rules;
    if (auto made = OutputRules::make(p.rules); !made) m.error("rules", made.error());
  }
  const std::string_view duplicate_names[] = {"windows", "nec-selected", "ibm"};
  if (auto d = m.enumeration<DuplicatePreference>(
          "cp932_duplicates", Need::Optional, [](std::string_view s) { return parse_duplicate_preference(s); },
          duplicate_names))
    p.cp932_duplicates = *d;
  if (auto forbidden = m.strings("forbidden")) {
    for (std::size_t i = 0; i < forbidden->size(); ++i) {
      auto range = parse_code_range((*forbidden)[i]);
      if (!range) {
        m.error("forbidden", "entry " + std::to_string(i + 1) + " is not U+XXXX or U+XXXX..U+YYYY");
        continue;
      }
      p.forbidden.push_back(*range);
    }
  }
  m.finish();
  if (!base) return std::nullopt;
  p.base = *base;
  p.kana_to_fullwidth = kana.value_or(p.base == ProfileBase::Jukinet);
  if (values)
    for (const auto& kv : *values) {
      if (!kv.second.IsScalar()) {
        diags.error(shown, line_of(kv.first), "values: each entry is 'layout field: value table'");
        continue;
      }
      p.values[kv.first.Scalar()] = kv.second.Scalar();
      p.where.field_lines["values." + kv.first.Scalar()] = line_of(kv.first);
    }
  return p;
}

}  // namespace

namespace {

Result<CodemapsPtr> load_codemaps_from(const Catalogue& cat) {
  Diagnostics diags;
  auto maps = std::make_shared<Codemaps>();
  const fs::path dir = cat.hub.codemaps_dir;
  maps->dir = dir.string();
  auto shown = [&](const fs::path& p) { return p.lexically_relative(dir.parent_path()).string(); };
  // An absent table directory is empty; one that cannot be read is reported (not empty:
  // records would then fail one by one for tables that were meant to be there).
  auto files_in = [&](const fs::path& d, std::string_view ext) { return list_config_dir(d, shown(d), ext, diags); };

  // Table charsets first: a gaiji table's local codes may be written in one.
  std::set<std::string> table_charsets;
  for (const auto& f : files_in(dir / "charsets", ".yaml")) {
    if (auto r = register_table_charset(f); !r) diags.error(shown(f), 0, r.error());
    else table_charsets.insert(*r);
  }
  for (const auto& s : cat.systems)
    if (s.charset.starts_with("table:") && !table_charsets.contains(s.charset))
      diags.error(s.where.file, s.where.line_of("charset"),
                  "system '" + s.id + "': charset " + s.charset + " needs a valid codemaps/charsets/" +
                      s.charset.substr(6) + ".yaml");
  for (const auto& f : files_in(dir / "gaiji", ".yaml")) {
    const std::string system = f.stem().string();
    if (!cat.system(system)) {
      diags.error(shown(f), 0, "gaiji policy for unknown system '" + system + "' (the file is named after a system id)");
      continue;
    }
    // The policy declares the table: without it the load fails, it never falls back.
    const fs::path table = f.parent_path() / (system + ".tsv");
    std::error_code ec;
    if (!fs::is_regular_file(table, ec))
      diags.error(shown(f), 0, "system '" + system + "' declares its 外字 but " + shown(table) + " is missing or unreadable");
    if (auto g = parse_gaiji_policy(f, shown(f), diags)) maps->gaiji_policy.emplace(system, *g);
  }
  for (const auto& f : files_in(dir / "gaiji", ".tsv")) {
    const std::string system = f.stem().string();
    const SystemDef* s = cat.system(system);
    if (!s) {
      diags.error(shown(f), 0, "gaiji table for unknown system '" + system + "' (the file is named after a system id)");
      continue;
    }
    auto t = GaijiTable::load(f.string(), shown(f), s->charset);
    if (!t) diags.append(t.error());
    else maps->gaiji.emplace(system, std::move(*t));
  }
  const fs::path unified = dir / "jukinet" / "unified.tsv";
  if (config_path_present(unified)) {
    auto t = JukinetTable::load(unified.string(), shown(unified));
    if (!t) diags.append(t.error());
    else maps->jukinet = std::move(*t);
  }
  for (const auto& f : files_in(dir / "values", ".yaml")) {
    auto t = ValueTable::load(f.string(), shown(f));
    if (!t) diags.append(t.error());
    else maps->values.emplace(f.stem().string(), std::move(*t));
  }
  for (const auto& f : files_in(dir / "shrink", ".tsv")) {
    auto t = ShrinkTable::load(f.string(), shown(f));
    if (!t) diags.append(t.error());
    else maps->shrink.emplace(f.stem().string(), std::move(*t));
  }
  // The built-ins exist without a file; a file of the same name configures them.
  maps->profiles["jukinet"] = Profile{"jukinet", ProfileBase::Jukinet, true, {}, "", "built in", {}};
  maps->profiles["utf8"] = Profile{"utf8", ProfileBase::Utf8, false, {}, "", "built in", {}};
  maps->profiles["none"] = Profile{"none", ProfileBase::None, false, {}, "", "built in", {}};
  std::set<std::string> broken;  // their errors are reported; routes naming them would only echo
  for (const auto& f : files_in(dir / "profiles", ".yaml")) {
    auto p = parse_profile(f, shown(f), diags);
    if (!p) {
      broken.insert(f.stem().string());
      continue;
    }
    const bool builtin = p->name == "jukinet" || p->name == "utf8" || p->name == "none";
    if (builtin && to_string_base(p->base) != p->name) {
      diags.error(p->where.file, p->where.line, "profile '" + p->name + "': base must be '" + p->name + "'");
      continue;
    }
    for (const auto& [field, table] : p->values)
      if (!maps->values.contains(table))
        diags.error(p->where.file, p->where.line_of("values." + field),
                    "profile '" + p->name + "': field '" + field + "': no value table codemaps/values/" + table + ".yaml");
    if (!p->shrink.empty() && !maps->shrink.contains(p->shrink))
      diags.error(p->where.file, p->where.line_of("shrink"),
                  "profile '" + p->name + "': no shrink table codemaps/shrink/" + p->shrink + ".tsv");
    if (p->base == ProfileBase::Jukinet && !maps->jukinet)
      diags.error(p->where.file, p->where.line, "profile '" + p->name + "': needs codemaps/jukinet/unified.tsv");
    // Towards 住基ネット every output is a J+ code from the table: no character rules apply.
    if (p->base == ProfileBase::Jukinet && (!p->rules.empty() || !p->forbidden.empty()))
      diags.error(p->where.file, p->where.line,
                  "profile '" + p->name + "': rules and forbidden do not apply to base jukinet (its output is J+ codes)");
    maps->profiles[p->name] = std::move(*p);
  }
  for (const auto& r : cat.routes) {
    const Profile* p = maps->profile(r.conversion);
    if (!p && broken.contains(r.conversion)) continue;
    if (!p) {
      diags.error(r.where.file, r.where.line_of("conversion"),
                  "route " + std::to_string(r.id) + ": conversion profile '" + r.conversion +
                      "' is not defined (codemaps/profiles/" + r.conversion + ".yaml)");
      continue;
    }
    if (p->base == ProfileBase::Jukinet && !maps->jukinet)
      diags.error(r.where.file, r.where.line_of("conversion"),
                  "route " + std::to_string(r.id) + ": profile '" + p->name + "' needs codemaps/jukinet/unified.tsv");
    if (auto rules = OutputRules::make(p->rules, p->forbidden); rules)
      if (const SystemDef* to = cat.system(r.to))
        if (auto why = rules->check_target(to->charset))
          diags.error(r.where.file, r.where.line_of("conversion"),
                      "route " + std::to_string(r.id) + ": profile '" + p->name + "': " + *why);
    if (p->cp932_duplicates != DuplicatePreference::Windows)
      if (const SystemDef* to = cat.system(r.to))
        if (auto cs = open_charset(to->charset))
          if (auto w = with_duplicate_preference(std::move(*cs), p->cp932_duplicates); !w)
            diags.error(r.where.file, r.where.line_of("conversion"),
                        "route " + std::to_string(r.id) + ": profile '" + p->name + "': " + w.error());
    const LayoutDef* layout = cat.layout_of(r);
    // CSV written from a fixed layout joins its values with the delimiter's own byte: the
    // target's charset must write it (and the quote) as that byte, as ASCII-based ones do.
    if (layout && layout->write_as_csv)
      if (const SystemDef* to = cat.system(r.to)) {
        std::string punct;
        auto cs = open_charset(to->charset);
        const std::u32string want{static_cast<char32_t>(layout->delimiter), static_cast<char32_t>(layout->quote)};
        if (!cs || !(*cs)->encode(want, punct) || punct != std::string{layout->delimiter, layout->quote})
          diags.error(r.where.file, r.where.line_of("conversion"),
                      "route " + std::to_string(r.id) + ": layout '" + layout->name + "' is written as CSV, but " +
                          to->charset + " does not write its delimiter and quote as ASCII bytes");
      }
    for (const auto& [field, table] : p->values)
      if (!layout || !layout->field(field))
        diags.error(r.where.file, r.where.line_of("conversion"),
                    "route " + std::to_string(r.id) + ": profile '" + p->name + "' maps values of field '" + field +
                        "', which the route's layout " + (layout ? "'" + layout->name + "' lacks" : "does not exist"));
  }
  if (!diags.empty()) return std::unexpected(diags);
  return CodemapsPtr(std::move(maps));
}

}  // namespace

Result<CodemapsPtr> load_codemaps(const Catalogue& cat) {
  // The boundary: a reload or a `validate` gets a diagnostic, whatever the tables hold.
  try {
    return load_codemaps_from(cat);
  } catch (const std::exception& e) {
    Diagnostics diags;
    diags.error(cat.hub.codemaps_dir, 0, std::string("cannot load the codemaps: ") + e.what());
    return std::unexpected(diags);
  }
}

std::string_view to_string_base(ProfileBase b) {
  switch (b) {
    case ProfileBase::Jukinet: return "jukinet";
    case ProfileBase::Utf8: return "utf8";
    case ProfileBase::None: return "none";
  }
  return "none";
}

}  // namespace renkei
