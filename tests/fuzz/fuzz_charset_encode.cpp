// Fuzzes Charset::encode: the input is read as code points, 4 bytes each (little
// endian, 21 bits; values above U+10FFFF fold into the BMP, so surrogates and every
// plane occur), encoded into ibm-943_P15A-2003 (table-driven) and UTF-8. Checks:
//  - encode appends: what `out` held before is kept;
//  - the result is exactly ICU's (bytes, or the index of the first code point that has
//    no encoding): a differential test of the fast path's from-Unicode table;
//  - an error's index is within the input, the code points before it encode, the one at
//    it does not (encodable() agrees);
//  - encodable(c) agrees with encoding c alone, for each code point;
//  - what encodes decodes back to the same code points.
#include <cstdint>
#include <memory>

#include "fuzz_support.hpp"
#include "renkei/convert/charset.hpp"

namespace {

struct Subject {
  const char* name;
  std::unique_ptr<renkei::Charset> cs;
  std::unique_ptr<fuzz::IcuReference> ref;
};

std::vector<Subject>& subjects() {
  static auto* s = [] {
    auto* v = new std::vector<Subject>;
    for (const char* name : {"ibm-943_P15A-2003", "UTF-8"}) {
      auto cs = renkei::open_charset(name);
      FUZZ_CHECK(cs.has_value(), std::string("open_charset(") + name + ")");
      v->push_back({name, std::move(*cs), std::make_unique<fuzz::IcuReference>(name)});
    }
    return v;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::u32string in;
  for (std::size_t i = 0; i + 4 <= size; i += 4) {
    uint32_t v = static_cast<uint32_t>(data[i]) | static_cast<uint32_t>(data[i + 1]) << 8 |
                 static_cast<uint32_t>(data[i + 2]) << 16 | static_cast<uint32_t>(data[i + 3]) << 24;
    v &= 0x1FFFFF;
    if (v > 0x10FFFF) v &= 0xFFFF;
    in.push_back(static_cast<char32_t>(v));
  }

  for (Subject& s : subjects()) {
    const std::string name = s.name;
    const std::string prefix = "\x8E\x40";  // kept as is: encode appends
    std::string out = prefix;
    auto r = s.cs->encode(in, out);
    FUZZ_CHECK(out.compare(0, prefix.size(), prefix) == 0, name + ": encode did not keep what `out` held");
    const std::string got = out.substr(prefix.size());

    const fuzz::Reference ref = s.ref->encode(in);
    FUZZ_CHECK(r.has_value() == ref.ok,
               name + ": renkei says " + (r ? "ok" : "error at " + std::to_string(r.error().offset)) + ", ICU says " +
                   (ref.ok ? "ok" : "error at " + std::to_string(ref.offset)) + " for " + fuzz::hex_cps(in));
    if (r) {
      FUZZ_CHECK(got == ref.bytes, name + ": encoded " + fuzz::hex_bytes(got) + ", ICU encodes " +
                                       fuzz::hex_bytes(ref.bytes) + " from " + fuzz::hex_cps(in));
      std::u32string back;
      auto d = s.cs->decode(got, back);
      FUZZ_CHECK(d.has_value(), name + ": cannot decode its own encoding " + fuzz::hex_bytes(got));
      FUZZ_CHECK(back == in, name + ": " + fuzz::hex_cps(in) + " encodes to " + fuzz::hex_bytes(got) +
                                 " which decodes to " + fuzz::hex_cps(back));
    } else {
      const auto& e = r.error();
      FUZZ_CHECK(e.kind == "unmappable" || e.kind == "illegal-sequence", name + ": error kind '" + e.kind + "'");
      FUZZ_CHECK(e.offset < in.size(), name + ": error index " + std::to_string(e.offset) + " of " +
                                           std::to_string(in.size()) + " code points");
      FUZZ_CHECK(!s.cs->encodable(in[e.offset]),
                 name + ": error at " + fuzz::hex_cps(in.substr(e.offset, 1)) + " which is encodable");
      {
        FUZZ_CHECK(e.offset == ref.offset, name + ": error index " + std::to_string(e.offset) + ", ICU's " +
                                               std::to_string(ref.offset) + " in " + fuzz::hex_cps(in));
        std::string head;
        FUZZ_CHECK(s.cs->encode(in.substr(0, e.offset), head).has_value(),
                   name + ": the code points before the error index do not encode: " + fuzz::hex_cps(in));
      }
    }

    // encodable() is the per-character answer the converter relies on for gaiji and 縮退.
    for (std::size_t i = 0; i < in.size() && i < 16; ++i) {
      std::string one;
      const bool enc = s.cs->encode(in.substr(i, 1), one).has_value();
      FUZZ_CHECK(s.cs->encodable(in[i]) == enc,
                 name + ": encodable(" + fuzz::hex_cps(in.substr(i, 1)) + ") disagrees with encode");
    }
  }
  return 0;
}
