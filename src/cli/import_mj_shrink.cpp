// `renkeictl codemap import-mj-shrink`: the MJ縮退マップ (JSON as published) → a shrink
// table in the six-column format of codemaps/README.md.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>

#include "convert_command.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/convert/unicode_class.hpp"
#include "yaml_reader.hpp"

namespace renkei::cli {
namespace {

using nlohmann::json;

// The map's schemes and their ids, in the order they are written, which is the order
// ShrinkTable::choose tries them when a profile names none: the order of IPA's own
// reference program (包摂 first, 類推 last). 辞書類等による関連字 has no id and is not imported.
struct SchemeKey {
  std::string_view key;
  std::string_view id;
};
constexpr SchemeKey kSchemes[] = {
    {"JIS包摂規準・UCS統合規則", "jis-ucs"},
    {"法務省戸籍法関連通達・通知", "koseki"},
    {"法務省告示582号別表第四", "kokuji582"},
    {"読み・字形による類推", "ruisui"},
};
constexpr std::string_view kDictionaryKey = "辞書類等による関連字";
constexpr int kMaxCount = 999999;

struct Candidate {
  std::u32string to{};
  std::optional<int> rank{};
  std::optional<int> hops{};
};

struct Counts {
  std::size_t self = 0;        // a candidate that is the source itself
  std::size_t no_ucs = 0;      // a candidate with only a JIS X 0213 code
  std::size_t betsuji = 0;     // a 戸籍 candidate the notice marks 別字 (a different character)
  std::size_t merged = 0;      // a candidate listed twice in one scheme of one entry
  std::size_t pua_source = 0;  // an entry whose own UCS is a private-use code point
  std::size_t dictionary = 0;  // entries carrying 辞書類等による関連字
};

using Failure = std::string;  // "content[N].key: what is wrong", without the file

std::optional<int> min_of(std::optional<int> a, std::optional<int> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// 順位 and ホップ数 come as numbers or as digit strings; 順位 also in the notice's own
// words ("第1順位").
std::expected<std::optional<int>, Failure> read_count(const json& v, bool rank, const std::string& where) {
  if (v.is_null()) return std::nullopt;
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n > kMaxCount) return std::unexpected(where + ": the number is out of range");
    return static_cast<int>(n);
  }
  if (v.is_number_integer()) return std::unexpected(where + ": the number is negative");
  if (v.is_string()) {
    std::string_view s = v.get_ref<const std::string&>();
    if (rank && s.starts_with("第") && s.ends_with("順位")) s = s.substr(3, s.size() - 3 - 6);
    if (!s.empty() && s.size() <= 6 && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; })) {
      int n = 0;
      for (char c : s) n = n * 10 + (c - '0');
      return n;
    }
  }
  return std::unexpected(where + (rank ? ": expected a whole number, a string of digits or 第N順位"
                                       : ": expected a whole number or a string of digits"));
}

// The candidates of one scheme of one entry, merged by target (the best 順位 and ホップ数
// of the repeats).
std::expected<std::vector<Candidate>, Failure> read_scheme(const json& list, const SchemeKey& scheme,
                                                           const std::u32string& from, const std::string& at,
                                                           Counts& counts) {
  if (!list.is_array()) return std::unexpected(at + ": expected an array");
  std::vector<Candidate> out;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const json& c = list[k];
    const std::string where = at + "[" + std::to_string(k) + "]";
    if (!c.is_object()) return std::unexpected(where + ": expected an object");
    auto u = c.find("UCS");
    if (u == c.end() || u->is_null()) {
      ++counts.no_ucs;
      continue;
    }
    if (!u->is_string()) return std::unexpected(where + ".UCS: expected a string");
    auto to = parse_ucs_sequence(u->get_ref<const std::string&>());
    if (!to) return std::unexpected(where + ".UCS: not a U+XXXX sequence");
    if (std::ranges::any_of(*to, is_private_use) || is_variation_selector((*to)[0]))
      return std::unexpected(where + ".UCS: a private-use code point or a lone variation selector is no shrink target");
    Candidate cand;
    cand.to = std::move(*to);
    if (auto r = c.find("順位"); r != c.end()) {
      auto n = read_count(*r, true, where + ".順位");
      if (!n) return std::unexpected(n.error());
      cand.rank = *n;
    }
    if (auto h = c.find("ホップ数"); h != c.end()) {
      auto n = read_count(*h, false, where + ".ホップ数");
      if (!n) return std::unexpected(n.error());
      cand.hops = *n;
    }
    if (auto note = c.find("付記"); note != c.end() && !note->is_null()) {
      if (!note->is_string()) return std::unexpected(where + ".付記: expected a string");
      // The notice says the two are different characters: never a 縮退 of one another.
      if (scheme.id == "koseki" && note->get_ref<const std::string&>() == "別字") {
        ++counts.betsuji;
        continue;
      }
    }
    if (cand.to == from) {
      ++counts.self;  // where the target holds the source no 縮退 is asked for
      continue;
    }
    auto same = std::ranges::find(out, cand.to, &Candidate::to);
    if (same == out.end()) {
      out.push_back(std::move(cand));
    } else {
      ++counts.merged;
      same->rank = min_of(same->rank, cand.rank);
      same->hops = min_of(same->hops, cand.hops);
    }
  }
  return out;
}

