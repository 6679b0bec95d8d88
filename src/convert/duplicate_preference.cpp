#include "renkei/convert/duplicate_preference.hpp"

#include <map>
#include <vector>

namespace renkei {
namespace {

enum class Region { Jis, NecRow13, NecSelected, Ibm, Other };

Region region_of(unsigned lead) {
  if ((lead >= 0x81 && lead <= 0x84) || (lead >= 0x88 && lead <= 0x9F) || (lead >= 0xE0 && lead <= 0xEA))
    return Region::Jis;
  if (lead == 0x87) return Region::NecRow13;
  if (lead == 0xED || lead == 0xEE) return Region::NecSelected;
  if (lead >= 0xFA && lead <= 0xFC) return Region::Ibm;
  return Region::Other;
}

class Preferring final : public Charset {
 public:
  Preferring(std::unique_ptr<Charset> inner, std::map<char32_t, std::string> remap, std::string name)
      : inner_(std::move(inner)), remap_(std::move(remap)), name_(std::move(name)) {}

  const std::string& name() const override { return name_; }
  std::expected<void, CharsetError> decode(std::string_view in, std::u32string& out) override {
    return inner_->decode(in, out);
  }
  std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) override {
    const std::size_t start = out.size();
    std::size_t run = 0;
    auto flush = [&](std::size_t end) -> std::expected<void, CharsetError> {
      if (end == run) return {};
      if (auto r = inner_->encode(in.substr(run, end - run), out); !r) {
        CharsetError e = r.error();
        e.offset += run;
        out.resize(start);
        return std::unexpected(e);
      }
      return {};
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
      auto it = remap_.find(in[i]);
      if (it == remap_.end()) continue;
      if (auto r = flush(i); !r) return r;
      out += it->second;
      run = i + 1;
    }
    return flush(in.size());
  }
  bool encodable(char32_t c) override { return inner_->encodable(c); }
  std::size_t offset_of(std::string_view in, std::size_t char_index) override {
    return inner_->offset_of(in, char_index);
  }

 private:
  std::unique_ptr<Charset> inner_;
  std::map<char32_t, std::string> remap_;  // characters written otherwise than `inner_` does
  std::string name_;
};

}  // namespace

std::optional<DuplicatePreference> parse_duplicate_preference(std::string_view s) {
  if (s == "windows") return DuplicatePreference::Windows;
  if (s == "nec-selected") return DuplicatePreference::NecSelected;
  if (s == "ibm") return DuplicatePreference::Ibm;
  return std::nullopt;
}

std::string_view to_string(DuplicatePreference p) {
  switch (p) {
    case DuplicatePreference::Windows: return "windows";
    case DuplicatePreference::NecSelected: return "nec-selected";
    case DuplicatePreference::Ibm: return "ibm";
  }
  return "windows";
}

std::expected<std::unique_ptr<Charset>, std::string> with_duplicate_preference(std::unique_ptr<Charset> inner,
                                                                              DuplicatePreference p) {
  if (p == DuplicatePreference::Windows) return inner;
  std::u32string probe;
  if (inner->is_unicode() || !inner->decode("\x82\xA0", probe) || probe != U"\u3042")
    return std::unexpected("cp932_duplicates: " + std::string(to_string(p)) + " needs a Shift_JIS-family target; " +
                           inner->name() + " is not one");
  // Every double-byte cell the charset decodes, by the character it decodes to.
  std::map<char32_t, std::vector<std::string>> codes;
  std::u32string text;
  for (unsigned lead = 0x81; lead <= 0xFC; ++lead) {
    if (lead >= 0xA0 && lead <= 0xDF) continue;
    for (unsigned trail = 0x40; trail <= 0xFC; ++trail) {
      if (trail == 0x7F) continue;
      const std::string cell{static_cast<char>(lead), static_cast<char>(trail)};
      text.clear();
      if (inner->decode(cell, text) && text.size() == 1) codes[text[0]].push_back(cell);
    }
  }
  std::map<char32_t, std::string> remap;
  std::string written;
  for (const auto& [c, cells] : codes) {
    if (cells.size() < 2) continue;
    written.clear();
    if (!inner->encode(std::u32string_view(&c, 1), written) || written.size() != 2) continue;
    const Region now = region_of(static_cast<unsigned char>(written[0]));
    if (now == Region::Jis) continue;  // a JIS X 0208 code is every peer's
    const Region want = p == DuplicatePreference::NecSelected ? Region::NecSelected : Region::Ibm;
    if (now == want) continue;
    // NEC-selected takes only the IBM kanji and numerals (NEC row 13 stays); IBM takes
    // NEC row 13's and the NEC-selected codes' characters where FA-FC have them.
    if (p == DuplicatePreference::NecSelected && now != Region::Ibm) continue;
    for (const std::string& cell : cells)
      if (region_of(static_cast<unsigned char>(cell[0])) == want) {
        remap.emplace(c, cell);
        break;
      }
  }
  const std::string name = inner->name();
  return std::unique_ptr<Charset>(std::make_unique<Preferring>(std::move(inner), std::move(remap), name));
}

}  // namespace renkei
