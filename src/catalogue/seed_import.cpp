#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>

#include "renkei/catalogue/seed.hpp"
#include "renkei/text.hpp"

namespace renkei {

std::string topic_for_route(int id) { return "renkei.if." + interface_label(id); }

Schedule schedule(std::string cron, BusinessDayRule rule) {
  Schedule s;
  s.cron = std::move(cron);
  s.on_non_business_day = rule;
  return s;
}

Schedule default_schedule(Timing t) {
  switch (t) {
    case Timing::Daily:  // nightly, after the offices close, on business days only
      return schedule("0 22 * * *", BusinessDayRule::Skip);
    case Timing::Monthly:  // the morning of the 1st, or the next business day
      return schedule("0 6 1 * *", BusinessDayRule::NextBusinessDay);
    case Timing::Yearly:  // start of the fiscal year (4/1), or the next business day
      return schedule("0 6 1 4 *", BusinessDayRule::NextBusinessDay);
    default:
      return {};
  }
}

namespace {

// The words of the list, after NFKC and trimming, mapped to their typed values.
const std::map<std::string, Method> kMethodWords{{"自動", Method::Auto}, {"手動", Method::Manual}};
const std::map<std::string, Timing> kTimingWords{{"随時", Timing::Realtime},
                                                 {"日次", Timing::Daily},
                                                 {"月次", Timing::Monthly},
                                                 {"年次", Timing::Yearly},
                                                 {"任意", Timing::Adhoc}};
const std::map<std::string, bool> kExternalWords{{"該当", true}, {"非該当", false}};
const std::map<std::string, bool> kConversionWords{{"あり", true}, {"なし", false}};
// Keys are system_name_key() of the spec cell (NFKC, no spaces), upper-cased ASCII.
const std::map<std::string, std::string_view> kSpecWords{{"住基ネット統一", kProfileJukinet},
                                                         {"UNICODE(UTF-8)", kProfileUtf8}};

constexpr std::string_view kViaSuffix = "経由";
constexpr std::string_view kUsbWord = "USB";

std::string upper_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

template <class V>
std::string expected_words(const std::map<std::string, V>& words) {
  std::string out;
  for (const auto& [k, v] : words) out += (out.empty() ? "" : ", ") + k;
  return out;
}

class RowImporter {
 public:
  RowImporter(const SeedFile& seed, const SeedRow& row, const SystemIndex& systems,
              Diagnostics& diags)
      : seed_(seed), row_(row), systems_(systems), diags_(diags) {}

  std::optional<RouteDef> run() {
    RouteDef r;
    r.id = number();
    const SystemDef* left = system(kColSource);
    const SystemDef* right = system(kColTarget);
    auto arrow = word(kColArrow, std::map<std::string, Arrow>{{"→", Arrow::Right}, {"←", Arrow::Left}});
    r.name = trim(row_.cells[kColInformation]);
    if (r.name.empty()) error(kColInformation, "is empty");
    auto method = word(kColMethod, kMethodWords);
    auto timing = word(kColTiming, kTimingWords);
    auto external = word(kColExternal, kExternalWords);
    auto conversion = this->conversion(right);
    r.note = trim(row_.cells[kColRemark]);
    r.via = via();
    if (upper_ascii(normalize_cell(r.note)).find(kUsbWord) != std::string::npos) r.medium = "usb";

    if (failed_ || !left || !right || !arrow || !method || !timing || !external || !conversion)
      return std::nullopt;
    if (left == right) {
      error(kColTarget, "is the same system as データ作成元システム");
      return std::nullopt;
    }
    r.listed = ListedAs{left->id, *arrow, right->id};
    r.from = *arrow == Arrow::Right ? left->id : right->id;
    r.to = *arrow == Arrow::Right ? right->id : left->id;
    r.method = *method;
    r.timing = *timing;
    r.external = *external;
    r.conversion = *conversion;
    r.topic = topic_for_route(r.id);
    if (is_scheduled(r.timing)) r.schedule = default_schedule(r.timing);
    r.seed = SeedOrigin{std::filesystem::path(seed_.file).filename().string(), row_.line, row_.raw};
    r.where.file = seed_.file;
    r.where.line = row_.line;
    return r;
  }

 private:
  void error(SeedColumn col, const std::string& msg) {
    diags_.error(seed_.file, row_.line, "field " + seed_column_names()[col] + ": " + msg);
    failed_ = true;
  }

