#include "table_charset.hpp"

#include "renkei/convert/unicode_class.hpp"

namespace renkei {
namespace {

std::unexpected<CharsetError> fail(std::string kind, std::size_t offset, std::size_t length) {
  return std::unexpected(CharsetError{std::move(kind), offset, length});
}

void put_code(std::string& out, uint16_t code) {
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
}

}  // namespace

std::array<bool, 256> shift_lead_bytes(const TableCharsetDef& def) {
  std::array<bool, 256> lead{};
  for (const std::string* seq : {&def.shift_out, &def.shift_in})
    if (!seq->empty()) lead[static_cast<uint8_t>((*seq)[0])] = true;
  return lead;
}

TableCharset::TableCharset(TableCharsetDefPtr def, std::unique_ptr<Charset> single_byte)
    : def_(std::move(def)), table_(*def_->table), sbcs_(std::move(single_byte)), shift_lead_(shift_lead_bytes(*def_)) {}

TableCharset::Shift TableCharset::shift_at(std::string_view in, std::size_t p) const {
  const std::string_view rest = in.substr(p);
  if (rest.starts_with(def_->shift_out)) return Shift::Out;
  if (rest.starts_with(def_->shift_in)) return Shift::In;
  return Shift::Broken;
}

std::expected<void, CharsetError> TableCharset::decode(std::string_view in, std::u32string& out) {
  const std::size_t start = out.size();
  auto refuse = [&](std::string kind, std::size_t offset, std::size_t length) {
    out.resize(start);
    return fail(std::move(kind), offset, length);
  };
  const auto byte = [&](std::size_t i) { return static_cast<uint8_t>(in[i]); };
  bool dbcs = def_->starts_double;
  std::size_t p = 0;
  while (p < in.size()) {
    if (shift_lead_[byte(p)]) {
      // A shift into the mode the record is already in is no shift a host writes.
      switch (shift_at(in, p)) {
        case Shift::Out:
          if (dbcs) return refuse("illegal-sequence", p, def_->shift_out.size());
          dbcs = true;
          p += def_->shift_out.size();
          continue;
        case Shift::In:
          if (!dbcs) return refuse("illegal-sequence", p, def_->shift_in.size());
          dbcs = false;
          p += def_->shift_in.size();
          continue;
        case Shift::Broken:
          return refuse("illegal-sequence", p, 1);
      }
    }
    if (dbcs) {
      if (p + 1 >= in.size() || shift_lead_[byte(p + 1)]) return refuse("illegal-sequence", p, 1);
      const CharsetTableEntry* e = table_.pair(byte(p), byte(p + 1));
      if (!e) return refuse("unmappable", p, 2);
      out += e->ucs;
      p += 2;
      continue;
    }
    std::size_t q = p;
    while (q < in.size() && !shift_lead_[byte(q)]) ++q;
    if (sbcs_) {
      // The whole run at once: ICU decides, and says where it stopped.
      if (auto r = sbcs_->decode(in.substr(p, q - p), out); !r) {
        CharsetError e = r.error();
        out.resize(start);
        e.offset += p;
        return std::unexpected(e);
      }
    } else {
      for (std::size_t i = p; i < q; ++i) {
        const CharsetTableEntry* e = table_.single(byte(i));
        if (!e) return refuse("unmappable", i, 1);
        out += e->ucs;
      }
    }
    p = q;
  }
  return {};
}

int TableCharset::single_byte_of(char32_t c) {
  if (!sbcs_) {
    const CharsetTableEntry* e = table_.by_ucs(std::u32string_view(&c, 1));
    return e && !e->double_byte ? e->code : -1;
  }
  scratch_.clear();
  if (!sbcs_->encode(std::u32string_view(&c, 1), scratch_) || scratch_.size() != 1) return -1;
  // ICU writes U+000E as 0E: here that byte is a shift, so U+000E has no code.
  const auto b = static_cast<uint8_t>(scratch_[0]);
  return shift_lead_[b] ? -1 : b;
}

std::expected<void, CharsetError> TableCharset::encode(std::u32string_view in, std::string& out) {
  const std::size_t start = out.size();
  bool dbcs = def_->starts_double;
  auto mode = [&](bool to_dbcs) {
    if (to_dbcs != dbcs) out += to_dbcs ? def_->shift_out : def_->shift_in;
    dbcs = to_dbcs;
  };
  for (std::size_t i = 0; i < in.size();) {
    // A base and its variation selector may have a code of their own; the selector is
    // never dropped: without one it is unmappable on its own.
    if (i + 1 < in.size() && is_variation_selector(in[i + 1])) {
      if (const CharsetTableEntry* e = table_.by_ucs(in.substr(i, 2)); e && e->double_byte) {
        mode(true);
        put_code(out, e->code);
        i += 2;
        continue;
      }
    }
    if (const int b = single_byte_of(in[i]); b >= 0) {
      mode(false);
      out.push_back(static_cast<char>(b));
    } else if (const CharsetTableEntry* e = table_.by_ucs(in.substr(i, 1)); e && e->double_byte) {
      mode(true);
      put_code(out, e->code);
    } else {
      out.resize(start);
      return fail("unmappable", i, 1);
    }
    ++i;
  }
  // A record ends in the mode it starts in, so that its encoding reads back alone.
  mode(def_->starts_double);
  return {};
}

bool TableCharset::encodable(char32_t c) {
  if (single_byte_of(c) >= 0) return true;
  const CharsetTableEntry* e = table_.by_ucs(std::u32string_view(&c, 1));
  return e && e->double_byte;
}

std::size_t TableCharset::offset_of(std::string_view in, std::size_t char_index) {
  const auto byte = [&](std::size_t i) { return static_cast<uint8_t>(in[i]); };
  bool dbcs = def_->starts_double;
  std::size_t chars = 0;
  std::size_t p = 0;
  while (p < in.size()) {
    if (shift_lead_[byte(p)]) {
      const Shift s = shift_at(in, p);
      if (s == Shift::Broken) break;
      dbcs = s == Shift::Out;
      p += dbcs ? def_->shift_out.size() : def_->shift_in.size();
      continue;
    }
    // A single byte is one code point (checked when the definition was loaded); a pair
    // is one or, with a variation selector, two, which both start at the pair.
    std::size_t width = 1;
    if (dbcs) {
      if (p + 1 >= in.size()) break;
      if (const CharsetTableEntry* e = table_.pair(byte(p), byte(p + 1))) width = e->ucs.size();
    }
    if (char_index < chars + width) return p;
    chars += width;
    p += dbcs ? 2 : 1;
  }
  return in.size();
}

}  // namespace renkei
