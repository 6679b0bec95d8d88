// Fuzzes RecordConverter::convert, the conversion stage, on converters built from the
// shipped catalogue (config/) and codemaps (codemaps/) for routes of every profile kind:
//    5  resident-record → jukinet         jukinet  CP932 → 住基ネット統一 (UTF-8 form)
//   21  jukinet → resident-record         utf8     UTF-8 → CP932 with gaiji
//    9  resident-record → health-care     none     CP932 → CP932 (bytes kept)
//    2  resident-record → number-link     none     CP932 → UTF-8
//   29  national-pension → jpn-pension    custom   CP932 → CP932, shrink table
//   19  long-term-care → resident-record  custom   CP932 → CP932, target gaiji
// each with the route's own (line) layout, a csv layout and a fixed-width layout added
// for the fuzzer, plus the jukinet route with a value table (続柄) on csv and fixed.
// Input: byte 0 picks the converter, bit 0 of byte 1 the header flag, the rest is the
// record. Any outcome is fine; checks:
//  - an error's offset is within the record (at most its size), its kind one of the
//    documented ones, its field named; notes' offsets likewise; on a line layout the
//    offset is a character boundary, and a record that does not decode fails with the
//    decoder's own error;
//  - nullopt (bytes pass unchanged) only for a none route within one charset;
//  - the output decodes in the target charset; a fixed-width output has the layout's
//    length;
//  - converting the same record again gives the same result (no state carried over).
#include <cstdint>
#include <set>

#include "fuzz_support.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/convert/record_converter.hpp"

