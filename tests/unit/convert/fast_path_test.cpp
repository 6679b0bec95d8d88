// The one-pass CP932 ↔ UTF-8 fast paths must answer exactly as the general path (decode,
// then encode) for every character — or decline, never differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "renkei/convert/charset.hpp"

namespace renkei {
namespace {

std::unique_ptr<Charset> open(const char* name) {
  auto c = open_charset(name);
  EXPECT_TRUE(c.has_value()) << name;
  return std::move(*c);
}

TEST(FastPath, Cp932ToUtf8AgreesWithTheGeneralPathForEveryByteSequence) {
  auto cp932 = open("ibm-943_P15A-2003");
  auto utf8 = open("UTF-8");
  int fast = 0, declined = 0;
  for (int lead = 0; lead < 256; ++lead)
    for (int trail = -1; trail < 256; ++trail) {
      std::string in(1, static_cast<char>(lead));
      if (trail >= 0) in.push_back(static_cast<char>(trail));
      for (bool kana : {false, true}) {
        std::string quick = "x";  // appends after what is there
        const bool took = cp932->try_to_utf8(in, quick, kana);
        std::u32string text;
        std::string general = "x";
        const bool ok = cp932->decode(in, text) && utf8->encode(text, general);
        if (!took) {
          EXPECT_EQ(quick, "x") << "declined but appended, lead " << lead << " trail " << trail;
          ++declined;
          continue;
        }
        ++fast;
        ASSERT_TRUE(ok) << "fast path accepted what the general path refuses: " << lead << " " << trail;
        EXPECT_EQ(quick, general) << lead << " " << trail;
        bool has_pua = false, has_hw_kana = false;
        for (char32_t c : text) {
          has_pua |= c >= 0xE000 && c <= 0xF8FF;
          has_hw_kana |= c >= 0xFF61 && c <= 0xFF9F;
        }
        EXPECT_FALSE(has_pua) << "gaiji must take the general path";
        if (kana) {
          EXPECT_FALSE(has_hw_kana) << "kana to widen must take the general path";
        }
      }
    }
  EXPECT_GT(fast, 15000);
  EXPECT_GT(declined, 1000);
}

TEST(FastPath, Utf8ToCp932AgreesWithTheGeneralPathForEveryBmpCodePoint) {
  auto cp932 = open("ibm-943_P15A-2003");
  auto utf8 = open("UTF-8");
  int fast = 0;
  for (char32_t c = 1; c < 0x10000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string in;
    ASSERT_TRUE(utf8->encode(std::u32string(1, c), in));
    in = "a" + in + "b";
    for (bool kana : {false, true}) {
      std::string quick;
      if (!cp932->try_from_utf8(in, quick, kana)) {
        EXPECT_TRUE(quick.empty());
        continue;
      }
      ++fast;
      std::u32string text;
      std::string general;
      ASSERT_TRUE(utf8->decode(in, text));
      ASSERT_TRUE(cp932->encode(text, general)) << "fast path accepted U+" << std::hex << static_cast<uint32_t>(c);
      EXPECT_EQ(quick, general) << std::hex << static_cast<uint32_t>(c);
      EXPECT_FALSE(c >= 0xE000 && c <= 0xF8FF) << "gaiji must take the general path";
      if (kana) {
        EXPECT_FALSE(c >= 0xFF61 && c <= 0xFF9F);
      }
    }
  }
  EXPECT_GT(fast, 14000);  // every character CP932 holds, twice (kana flag off/on)
  // Illegal UTF-8 is never accepted by the fast path.
  std::string out;
  EXPECT_FALSE(cp932->try_from_utf8("\xC0\x80", out, false));
  EXPECT_FALSE(cp932->try_from_utf8("\xED\xA0\x80", out, false));
  EXPECT_TRUE(out.empty());
}

// Random texts for the prefix tests: pieces up to a random size and, in three rounds of
// four, one declined piece inserted at a character boundary (`width`: a character's bytes
// by its first byte).
class TextMaker {
 public:
  explicit TextMaker(uint32_t seed) : seed_(seed) {}
  uint32_t next() { return seed_ = seed_ * 1103515245u + 12345u, seed_ >> 8; }
  template <class Width>
  std::string make(int round, const std::vector<std::string>& pieces, const std::vector<std::string>& declined,
                   Width width) {
    std::string in;
    const std::size_t size = 1000 + next() % 300000;
    while (in.size() < size) in += pieces[next() % pieces.size()];
    if (round % 4 != 0) {
      std::size_t at = next() % in.size(), pos = 0;
      while (pos < at) pos += width(static_cast<unsigned char>(in[pos]));
      in.insert(std::min(pos, in.size()), declined[next() % declined.size()]);
    }
    return in;
  }

