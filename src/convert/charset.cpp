#include "renkei/convert/charset.hpp"

#include <unicode/utf8.h>

#include <map>
#include <mutex>

#include "dbcs_charset.hpp"
#include "icu_charset.hpp"

namespace renkei {
namespace {

// Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
class Utf8Charset final : public Charset {
 public:
  const std::string& name() const override { return name_; }
  bool is_unicode() const override { return true; }

  std::expected<void, CharsetError> decode(std::string_view in, std::u32string& out) override {
    const auto* p = reinterpret_cast<const uint8_t*>(in.data());
    const auto len = static_cast<int32_t>(in.size());
    const std::size_t start = out.size();
    out.resize(start + in.size());  // never more code points than bytes
    char32_t* o = out.data() + start;
    int32_t i = 0;
    while (i < len) {
      if (p[i] < 0x80) {
        *o++ = p[i++];
        continue;
      }
      const int32_t at = i;
      UChar32 c;
      U8_NEXT(p, i, len, c);
      if (c < 0) {
        out.resize(start);
        return std::unexpected(CharsetError{"illegal-sequence", static_cast<std::size_t>(at),
                                            static_cast<std::size_t>(i - at)});
      }
      *o++ = static_cast<char32_t>(c);
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
    return {};
  }

  std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) override {
    // Sized for the worst case up front and trimmed after: one branch per character.
    const std::size_t start = out.size();
    out.resize(start + in.size() * 4);
    auto* o = reinterpret_cast<uint8_t*>(out.data() + start);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const char32_t c = in[i];
      if (c < 0x80) {
        *o++ = static_cast<uint8_t>(c);
      } else if (c < 0x800) {
        *o++ = static_cast<uint8_t>(0xC0 | (c >> 6));
        *o++ = static_cast<uint8_t>(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        if (c >= 0xD800 && c <= 0xDFFF) {
          out.resize(start);
          return std::unexpected(CharsetError{"unmappable", i, 1});
        }
        *o++ = static_cast<uint8_t>(0xE0 | (c >> 12));
        *o++ = static_cast<uint8_t>(0x80 | ((c >> 6) & 0x3F));
        *o++ = static_cast<uint8_t>(0x80 | (c & 0x3F));
      } else if (c <= 0x10FFFF) {
        *o++ = static_cast<uint8_t>(0xF0 | (c >> 18));
        *o++ = static_cast<uint8_t>(0x80 | ((c >> 12) & 0x3F));
        *o++ = static_cast<uint8_t>(0x80 | ((c >> 6) & 0x3F));
        *o++ = static_cast<uint8_t>(0x80 | (c & 0x3F));
      } else {
        out.resize(start);
        return std::unexpected(CharsetError{"unmappable", i, 1});
      }
    }
    out.resize(static_cast<std::size_t>(reinterpret_cast<char*>(o) - out.data()));
    return {};
  }

  bool encodable(char32_t c) override { return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF); }

  std::size_t offset_of(std::string_view in, std::size_t char_index) override {
    const auto* p = reinterpret_cast<const uint8_t*>(in.data());
    const auto len = static_cast<int32_t>(in.size());
    int32_t i = 0;
    for (std::size_t k = 0; k < char_index && i < len; ++k) U8_FWD_1(p, i, len);
    return static_cast<std::size_t>(i);
  }

 private:
  std::string name_ = "UTF-8";
};

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, CharsetFactory, std::less<>>& registry() {
  static std::map<std::string, CharsetFactory, std::less<>> r;
  return r;
}

}  // namespace

bool is_utf8_name(std::string_view name) {
  return name == "UTF-8" || name == "utf-8" || name == "UTF8" || name == "utf8";
}

void register_charset(std::string name, CharsetFactory factory) {
  std::lock_guard lock(registry_mutex());
  registry()[std::move(name)] = std::move(factory);
}

std::expected<std::unique_ptr<Charset>, std::string> open_charset(std::string_view name) {
  if (is_utf8_name(name)) return std::make_unique<Utf8Charset>();
  CharsetFactory factory;
  {
    std::lock_guard lock(registry_mutex());
    if (auto it = registry().find(name); it != registry().end()) factory = it->second;
  }
  const std::string n(name);
  if (factory) {
    if (auto cs = factory()) return cs;
    return std::unexpected("charset '" + n + "' could not be opened");
  }
  if (n.starts_with("table:"))
    return std::unexpected("no table charset '" + n + "' is loaded (codemaps/charsets/" + n.substr(6) + ".yaml)");
  std::string why;
  auto conv = open_strict_converter(n, &why);
  if (!conv) return std::unexpected(why);
  auto tables = dbcs_tables_for(n, conv.get());
  auto exact = std::make_unique<IcuCharset>(n, std::move(conv));
  if (tables) return std::make_unique<DbcsCharset>(std::move(tables), std::move(exact));
  return exact;
}

}  // namespace renkei