namespace {

using namespace renkei;

struct Subject {
  std::string what;
  std::unique_ptr<RecordConverter> conv;
  std::unique_ptr<Charset> source;
  std::unique_ptr<Charset> target;
};

LayoutDef fuzz_csv() {
  LayoutDef l;
  l.name = "fuzz-csv";
  l.format = LayoutFormat::Csv;
  l.fields = {{"id", 0, 0, false, 1}, {"name", 0, 0, false, 2}, {"name_kana", 0, 0, true, 3},
              {"relationship", 0, 0, false, 4}};
  return l;
}

LayoutDef fuzz_fixed() {
  LayoutDef l;
  l.name = "fuzz-fixed";
  l.format = LayoutFormat::Fixed;
  l.fields = {{"id", 0, 6, false, 1}, {"name", 6, 20, false, 2}, {"name_kana", 26, 20, true, 3},
              {"relationship", 46, 2, false, 4}};
  l.record_length = 48;
  return l;
}

std::vector<Subject>& subjects() {
  static auto* subjects = [] {
    auto* v = new std::vector<Subject>;
    const std::string config = std::string(RENKEI_SOURCE_DIR) + "/config";
    auto shipped = load_catalogue(config);
    FUZZ_CHECK(shipped.has_value(), "load_catalogue(" + config + ") failed");
    auto cat = std::make_shared<Catalogue>(**shipped);
    cat->layouts.emplace("fuzz-csv", fuzz_csv());
    cat->layouts.emplace("fuzz-fixed", fuzz_fixed());
    auto shipped_maps = load_codemaps(*cat);
    FUZZ_CHECK(shipped_maps.has_value(), "load_codemaps failed");
    auto maps = std::make_shared<Codemaps>(**shipped_maps);
    FUZZ_CHECK(maps->values.contains("relationship"), "codemaps/values/relationship.yaml is gone");
    Profile coded = *maps->profile("jukinet");
    coded.name = "fuzz-jukinet-values";
    coded.values["relationship"] = "relationship";
    maps->profiles.emplace(coded.name, coded);
    const CataloguePtr catalogue = cat;
    const CodemapsPtr codemaps = maps;

    auto add = [&](int route_id, std::optional<std::string> layout, std::string profile) {
      const RouteDef* shipped_route = catalogue->route(route_id);
      FUZZ_CHECK(shipped_route, "route " + std::to_string(route_id) + " is gone from config/routes.yaml");
      RouteDef route = *shipped_route;
      if (layout) route.layout = layout;
      if (!profile.empty()) route.conversion = profile;
      auto plan = plan_for_route(catalogue, codemaps, route);
      FUZZ_CHECK(plan.has_value(), "plan_for_route(" + std::to_string(route_id) + "): " + (plan ? "" : plan.error()));
      const std::string from = plan->from_charset;
      const std::string to = plan->to_charset;
      auto conv = RecordConverter::create(std::move(*plan));
      FUZZ_CHECK(conv.has_value(), "RecordConverter::create(" + std::to_string(route_id) + ")");
      auto source = open_charset(from);
      FUZZ_CHECK(source.has_value(), "open_charset(" + from + ")");
      auto target = open_charset(to);
      FUZZ_CHECK(target.has_value(), "open_charset(" + to + ")");
      v->push_back({"route " + std::to_string(route_id) + " (" + route.conversion + ", layout " +
                        layout.value_or("of the route") + ")",
                    std::make_unique<RecordConverter>(std::move(*conv)), std::move(*source), std::move(*target)});
    };
    for (int id : {5, 21, 9, 2, 29, 19})
      for (const std::optional<std::string>& layout :
           {std::optional<std::string>{}, std::optional<std::string>{"fuzz-csv"},
            std::optional<std::string>{"fuzz-fixed"}})
        add(id, layout, "");
    add(5, "fuzz-csv", "fuzz-jukinet-values");
    add(5, "fuzz-fixed", "fuzz-jukinet-values");
    return v;
  }();
  return *subjects;
}

const std::set<std::string> kKinds = {"illegal-sequence", "unmappable",       "gaiji-unmapped", "ivs-dropped",
                                      "ambiguous-shrink", "field-overflow",   "bad-record"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  auto& all = subjects();
  Subject& s = all[data[0] % all.size()];
  const bool header = data[1] & 1;
  const std::string_view record(reinterpret_cast<const char*>(data + 2), size - 2);
  const ConversionPlan& plan = s.conv->plan();

  std::vector<ConversionNote> notes;
  auto r = s.conv->convert(record, &notes, header);
  for (const auto& n : notes)
    FUZZ_CHECK(n.offset <= record.size(), s.what + ": note at byte " + std::to_string(n.offset) + " beyond the record of " +
                                              std::to_string(record.size()) + " bytes");
  if (!r) {
    const auto& e = r.error();
    FUZZ_CHECK(e.offset <= record.size(), s.what + ": " + e.describe() + "; the record has " +
                                              std::to_string(record.size()) + " bytes: " + fuzz::hex_bytes(record));
    FUZZ_CHECK(kKinds.contains(e.kind), s.what + ": unknown error kind: " + e.describe());
    FUZZ_CHECK(!e.field.empty(), s.what + ": error names no field: " + e.describe());
    if (e.kind == "illegal-sequence")
      FUZZ_CHECK(e.offset < record.size(), s.what + ": an illegal sequence at the end of the record: " + e.describe());
    // On a line layout the record is one field: an error stands at a character boundary,
    // and a record that does not decode fails exactly as the decoder says.
    if (!plan.layout || plan.layout->format == LayoutFormat::Line) {
      std::u32string scratch;
      FUZZ_CHECK(s.source->decode(record.substr(0, e.offset), scratch).has_value(),
                 s.what + ": " + e.describe() + " is not at a character boundary of " + fuzz::hex_bytes(record));
      scratch.clear();
      if (auto d = s.source->decode(record, scratch); !d)
        FUZZ_CHECK(d.error().kind == e.kind && d.error().offset == e.offset,
                   s.what + ": " + e.describe() + "; decoding the record fails with " + d.error().kind + " at byte " +
                       std::to_string(d.error().offset));
    }
  } else if (!r->has_value()) {
    FUZZ_CHECK(plan.base == ProfileBase::None && plan.from_charset == plan.to_charset,
               s.what + ": bytes passed unchanged on a route that converts");
  } else {
    const std::string& out = **r;
    std::u32string decoded;
    auto d = s.target->decode(out, decoded);
    FUZZ_CHECK(d.has_value(), s.what + ": output " + fuzz::hex_bytes(out) + " is not valid " + plan.to_charset);
    if (plan.layout && plan.layout->format == LayoutFormat::Fixed)
      FUZZ_CHECK(out.size() == plan.layout->record_length,
                 s.what + ": fixed-width output of " + std::to_string(out.size()) + " bytes, layout says " +
                     std::to_string(plan.layout->record_length));
  }

  auto again = s.conv->convert(record, nullptr, header);
  FUZZ_CHECK(again.has_value() == r.has_value(), s.what + ": a second conversion of the same record differs");
  if (r)
    FUZZ_CHECK(*again == *r, s.what + ": a second conversion of the same record gives other bytes");
  else
    FUZZ_CHECK(again.error().kind == r.error().kind && again.error().offset == r.error().offset &&
                   again.error().field == r.error().field,
               s.what + ": a second conversion of the same record fails otherwise");
  return 0;
}
