#pragma once
// One coded character set, strict in both directions: an unmappable or illegal sequence
// is an error with its position, never a substitution (ICU substitutes by default).
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace renkei {

struct CharsetError {
  std::string kind;        // illegal-sequence | unmappable
  std::size_t offset = 0;  // decode: byte offset in the input; encode: index of the code point
  std::size_t length = 0;  // decode: bytes of the bad sequence; encode: 1
};

// Not thread-safe: each worker owns its own instances (the tables behind them are shared).
class Charset {
 public:
  virtual ~Charset() = default;
  virtual const std::string& name() const = 0;
  // Appends the code points of `in` to `out`.
  virtual std::expected<void, CharsetError> decode(std::string_view in, std::u32string& out) = 0;
  // Appends the encoding of `in` to `out`.
  virtual std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) = 0;
  // Whether this one code point has an encoding of its own (for gaiji and 縮退 decisions).
  virtual bool encodable(char32_t c) = 0;
  virtual bool is_unicode() const { return false; }
  // Byte offset in `in` (which decodes cleanly at least up to there) where character
  // number `char_index` starts; in linear time, for error positions.
  virtual std::size_t offset_of(std::string_view in, std::size_t char_index) = 0;

  // Fast paths between a table-driven charset and UTF-8, for values with nothing a
  // profile must look at. They append and return true, or append nothing and return
  // false when anything needs a closer look (an error, a private-use or non-BMP
  // character, half-width katakana when `stop_at_halfwidth_kana`): then the caller takes
  // the general path, which decides and reports.
  virtual bool try_to_utf8(std::string_view, std::string&, bool /*stop_at_halfwidth_kana*/) { return false; }
  virtual bool try_from_utf8(std::string_view, std::string&, bool /*stop_at_halfwidth_kana*/) { return false; }
  // The same fast paths over as much of `in` as they can decide: append the conversion of
  // the longest such prefix (whole characters) and return its length in bytes of `in`.
  // A '\n' is always a character of its own, never part of a double-byte one, so a run
  // of lines converts exactly as each line would alone.
  virtual std::size_t to_utf8_prefix(std::string_view, std::string&, bool /*stop_at_halfwidth_kana*/) { return 0; }
  virtual std::size_t from_utf8_prefix(std::string_view, std::string&, bool /*stop_at_halfwidth_kana*/) { return 0; }
};

// `name` is an exact ICU converter name (or UTF-8). Stateless single/double-byte
// converters such as ibm-943_P15A-2003 run on tables derived from ICU itself once per
// process, so they decode exactly as ICU does, only faster; errors are always located
// by ICU. The error string says why a name cannot be opened.
std::expected<std::unique_ptr<Charset>, std::string> open_charset(std::string_view name);

bool is_utf8_name(std::string_view name);

// Where table-driven converters for charsets ICU lacks (Fujitsu JEF, Hitachi KEIS, NEC
// JIPS) plug in: a factory registered under the name systems.yaml uses ("table:<name>",
// see table_charset.hpp). A std::function, so that a factory can hold the table it
// loaded; it is called without the registry's lock held (it may open charsets itself)
// and may answer nullptr when it cannot make an instance. Registering a name again
// replaces the factory; instances already made keep what they hold.
using CharsetFactory = std::function<std::unique_ptr<Charset>()>;
void register_charset(std::string name, CharsetFactory factory);

}  // namespace renkei