// The source's own UCS, where the entry carries one (実装したUCS before UCS).
std::expected<std::u32string, Failure> read_source(const json& entry, const std::string& at, Counts& counts) {
  std::u32string from;
  for (const char* key : {"実装したUCS", "UCS"}) {
    auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) continue;
    if (!it->is_string()) return std::unexpected(at + "." + key + ": expected a string");
    auto seq = parse_ucs_sequence(it->get_ref<const std::string&>());
    if (!seq || is_variation_selector((*seq)[0])) return std::unexpected(at + "." + key + ": not a U+XXXX sequence");
    if (!from.empty()) continue;
    // A glyph the font implements in the private-use area has no UCS text could carry.
    if (std::ranges::any_of(*seq, is_private_use)) {
      ++counts.pua_source;
      continue;
    }
    from = std::move(*seq);
  }
  return from;
}

// A file name goes into a comment line: nothing in it may end the line.
std::string comment_safe(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return s;
}

}  // namespace

int cmd_codemap_import_mj_shrink(const std::string& file, const std::string& output, std::ostream& out,
                                 std::ostream& err) {
  Diagnostics diags;
  const auto text = read_config_file(file, file, diags);
  if (!text) {
    for (const auto& d : diags.items()) err << d.str() << "\n";
    return 1;
  }
  json doc;
  try {
    doc = json::parse(*text);
  } catch (const json::parse_error& e) {
    // e.what() quotes the text it stopped at: the offset alone finds it.
    err << file << ": not JSON: syntax error at byte " << e.byte << "\n";
    return 1;
  }
  auto fail = [&](const std::string& m) {
    err << file << ": " << m << "\n";
    return 1;
  };
  if (!doc.is_object()) return fail("the top level is not an object");
  auto content_it = doc.find("content");
  if (content_it == doc.end()) return fail("no content array");
  if (!content_it->is_array()) return fail("content: expected an array");
  const json& content = *content_it;

  Counts counts;
  std::map<std::string, std::size_t, std::less<>> seen_mj;
  std::string rows[std::size(kSchemes)];
  std::size_t per_scheme[std::size(kSchemes)] = {};
  for (std::size_t n = 0; n < content.size(); ++n) {
    const json& entry = content[n];
    const std::string at = "content[" + std::to_string(n) + "]";
    if (!entry.is_object()) return fail(at + ": expected an object");
    auto mj_it = entry.find("MJ文字図形名");
    if (mj_it == entry.end() || mj_it->is_null()) return fail(at + ": no MJ文字図形名");
    if (!mj_it->is_string()) return fail(at + ".MJ文字図形名: expected a string");
    const std::string& mj = mj_it->get_ref<const std::string&>();
    if (!is_mj_name(mj)) return fail(at + ".MJ文字図形名: not an MJ文字図形名 (MJ + 6 digits)");
    if (auto [it, inserted] = seen_mj.emplace(mj, n); !inserted)
      return fail(at + ".MJ文字図形名: " + mj + " is also content[" + std::to_string(it->second) + "]");
    auto from = read_source(entry, at, counts);
    if (!from) return fail(from.error());
    const std::string from_text = from->empty() ? "-" : format_ucs_sequence(*from);
    if (entry.contains(kDictionaryKey)) ++counts.dictionary;
    for (std::size_t s = 0; s < std::size(kSchemes); ++s) {
      auto it = entry.find(kSchemes[s].key);
      if (it == entry.end() || it->is_null()) continue;
      auto cands = read_scheme(*it, kSchemes[s], *from, at + "." + std::string(kSchemes[s].key), counts);
      if (!cands) return fail(cands.error());
      for (const auto& c : *cands) {
        rows[s] += from_text + "\t" + mj + "\t" + format_ucs_sequence(c.to) + "\t" + std::string(kSchemes[s].id) +
                   "\t" + (c.rank ? std::to_string(*c.rank) : "-") + "\t" + (c.hops ? std::to_string(*c.hops) : "-") +
                   "\n";
        ++per_scheme[s];
      }
    }
  }

  std::string table = "# 縮退 table imported by `renkeictl codemap import-mj-shrink` from " +
                      comment_safe(std::filesystem::path(file).filename().string()) +
                      "\n# (MJ縮退マップ, 文字情報基盤 (CC BY-SA); keep this attribution with the file).\n# schemes:";
  for (const auto& s : kSchemes) table += " " + std::string(s.id) + " = " + std::string(s.key) + ";";
  table.back() = '\n';
  table += "from\tmj\tto\tscheme\trank\thops\n";
  std::size_t written = 0;
  for (std::size_t s = 0; s < std::size(kSchemes); ++s) {
    table += rows[s];
    written += per_scheme[s];
  }
  if (output.empty()) {
    out << table;
  } else if (auto w = write_file_atomically(output, table); !w) {
    err << output << ": " << w.error() << "\n";
    return 1;
  }
  err << file << ": " << content.size() << " entries read, " << written << " rows written (";
  for (std::size_t s = 0; s < std::size(kSchemes); ++s)
    err << (s ? ", " : "") << kSchemes[s].id << " " << per_scheme[s];
  err << ")\n";
  if (counts.self || counts.no_ucs || counts.betsuji || counts.pua_source)
    err << file << ": skipped " << counts.self << " candidates that are their source, " << counts.no_ucs
        << " without a UCS, " << counts.betsuji << " 戸籍 candidates marked 別字; " << counts.pua_source
        << " sources in the private-use area are known by MJ name only\n";
  if (counts.merged) err << file << ": " << counts.merged << " repeated candidates merged (best 順位 and ホップ数 kept)\n";
  if (counts.dictionary)
    err << file << ": " << kDictionaryKey << " not imported (" << counts.dictionary << " entries carry it; no scheme id)\n";
  return 0;
}

}  // namespace renkei::cli
