// Fuzzes Charset::decode (and encode on what it decoded) for the charsets routes use.
// The first input byte picks the charset, the rest is the text. Checks:
//  - an error's offset and length lie within the input; the kind is one of the two;
//  - the result is exactly what ICU alone says (output, or error kind/offset/length):
//    a differential test of the table-driven fast path (ibm-943_*) against ICU, and of
//    the ICU wrapper's error positions for the others;
//  - decode appends: what `out` held before is kept;
//  - what decoded encodes back without a crash, and if it encodes, decoding that again
//    gives the same characters (UTF-8: the same bytes).
#include <array>
#include <cstdint>
#include <memory>

#include "fuzz_support.hpp"
#include "renkei/convert/charset.hpp"

namespace {

constexpr std::array kNames = {"ibm-943_P15A-2003", "UTF-8", "ibm-943_P130-1999", "euc-jp-2007", "ibm-930"};

struct Subject {
  std::unique_ptr<renkei::Charset> cs;
  std::unique_ptr<fuzz::IcuReference> ref;
};

std::array<Subject, kNames.size()>& subjects() {
  static auto* s = [] {
    auto* a = new std::array<Subject, kNames.size()>;
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      auto cs = renkei::open_charset(kNames[i]);
      FUZZ_CHECK(cs.has_value(), std::string("open_charset(") + kNames[i] + ")");
      (*a)[i].cs = std::move(*cs);
      (*a)[i].ref = std::make_unique<fuzz::IcuReference>(kNames[i]);
    }
    return a;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t which = data[0] % kNames.size();
  const std::string name = kNames[which];
  Subject& s = subjects()[which];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  static const std::u32string prefix = U"前";
  std::u32string out = prefix;
  auto r = s.cs->decode(in, out);
  FUZZ_CHECK(out.compare(0, prefix.size(), prefix) == 0, name + ": decode did not keep what `out` held");
  const std::u32string got = out.substr(prefix.size());

  if (!r) {
    const auto& e = r.error();
    FUZZ_CHECK(e.kind == "illegal-sequence" || e.kind == "unmappable", name + ": error kind '" + e.kind + "'");
    FUZZ_CHECK(e.offset < in.size() && e.offset + e.length <= in.size(),
               name + ": error at " + std::to_string(e.offset) + "+" + std::to_string(e.length) + " in " +
                   std::to_string(in.size()) + " bytes: " + fuzz::hex_bytes(in));
  }

  // ICU alone. UTF-8 is renkei's own strict decoder; ICU's UTF-8 converter must agree on
  // what is valid and what it means, and on where the first error starts.
  const fuzz::Reference ref = s.ref->decode(in);
  FUZZ_CHECK(r.has_value() == ref.ok,
             name + ": renkei says " + (r ? "ok" : "error " + r.error().kind + " at " + std::to_string(r.error().offset)) +
                 ", ICU says " + (ref.ok ? "ok" : ref.kind + " at " + std::to_string(ref.offset)) +
                 " for bytes " + fuzz::hex_bytes(in));
  if (r) {
    FUZZ_CHECK(got == ref.chars, name + ": decoded " + fuzz::hex_cps(got) + ", ICU decodes " + fuzz::hex_cps(ref.chars) +
                                     " from bytes " + fuzz::hex_bytes(in));
  } else {
    FUZZ_CHECK(r.error().offset == ref.offset,
               name + ": error offset " + std::to_string(r.error().offset) + ", ICU's " + std::to_string(ref.offset) +
                   " for bytes " + fuzz::hex_bytes(in));
    if (name != "UTF-8") {
      FUZZ_CHECK(r.error().kind == ref.kind && r.error().length == ref.length,
                 name + ": error " + r.error().kind + "+" + std::to_string(r.error().length) + ", ICU's " + ref.kind +
                     "+" + std::to_string(ref.length) + " for bytes " + fuzz::hex_bytes(in));
    }
    return 0;
  }

  // Back again.
  std::string bytes;
  auto e = s.cs->encode(got, bytes);
  if (e) {
    if (name == "UTF-8")
      FUZZ_CHECK(bytes == in, "UTF-8: decode+encode changed the bytes " + fuzz::hex_bytes(in) + " to " +
                                  fuzz::hex_bytes(bytes));
    std::u32string again;
    auto d = s.cs->decode(bytes, again);
    FUZZ_CHECK(d.has_value(), name + ": cannot decode its own encoding " + fuzz::hex_bytes(bytes));
    FUZZ_CHECK(again == got, name + ": " + fuzz::hex_cps(got) + " encodes to " + fuzz::hex_bytes(bytes) +
                                 " which decodes to " + fuzz::hex_cps(again));
  } else {
    FUZZ_CHECK(e.error().offset < got.size(), name + ": encode error index " + std::to_string(e.error().offset) +
                                                   " of " + std::to_string(got.size()) + " code points");
  }
  return 0;
}