 private:
  uint32_t seed_;
};

// to_utf8_prefix converts long inputs in blocks: it must take exactly the longest
// prefix a character-by-character walk takes, with the same bytes, wherever the first
// declined character falls and with double-byte characters across the blocks' edges.
TEST(FastPath, Cp932PrefixOfLongTextsIsTheCharacterByCharacterOne) {
  auto cp932 = open("ibm-943_P15A-2003");
  auto is_lead = [](unsigned char b) { return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC); };
  // With the controls ICU's CP932 rotates (1A, 1C, 7F) and others inside ASCII runs.
  const std::vector<std::string> pieces = {"0123456789", ",", "\n", "\xB1", "\xDE", "\x8E\x52", "\x93\x63",
                                           "\x81\x40", "\x88\x9F", "\xEA\xA4", "\x5C", "\x7E", "\x1A",
                                           "\x1C", "\x7F", "\t", " ", "abcdefghijklmnopq"};
  const std::vector<std::string> declined = {"\xF0\x40", "\xFF", "\x82\x0A", "\x81"};
  TextMaker texts(20261125);
  for (int round = 0; round < 40; ++round) {
    const std::string in = texts.make(round, pieces, declined, [&](unsigned char b) { return is_lead(b) ? 2 : 1; });
    for (bool kana : {false, true}) {
      std::string fast = "x", slow = "x";
      const std::size_t n = cp932->to_utf8_prefix(in, fast, kana);
      std::size_t pos = 0;
      while (pos < in.size()) {
        const std::size_t w = is_lead(static_cast<unsigned char>(in[pos])) ? 2 : 1;
        if (pos + w > in.size() || !cp932->try_to_utf8(std::string_view(in).substr(pos, w), slow, kana)) break;
        pos += w;
      }
      ASSERT_EQ(n, pos) << "round " << round << " kana " << kana << " size " << in.size();
      ASSERT_EQ(fast, slow) << "round " << round << " kana " << kana;
    }
  }
}

// The UTF-8 → CP932 fast path validates UTF-8 itself (one pass: decode and look up):
// over every sequence of one, two or three bytes, alone and between ASCII, whatever it
// takes gives the general path's bytes, and it never takes a malformed, truncated,
// overlong or surrogate sequence, private use or a variation selector.
TEST(FastPath, Utf8ToCp932NeverTakesWhatTheGeneralPathRefusesForEveryShortSequence) {
  auto cp932 = open("ibm-943_P15A-2003");
  auto utf8 = open("UTF-8");
  std::size_t took = 0, mismatches = 0;
  auto check = [&](const std::string& seq) {
    for (const std::string& in : {seq, "ab" + seq + "cdefghij"})
      for (bool kana : {false, true}) {
        std::string quick = "x";
        const std::size_t n = cp932->from_utf8_prefix(in, quick, kana);
        // The general path on the prefix taken: it must accept it and give the same bytes.
        std::u32string text;
        std::string general = "x";
        const bool ok = utf8->decode(std::string_view(in).substr(0, n), text) && cp932->encode(text, general);
        bool declinable = false;
        for (char32_t c : text)
          declinable |= (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE0F) || c >= 0x10000 ||
                        (kana && c >= 0xFF61 && c <= 0xFF9F);
        if ((!ok || quick != general || declinable) && ++mismatches <= 20)
          ADD_FAILURE() << "took " << n << " bytes of " << ::testing::PrintToString(in) << " kana " << kana;
        // Only whole characters are taken, and a character the general path converts
        // alone (and the fast path need not decline) is taken.
        std::u32string all;
        std::string all_out;
        if (n < in.size() && utf8->decode(in, all) && cp932->encode(all, all_out) && !declinable) {
          std::u32string rest;
          const auto tail = std::string_view(in).substr(n);
          const bool plain_rest = utf8->decode(tail, rest) && !rest.empty() &&
                                  !((rest[0] >= 0xE000 && rest[0] <= 0xF8FF) || (rest[0] >= 0xFE00 && rest[0] <= 0xFE0F) ||
                                    rest[0] >= 0x10000 || (kana && rest[0] >= 0xFF61 && rest[0] <= 0xFF9F));
          if (plain_rest && ++mismatches <= 20)
            ADD_FAILURE() << "declined a plain character in " << ::testing::PrintToString(in);
        }
        took += n == in.size();
      }
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      check(std::string{static_cast<char>(a), static_cast<char>(b)});
      if (a >= 0xE0 && a <= 0xEF)
        for (int c = 0; c < 256; ++c) check(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(took, 4u * 7000);  // CP932's BMP repertoire, alone and between ASCII, kana off and on
}

// from_utf8_prefix converts long inputs in blocks, ASCII eight bytes at a time: it must
// take exactly the longest prefix a character-by-character walk takes, with the same
// bytes, wherever the first declined sequence falls (errors included, which the general
// path then reports at their own byte).
TEST(FastPath, Utf8PrefixOfLongTextsIsTheCharacterByCharacterOne) {
  auto cp932 = open("ibm-943_P15A-2003");
  const std::vector<std::string> pieces = {"0123456789", ",", "\n", "a", "\x1A", "\x1C", "\x7F", "\t",
                                           std::string(1, '\0'), " ", "abcdefghijklmnopq", "\xEF\xBD\xB1" /* ｱ */,
                                           "\xE5\xB1\xB1" /* 山 */, "\xE7\x94\xB0" /* 田 */,
                                           "\xE3\x80\x80" /* 　 */, "\xC2\xA7" /* § */, "\xC3\x97" /* × */,
                                           "\xEF\xBC\xA1" /* Ａ */, "\xE9\xAB\x99" /* 髙 */, "~"};
  const std::vector<std::string> declined = {
      "\xEE\x80\x80" /* U+E000 */, "\xE8\x91\x9B\xF3\xA0\x84\x80" /* 葛󠄀 */,
      "\xF0\xA0\xAE\xB7" /* 𠮷 */, "\xFF", "\xE5\xB1", "\xC0\xAF", "\xED\xA0\x80",
      "\xEA\xB0\x80" /* 가: no CP932 */, "\x80", "\xEF\xB8\x80" /* U+FE00 */};
  auto width = [](unsigned char b) -> std::size_t { return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2; };
  TextMaker texts(20261203);
  for (int round = 0; round < 60; ++round) {
    std::string in = texts.make(round, pieces, declined, width);
    if (round % 5 == 1) in.resize(in.size() - texts.next() % 3);  // maybe a truncated last character
    for (bool kana : {false, true}) {
      std::string fast = "x", slow = "x";
      const std::size_t n = cp932->from_utf8_prefix(in, fast, kana);
      std::size_t pos = 0;
      while (pos < in.size()) {
        const std::size_t w = width(static_cast<unsigned char>(in[pos]));
        if (pos + w > in.size() || !cp932->try_from_utf8(std::string_view(in).substr(pos, w), slow, kana)) break;
        pos += w;
      }
      ASSERT_EQ(n, pos) << "round " << round << " kana " << kana << " size " << in.size();
      ASSERT_EQ(fast, slow) << "round " << round << " kana " << kana;
    }
  }
}

}  // namespace
}  // namespace renkei

namespace renkei {
namespace {

// Found by fuzz_charset_encode: a surrogate later in the input hid the first unmappable.
TEST(EncodeErrors, TheFirstUnencodableCharacterIsReportedNotALaterSurrogate) {
  auto cp932 = open_charset("ibm-943_P15A-2003");
  ASSERT_TRUE(cp932);
  std::string out;
  auto r = (*cp932)->encode(std::u32string{0x00A5, 0xDF00}, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 0u);
  r = (*cp932)->encode(std::u32string{0x5C71, 0x7530, 0x80808, 0x582A, 0xDBCE}, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 2u);
  r = (*cp932)->encode(std::u32string{0x5C71, 0xDBCE}, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 1u);
  EXPECT_TRUE(out.empty());
}

// Found by fuzz_record_converter: error offsets were found by decoding every prefix.
TEST(EncodeErrors, OffsetOfACharacterIsFoundInOnePass) {
  for (const char* name : {"ibm-943_P15A-2003", "UTF-8", "euc-jp-2007", "ibm-930"}) {
    auto cs = open_charset(name);
    ASSERT_TRUE(cs) << name;
    std::u32string text(20000, U'\u5C71');
    text.push_back(U'\u7530');
    std::string bytes;
    ASSERT_TRUE((*cs)->encode(text, bytes)) << name;
    std::string head;
    ASSERT_TRUE((*cs)->encode(std::u32string(20000, U'\u5C71'), head)) << name;
    // For the stateful EBCDIC the shift-in that closes `head` is not part of the prefix.
    const std::size_t at = (*cs)->offset_of(bytes, 20000);
    if (std::string(name) == "ibm-930") {
      EXPECT_EQ(at, head.size() - 1) << name;
    } else {
      EXPECT_EQ(at, head.size()) << name;
    }
    EXPECT_EQ((*cs)->offset_of(bytes, 0), 0u) << name;
  }
}

}  // namespace
}  // namespace renkei
