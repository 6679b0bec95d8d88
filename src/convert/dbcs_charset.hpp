#pragma once
// Stateless single/double-byte charsets (CP932 and kin) on lookup tables that are
// derived from ICU's own converter at first use: same answers, a fraction of the cost.
// Anything the tables cannot answer alone (an error, a character outside the BMP) is
// handed to ICU, so error positions are always ICU's.
#include <array>
#include <memory>
#include <vector>

#include "icu_charset.hpp"

namespace renkei {

struct DbcsTables {
  static constexpr uint32_t kInvalid = 0xFFFFFFFF;
  static constexpr uint32_t kLead = 0xFFFFFFFE;
  std::array<uint32_t, 256> single{};        // code point, kLead or kInvalid
  std::vector<uint32_t> pair;                // [lead*256+trail] → code point or kInvalid
  std::vector<uint32_t> from_bmp;            // [code point] → (length << 16) | bytes; 0 = none
  // The fast path's one lookup per character, in a table that holds the single-byte
  // characters first and then a row of 256 for each lead byte, so a line of text touches
  // little more than the rows of the lead bytes it uses:
  // → (UTF-8 length << 24) | UTF-8 bytes from the low byte; 0 where the fast path must
  // not decide (invalid, private use, outside the BMP, a double-byte character ending in
  // '\n'). The second table also declines half-width katakana, for fields whose kana
  // are widened.
  std::vector<uint32_t> utf8_window;
  std::vector<uint32_t> utf8_window_no_kana;
  // By a character's first byte, from a table small enough to stay in the L1 cache:
  // (bytes it takes << 24) | where its entries start in utf8_window. Where the next
  // character starts is known without waiting for the large table.
  std::array<uint32_t, 256> utf8_row{};
  // The UTF-8 fast path's one lookup per character, by BMP code point: (CP932 length
  // << 16) | its bytes in memory order from the low byte, so both are stored at once and
  // the output moves on by the length; 0 where the fast path must not decide (no
  // mapping, surrogates, private use, variation selectors; in the second table also
  // half-width katakana).
  std::vector<uint32_t> from_utf8_window;
  std::vector<uint32_t> from_utf8_window_no_kana;
  // Printable ASCII (0x20–0x7E) is itself, both ways: runs of it are copied eight bytes
  // at a time. (Not all of 0x00–0x7F: ICU's CP932 rotates the controls 1A, 1C and 7F.)
  bool printable_same = false;
};

// Shared, immutable once built; nullptr when the converter is not a stateless DBCS.
std::shared_ptr<const DbcsTables> dbcs_tables_for(const std::string& name, UConverter* probe);

class DbcsCharset final : public Charset {
 public:
  DbcsCharset(std::shared_ptr<const DbcsTables> tables, std::unique_ptr<IcuCharset> exact);
  const std::string& name() const override { return exact_->name(); }
  std::expected<void, CharsetError> decode(std::string_view in, std::u32string& out) override;
  std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) override;
  bool encodable(char32_t c) override;
  std::size_t offset_of(std::string_view in, std::size_t char_index) override;
  bool try_to_utf8(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) override;
  bool try_from_utf8(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) override;
  std::size_t to_utf8_prefix(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) override;
  std::size_t from_utf8_prefix(std::string_view in, std::string& out, bool stop_at_halfwidth_kana) override;

 private:
  std::shared_ptr<const DbcsTables> t_;
  std::unique_ptr<IcuCharset> exact_;
};

}  // namespace renkei
