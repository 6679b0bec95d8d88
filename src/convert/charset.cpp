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
    out.reserve(out.size() + in.size());
    int32_t i = 0;
    while (i < len) {
      if (p[i] < 0x80) {
        out.push_back(p[i++]);
        continue;
      }
      const int32_t at = i;
      UChar32 c;
      U8_NEXT(p, i, len, c);
      if (c < 0)
        return std::unexpected(CharsetError{"illegal-sequence", static_cast<std::size_t>(at),
                                            static_cast<std::size_t>(i - at)});
      out.push_back(static_cast<char32_t>(c));
    }
    return {};
  }

  std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) override {
    out.reserve(out.size() + in.size() * 3);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const char32_t c = in[i];
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (!encodable(c)) return std::unexpected(CharsetError{"unmappable", i, 1});
      uint8_t buf[4];
      int32_t n = 0;
      U8_APPEND_UNSAFE(buf, n, c);
      out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
    }
    return {};
  }

  bool encodable(char32_t c) override { return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF); }

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
  registry()[std::move(name)] = factory;
}

std::expected<std::unique_ptr<Charset>, std::string> open_charset(std::string_view name) {
  if (is_utf8_name(name)) return std::make_unique<Utf8Charset>();
  {
    std::lock_guard lock(registry_mutex());
    if (auto it = registry().find(name); it != registry().end()) return it->second();
  }
  std::string why;
  const std::string n(name);
  auto conv = open_strict_converter(n, &why);
  if (!conv) return std::unexpected(why);
  auto tables = dbcs_tables_for(n, conv.get());
  auto exact = std::make_unique<IcuCharset>(n, std::move(conv));
  if (tables) return std::make_unique<DbcsCharset>(std::move(tables), std::move(exact));
  return exact;
}

}  // namespace renkei
