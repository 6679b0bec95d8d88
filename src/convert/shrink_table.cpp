// Declared 縮退: the two table formats of codemaps/README.md and the choice between
// candidates the converter asks for.
#include <algorithm>

#include "renkei/convert/codemaps.hpp"
#include "renkei/convert/unicode_class.hpp"
#include "tsv.hpp"

namespace renkei {
namespace {

constexpr std::string_view kSchemes[] = {"table", "jis-ucs", "kokuji582", "koseki", "ruisui"};
constexpr std::size_t kSixColumns = 6;

bool none(const std::string& cell) { return cell.empty() || cell == "-"; }

// 順位 and ホップ数: small whole numbers; six digits is far beyond any the map holds.
std::optional<int> parse_count(const std::string& cell) {
  if (cell.empty() || cell.size() > 6) return std::nullopt;
  int v = 0;
  for (char c : cell) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// The two-column format's messages are kept as they were (its rows hold U+ codes a
// person typed).
std::expected<ShrinkTable::Entry, std::string> parse_two(const std::vector<std::string>& cells) {
  if (cells.size() != 2)
    return std::unexpected("expected 2 columns (from, to), found " + std::to_string(cells.size()) +
                           (cells.size() == kSixColumns ? "; a six-column table needs its header row" : ""));
  auto from = parse_ucs_sequence(cells[0]);
  auto to = parse_ucs_sequence(cells[1]);
  if (!from) return std::unexpected("column from: '" + cells[0] + "' is not a U+XXXX sequence");
  if (!to) return std::unexpected("column to: '" + cells[1] + "' is not a U+XXXX sequence");
  if (*from == *to) return std::unexpected("column to: a character cannot shrink to itself");
  ShrinkTable::Entry e;
  e.from = std::move(*from);
  e.to = std::move(*to);
  e.scheme = "table";
  return e;
}

// Imported rows may hold anything: the column and line find a bad cell without its text
// being repeated.
std::expected<ShrinkTable::Entry, std::string> parse_six(const std::vector<std::string>& cells) {
  if (cells.size() != kSixColumns)
    return std::unexpected("expected 6 columns (from, mj, to, scheme, rank, hops), found " +
                           std::to_string(cells.size()));
  ShrinkTable::Entry e;
  if (!none(cells[0])) {
    auto from = parse_ucs_sequence(cells[0]);
    if (!from) return std::unexpected("column from: not a U+XXXX sequence (nor - for none)");
    e.from = std::move(*from);
  }
  if (!none(cells[1])) {
    if (!is_mj_name(cells[1])) return std::unexpected("column mj: not an MJ文字図形名 (MJ + 6 digits) nor -");
    e.mj = cells[1];
  }
  if (e.from.empty() && e.mj.empty())
    return std::unexpected("columns from and mj: the row needs its source, a U+XXXX sequence, an MJ name or both");
  auto to = none(cells[2]) ? std::nullopt : parse_ucs_sequence(cells[2]);
  if (!to) return std::unexpected("column to: not a U+XXXX sequence");
  for (char32_t c : *to)
    if (is_private_use(c)) return std::unexpected("column to: a private-use code point is no shrink target");
  if (is_variation_selector((*to)[0])) return std::unexpected("column to: a variation selector cannot stand first");
  if (*to == e.from) return std::unexpected("column to: a character cannot shrink to itself");
  e.to = std::move(*to);
  if (!is_shrink_scheme(cells[3]))
    return std::unexpected("column scheme: not one of table, jis-ucs, kokuji582, koseki, ruisui");
  e.scheme = cells[3];
  if (!none(cells[4])) {
    e.rank = parse_count(cells[4]);
    if (!e.rank) return std::unexpected("column rank: not a whole number (at most 6 digits) nor -");
  }
  if (!none(cells[5])) {
    e.hops = parse_count(cells[5]);
    if (!e.hops) return std::unexpected("column hops: not a whole number (at most 6 digits) nor -");
  }
  return e;
}

// The one entry with the lowest `key`, when every entry carries one and no other shares
// that lowest value; otherwise the key does not decide.
const ShrinkTable::Entry* unique_best(const std::vector<const ShrinkTable::Entry*>& fit,
                                      std::optional<int> ShrinkTable::Entry::*key) {
  const ShrinkTable::Entry* best = nullptr;
  bool tie = false;
  for (const auto* e : fit) {
    const std::optional<int>& v = e->*key;
    if (!v) return nullptr;
    if (!best || *v < *(best->*key)) {
      best = e;
      tie = false;
    } else if (*v == *(best->*key)) {
      tie = true;
    }
  }
  return tie ? nullptr : best;
}

}  // namespace

bool is_shrink_scheme(std::string_view id) { return std::ranges::find(kSchemes, id) != std::end(kSchemes); }

Result<ShrinkTable> ShrinkTable::load(const std::string& path, const std::string& shown_as) {
  Diagnostics diags;
  ShrinkTable t;
  // Without a header, or with `from to`, the file is in the first, hand-made format.
  enum class Format { Two, Six, Broken } format = Format::Two;
  auto header = [&](int line, const std::vector<std::string>& cells) {
    if (cells == std::vector<std::string>{"from", "to"}) return;
    if (cells == std::vector<std::string>{"from", "mj", "to", "scheme", "rank", "hops"}) {
      format = Format::Six;
      return;
    }
    format = Format::Broken;
    diags.error(shown_as, line, "header: expected the columns 'from to' or 'from mj to scheme rank hops'");
  };
  auto row = [&](int line, const std::vector<std::string>& cells) {
    auto err = [&](const std::string& m) { diags.error(shown_as, line, m); };
    if (format == Format::Broken) return;  // the header's error says it; every row would echo it
    auto e = format == Format::Six ? parse_six(cells) : parse_two(cells);
    if (!e) return err(e.error());
    e->line = line;
    if (auto other = t.add(std::move(*e)))
      err((format == Format::Six ? "the same source, target and scheme are already on line "
                                 : "the same pair is already on line ") +
          std::to_string(*other));
  };
  read_tsv(path, shown_as, "from", diags, row, header);
  if (!diags.empty()) return std::unexpected(diags);
  return t;
}

std::optional<int> ShrinkTable::add(Entry e) {
  // Lookups go by `from` and by MJ name, so each must name a candidate of a scheme once.
  // A source's rows are few: looking through them costs less than a set of every row.
  auto same = [&](const auto& index, const auto& key) -> std::optional<int> {
    if (auto it = index.find(key); it != index.end())
      for (std::size_t i : it->second)
        if (entries_[i].to == e.to && entries_[i].scheme == e.scheme) return entries_[i].line;
    return std::nullopt;
  };
  if (!e.from.empty())
    if (auto line = same(by_from_, e.from)) return line;
  if (!e.mj.empty())
    if (auto line = same(by_mj_, e.mj)) return line;
  const std::size_t idx = entries_.size();
  if (std::ranges::find(schemes_, e.scheme) == schemes_.end()) schemes_.push_back(e.scheme);
  auto add_to = [](std::vector<std::u32string>& list, const std::u32string& to) {
    if (std::ranges::find(list, to) == list.end()) list.push_back(to);
  };
  if (!e.from.empty()) {
    by_from_[e.from].push_back(idx);
    add_to(to_by_from_[e.from], e.to);
  }
  if (!e.mj.empty()) {
    by_mj_[e.mj].push_back(idx);
    add_to(to_by_mj_[e.mj], e.to);
  }
  entries_.push_back(std::move(e));
  return std::nullopt;
}

const std::vector<std::u32string>* ShrinkTable::candidates(std::u32string_view seq) const {
  auto it = to_by_from_.find(seq);
  return it == to_by_from_.end() ? nullptr : &it->second;
}

const std::vector<std::u32string>* ShrinkTable::candidates_by_mj(std::string_view mj) const {
  auto it = to_by_mj_.find(mj);
  return it == to_by_mj_.end() ? nullptr : &it->second;
}

ShrinkChoice ShrinkTable::choose_among(const std::vector<std::size_t>& rows, const std::vector<std::string>& schemes,
                                       const std::function<bool(std::u32string_view)>& fits) const {
  for (const std::string& scheme : schemes.empty() ? schemes_ : schemes) {
    std::vector<const Entry*> fit;
    for (std::size_t i : rows)
      if (entries_[i].scheme == scheme && fits(entries_[i].to)) fit.push_back(&entries_[i]);
    if (fit.empty()) continue;
    ShrinkChoice c;
    c.scheme = scheme;
    c.candidates = fit.size();
    const Entry* one = fit.size() == 1 ? fit[0] : nullptr;
    if (!one) one = unique_best(fit, &Entry::rank);
    if (!one) one = unique_best(fit, &Entry::hops);
    c.kind = one ? ShrinkChoice::Kind::One : ShrinkChoice::Kind::Ambiguous;
    if (one) c.to = &one->to;
    return c;
  }
  return {};
}

ShrinkChoice ShrinkTable::choose(std::u32string_view from, std::string_view mj, const std::vector<std::string>& schemes,
                                 const std::function<bool(std::u32string_view)>& fits) const {
  static const std::vector<std::size_t> kNoRows;
  auto rows = [](const auto& index, auto key) -> const std::vector<std::size_t>& {
    auto it = index.find(key);
    return it == index.end() ? kNoRows : it->second;
  };
  ShrinkChoice c = from.empty() ? ShrinkChoice{} : choose_among(rows(by_from_, from), schemes, fits);
  if (c.kind == ShrinkChoice::Kind::None && !mj.empty()) c = choose_among(rows(by_mj_, mj), schemes, fits);
  return c;
}

}  // namespace renkei