  int number() {
    auto cell = normalize_cell(row_.cells[kColNo]);
    int v = 0;
    auto [p, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
    if (ec != std::errc{} || p != cell.data() + cell.size() || v < 1 || v > 999) {
      error(kColNo, "'" + row_.cells[kColNo] + "' is not a row number from 1 to 999");
      return 0;
    }
    return v;
  }

  const SystemDef* system(SeedColumn col) {
    const auto& name = row_.cells[col];
    if (trim(name).empty()) {
      error(col, "is empty");
      return nullptr;
    }
    const SystemDef* s = systems_.resolve(name);
    if (!s) error(col, "unknown system '" + trim(name) + "' (add it, or an alias, to systems.yaml)");
    return s;
  }

  template <class V>
  std::optional<V> word(SeedColumn col, const std::map<std::string, V>& words) {
    auto it = words.find(normalize_cell(row_.cells[col]));
    if (it != words.end()) return it->second;
    error(col, "'" + row_.cells[col] + "' is not one of " + expected_words(words));
    return std::nullopt;
  }

  std::optional<std::string> conversion(const SystemDef* right) {
    auto has = word(kColConversion, kConversionWords);
    if (!has) return std::nullopt;
    auto spec_cell = trim(row_.cells[kColConversionSpec]);
    if (!*has) {
      if (!spec_cell.empty()) {
        error(kColConversionSpec, "'" + spec_cell + "' given, but コード変換の有無 is なし");
        return std::nullopt;
      }
      return std::string(kProfileNone);
    }
    if (spec_cell.empty()) {
      // あり with no spec: a custom profile named after the listed counterpart system,
      // whose character rules the conversion follows (defined in codemaps/profiles/).
      if (!right) return std::nullopt;
      return right->id;
    }
    auto it = kSpecWords.find(upper_ascii(system_name_key(spec_cell)));
    if (it == kSpecWords.end()) {
      error(kColConversionSpec, "unknown conversion spec '" + spec_cell + "' (known: " +
                                    expected_words(kSpecWords) + ")");
      return std::nullopt;
    }
    return std::string(it->second);
  }

  // 「GWサーバ経由」 names the hop; 「A→GWサーバ→B」 names it as an inner step of a path.
  std::optional<std::string> via() {
    auto note = normalize_cell(row_.cells[kColRemark]);
    if (note.empty()) return std::nullopt;
    std::vector<std::string> hops;
    if (note.ends_with(kViaSuffix)) {
      hops.push_back(note.substr(0, note.size() - kViaSuffix.size()));
    } else if (note.find("→") != std::string::npos) {
      std::vector<std::string> steps;
      std::size_t start = 0;
      const std::string arrow = "→";
      for (auto pos = note.find(arrow); pos != std::string::npos; pos = note.find(arrow, start)) {
        steps.push_back(note.substr(start, pos - start));
        start = pos + arrow.size();
      }
      steps.push_back(note.substr(start));
      hops.assign(steps.begin() + 1, steps.end() - 1);
    }
    if (hops.empty()) return std::nullopt;
    if (hops.size() > 1) {
      error(kColRemark, "'" + row_.cells[kColRemark] + "' names more than one hop; only one is supported");
      return std::nullopt;
    }
    const SystemDef* hop = systems_.resolve(hops.front());
    if (!hop) {
      error(kColRemark, "hop '" + trim(hops.front()) + "' is not a known system (add it, or an alias, to systems.yaml)");
      return std::nullopt;
    }
    return hop->id;
  }

  const SeedFile& seed_;
  const SeedRow& row_;
  const SystemIndex& systems_;
  Diagnostics& diags_;
  bool failed_ = false;
};

}  // namespace

std::vector<RouteDef> import_routes(const SeedFile& seed, const SystemIndex& systems,
                                    Diagnostics& diags) {
  std::vector<RouteDef> routes;
  std::map<int, int> line_of_id;
  for (const auto& row : seed.rows) {
    auto route = RowImporter(seed, row, systems, diags).run();
    if (!route) continue;
    auto [it, inserted] = line_of_id.emplace(route->id, row.line);
    if (!inserted) {
      diags.error(seed.file, row.line, "field No.: " + std::to_string(route->id) +
                                           " already used on line " + std::to_string(it->second));
      continue;
    }
    routes.push_back(std::move(*route));
  }
  std::sort(routes.begin(), routes.end(),
            [](const RouteDef& a, const RouteDef& b) { return a.id < b.id; });
  return routes;
}

}  // namespace renkei
