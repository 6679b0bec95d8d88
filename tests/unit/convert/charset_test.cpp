// Charsets (open_charset): the converter-dependent code points of §2b, the CP932
// user-defined area, euc-jp-2007 against ibm-954, and every illegal or unmappable
// sequence as an error with its exact position — never a substitution.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <functional>

#include "convert_support.hpp"

namespace renkei::testing {
namespace {

std::unique_ptr<Charset> open(std::string_view name) {
  auto c = open_charset(name);
  if (!c) throw std::runtime_error("open_charset(" + std::string(name) + "): " + c.error());
  return std::move(*c);
}


CharsetError decode_error(Charset& cs, std::string_view bytes) {
  std::u32string out;
  auto r = cs.decode(bytes, out);
  if (r) {
    ADD_FAILURE() << cs.name() << " decoded " << H(bytes) << " to " << U(out) << " but should have failed";
    return {};
  }
  return r.error();
}

CharsetError encode_error(Charset& cs, std::u32string_view text) {
  std::string out;
  auto r = cs.encode(text, out);
  if (r) {
    ADD_FAILURE() << cs.name() << " encoded " << U(text) << " to " << H(out) << " but should have failed";
    return {};
  }
  return r.error();
}

#define EXPECT_CHARSET_ERROR(err, kind_, offset_, length_) \
  do {                                                     \
    const ::renkei::CharsetError e_ = (err);               \
    EXPECT_EQ(e_.kind, kind_);                             \
    EXPECT_EQ(e_.offset, static_cast<std::size_t>(offset_)); \
    EXPECT_EQ(e_.length, static_cast<std::size_t>(length_)); \
  } while (0)

// --- converter-dependent code points ------------------------------------------------

// What ICU 72 really answers. Windows-31J (P15A) and IBM Shift_JIS (P130) disagree on
// 0x5C, 0x7E, 0x8160 (wave dash), 0x8161 and 0x817C; they agree on 0x815F, 0x8191,
// 0x8192 and 0x81CA, which both read as the full-width forms.
TEST(ConverterDependent, DecodeDiffersBetweenCp932AndIbmShiftJis) {
  struct Row {
    const char* bytes;
    std::u32string cp932, ibm;
  };
  const Row rows[] = {
      {"81 60", U"\uFF5E", U"\u301C"},  // ～ FULLWIDTH TILDE vs 〜 WAVE DASH
      {"5C", U"\\", U"\u00A5"},         // backslash vs yen sign
      {"7E", U"~", U"\u203E"},          // tilde vs overline
      {"81 61", U"\u2225", U"\u2016"},  // ∥ vs ‖
      {"81 7C", U"\uFF0D", U"\u2212"},  // － vs −
      {"81 5C", U"\u2015", U"\u2014"},  // ― vs —
      {"81 5F", U"\uFF3C", U"\uFF3C"},  // ＼ in both
      {"81 91", U"\uFFE0", U"\uFFE0"},  // ￠ in both
      {"81 92", U"\uFFE1", U"\uFFE1"},  // ￡ in both
      {"81 CA", U"\uFFE2", U"\uFFE2"},  // ￢ in both
  };
  auto cp932 = open(kCp932);
  auto ibm = open(kIbmSjis);
  for (const auto& r : rows) {
    SCOPED_TRACE(r.bytes);
    EXPECT_EQ(U(decoded(*cp932, B(r.bytes))), U(r.cp932));
    EXPECT_EQ(U(decoded(*ibm, B(r.bytes))), U(r.ibm));
    // Each reads back to the same bytes in its own converter.
    EXPECT_EQ(H(encoded(*cp932, r.cp932)), r.bytes);
    EXPECT_EQ(H(encoded(*ibm, r.ibm)), r.bytes);
  }
}

// Over every 1- and 2-byte sequence, the two converters differ in exactly these eight
// readings (renkei's charsets, each equal to ICU's by Cp932Exhaustive).
TEST(ConverterDependent, ExactlyEightReadingsDiffer) {
  auto cp932 = open(kCp932);
  auto ibm = open(kIbmSjis);
  std::vector<std::string> diffs;
  auto compare = [&](const std::string& bytes) {
    std::u32string a, b;
    const bool ok_a = cp932->decode(bytes, a).has_value();
    const bool ok_b = ibm->decode(bytes, b).has_value();
    if (ok_a != ok_b || a != b) diffs.push_back(H(bytes) + ": " + U(a) + " / " + U(b));
  };
  for (int x = 0; x < 256; ++x) compare(std::string(1, static_cast<char>(x)));
  for (int lead = 0x81; lead <= 0xFC; ++lead) {
    if (lead >= 0xA0 && lead < 0xE0) continue;  // single-byte: covered above
    for (int trail = 0; trail < 256; ++trail) compare({static_cast<char>(lead), static_cast<char>(trail)});
  }
  const std::vector<std::string> want = {
      "5C: U+005C / U+00A5",    "7E: U+007E / U+203E",    "81 5C: U+2015 / U+2014", "81 60: U+FF5E / U+301C",
      "81 61: U+2225 / U+2016", "81 7C: U+FF0D / U+2212", "EE FA: U+FFE4 / U+00A6", "FA 55: U+FFE4 / U+00A6",
  };
  EXPECT_EQ(diffs, want);
}

// Encoding the other converter's reading fails with the code point's index: ICU has
// fallback (|1) mappings for these (U+301C → 81 60 in P15A, U+FF5E → 81 60 in P130,
// U+00A5 → 5C, U+203E → 7E, U+2016 → 81 61, U+2212 → 81 7C), but they are used only
// when fallbacks are switched on, and renkei never switches them on: a wave dash that
// is not the one the target's converter owns is unmappable, not silently swapped.
TEST(ConverterDependent, EncodingTheOtherReadingIsUnmappable) {
  auto cp932 = open(kCp932);
  auto ibm = open(kIbmSjis);
  EXPECT_EQ(H(encoded(*cp932, U"\uFF5E")), "81 60");
  EXPECT_CHARSET_ERROR(encode_error(*cp932, U"AB\u301C"), "unmappable", 2, 1);
  EXPECT_EQ(H(encoded(*ibm, U"\u301C")), "81 60");
  EXPECT_CHARSET_ERROR(encode_error(*ibm, U"A\uFF5E"), "unmappable", 1, 1);
  EXPECT_FALSE(cp932->encodable(U'\u301C'));
  EXPECT_TRUE(cp932->encodable(U'\uFF5E'));
  EXPECT_TRUE(ibm->encodable(U'\u301C'));
  EXPECT_FALSE(ibm->encodable(U'\uFF5E'));
  // The rest of the disagreeing set, both ways.
  for (char32_t c : {U'\u00A5', U'\u203E', U'\u2016', U'\u2212'}) {
    SCOPED_TRACE(U(std::u32string(1, c)));
    EXPECT_CHARSET_ERROR(encode_error(*cp932, std::u32string(1, c)), "unmappable", 0, 1);
    EXPECT_TRUE(ibm->encodable(c));
  }
  for (char32_t c : {U'\\', U'~', U'\u2225', U'\uFF0D'}) {
    SCOPED_TRACE(U(std::u32string(1, c)));
    EXPECT_CHARSET_ERROR(encode_error(*ibm, std::u32string(1, c)), "unmappable", 0, 1);
    EXPECT_TRUE(cp932->encodable(c));
  }
  // ICU does have the fallbacks: with them on, raw ICU would map silently.
  IcuRef raw(kCp932);
  ucnv_setFallback(raw.conv, true);
  EXPECT_EQ(H(raw.encode(U"\u301C").value_or("none")), "81 60");
  // Signs ICU maps in neither direction (no fallback either): ¢ £ ¬.
  for (char32_t c : {U'\u00A2', U'\u00A3', U'\u00AC'}) {
    EXPECT_FALSE(cp932->encodable(c));
    EXPECT_FALSE(ibm->encodable(c));
  }
}

// 髙 (U+9AD9) is in CP932, through the IBM extension row (FB FC), not the NEC-selected
// duplicate (EE E0). 﨑 U+FA11 likewise goes to FA B1; 渚 U+FA46 is not in CP932.
TEST(ConverterDependent, IbmExtensionsArePreferredOnEncode) {
  auto cp932 = open(kCp932);
  EXPECT_EQ(H(encoded(*cp932, U"\u9AD9")), "FB FC");
  EXPECT_EQ(U(decoded(*cp932, B("EE E0"))), "U+9AD9");
  EXPECT_EQ(H(encoded(*cp932, U"\uFA11")), "FA B1");
  EXPECT_EQ(U(decoded(*cp932, B("ED 95"))), "U+FA11");
  EXPECT_CHARSET_ERROR(encode_error(*cp932, U"\uFA46"), "unmappable", 0, 1);
  EXPECT_EQ(H(encoded(*cp932, U"\u6E1A")), "8F 8D");  // 渚, the unified ideograph
}

// --- the CP932 user-defined area ----------------------------------------------------

// All 1880 codes 0xF040–0xF9FC (lead F0–F9, trail 40–7E and 80–FC) in byte order.
std::vector<std::string> cp932_user_defined_area() {
  std::vector<std::string> out;
  for (int lead = 0xF0; lead <= 0xF9; ++lead)
    for (int trail = 0x40; trail <= 0xFC; ++trail) {
      if (trail == 0x7F) continue;
      out.push_back({static_cast<char>(lead), static_cast<char>(trail)});
    }
  return out;
}

TEST(UserDefinedArea, DecodesToE000ThroughE757InOrder) {
  const auto codes = cp932_user_defined_area();
  ASSERT_EQ(codes.size(), 1880u);
  std::string all;
  for (const auto& c : codes) all += c;
  for (const char* name : {kCp932, kIbmSjis}) {
    SCOPED_TRACE(name);
    auto cs = open(name);
    const std::u32string text = decoded(*cs, all);
    ASSERT_EQ(text.size(), 1880u);
    for (std::size_t i = 0; i < text.size(); ++i)
      ASSERT_EQ(static_cast<uint32_t>(text[i]), 0xE000u + i) << "code " << H(codes[i]);
    EXPECT_EQ(encoded(*cs, text), all);
    // One past the area has no encoding.
    EXPECT_CHARSET_ERROR(encode_error(*cs, U"\uE757\uE758"), "unmappable", 1, 1);
  }
}

// euc-jp-2007 rejects the user-defined rows 85–94 (F5A1–FEFE, and 8F F5A1… in JIS X
// 0212) that ibm-954 maps to the PUA; ICU reports them as unmappable (a well-formed but
// unassigned sequence), with the whole sequence's length. The two also disagree on the
// wave dash A1 C1.
TEST(EucJp, Euc2007RejectsTheUserDefinedAreaIbm954Maps) {
  auto euc = open("euc-jp-2007");
  auto ibm954 = open("ibm-954");
  EXPECT_EQ(ibm954->name(), "ibm-954");
  EXPECT_EQ(U(decoded(*ibm954, B("F5 A1"))), "U+E000");
  EXPECT_EQ(U(decoded(*ibm954, B("FE FE"))), "U+E3AB");
  EXPECT_EQ(U(decoded(*ibm954, B("8F F5 A1"))), "U+E3AC");
  EXPECT_EQ(H(encoded(*ibm954, U"\uE000\uE3AC")), "F5 A1 8F F5 A1");
  EXPECT_CHARSET_ERROR(decode_error(*euc, B("41 F5 A1")), "unmappable", 1, 2);
  EXPECT_CHARSET_ERROR(decode_error(*euc, B("41 42 FE FE")), "unmappable", 2, 2);
  EXPECT_CHARSET_ERROR(decode_error(*euc, B("8F F5 A1")), "unmappable", 0, 3);
  EXPECT_CHARSET_ERROR(encode_error(*euc, U"A\uE000"), "unmappable", 1, 1);
  EXPECT_FALSE(euc->encodable(U'\uE000'));
  // Wave dash: euc-jp-2007 reads A1 C1 as U+FF5E, ibm-954 as U+301C.
  EXPECT_EQ(U(decoded(*euc, B("A1 C1"))), "U+FF5E");
  EXPECT_EQ(U(decoded(*ibm954, B("A1 C1"))), "U+301C");
  EXPECT_CHARSET_ERROR(encode_error(*euc, U"\u301C"), "unmappable", 0, 1);
  // ibm-954 has U+FF5E too, in JIS X 0212.
  EXPECT_EQ(H(encoded(*ibm954, U"\uFF5E")), "8F A2 B7");
  // Truncated at the end: the lead byte's offset.
  EXPECT_CHARSET_ERROR(decode_error(*euc, B("41 A4")), "illegal-sequence", 1, 1);
}

// --- illegal and unmappable sequences -----------------------------------------------

TEST(IllegalSequence, Cp932ErrorsHaveIcusOffsetAndLength) {
  for (const char* name : {kCp932, kIbmSjis}) {
    SCOPED_TRACE(name);
    auto cs = open(name);
    // A double-byte character cut off at the end: the lead byte.
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("41 42 82")), "illegal-sequence", 2, 1);
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("8F 5A 96")), "illegal-sequence", 2, 1);
    // A lead byte followed by a byte that cannot trail: the lead alone is bad.
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("41 81 20 41")), "illegal-sequence", 1, 1);
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("81 7F")), "illegal-sequence", 0, 1);
    // Well-formed but unassigned: unmappable, with the sequence's length.
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("41 85 40")), "unmappable", 1, 2);
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("8F 5A A0")), "unmappable", 2, 1);
    EXPECT_CHARSET_ERROR(decode_error(*cs, B("FD")), "unmappable", 0, 1);
    // The error is found after a long valid run too (the table path hands over to ICU).
    std::string long_run(1000, 'A');
    EXPECT_CHARSET_ERROR(decode_error(*cs, long_run + B("8F 5A 82")), "illegal-sequence", 1002, 1);
  }
}

TEST(IllegalSequence, Utf8IsStrict) {
  auto u8 = open("UTF-8");
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("41 C0 80")), "illegal-sequence", 1, 1);        // overlong NUL
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("E0 80 AF")), "illegal-sequence", 0, 1);        // overlong '/'
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("41 42 ED A0 80")), "illegal-sequence", 2, 1);  // surrogate D800
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("F4 90 80 80")), "illegal-sequence", 0, 1);     // above U+10FFFF
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("E4 BD")), "illegal-sequence", 0, 2);           // truncated 住
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("E4 BD 8F 80")), "illegal-sequence", 3, 1);     // stray trail
  EXPECT_CHARSET_ERROR(decode_error(*u8, B("FF")), "illegal-sequence", 0, 1);
  // Valid: a supplementary character and an IVS come through as code points.
  EXPECT_EQ(U(decoded(*u8, B("F0 A0 AE B7 E8 91 9B F3 A0 84 80"))), "U+20BB7 U+845B U+E0100");
  // Encoding a lone surrogate is refused at its index.
  EXPECT_CHARSET_ERROR(encode_error(*u8, U"ab\xD800"), "unmappable", 2, 1);
}

TEST(IllegalSequence, EncodeReportsTheCodePointIndex) {
  auto cp932 = open(kCp932);
  // 가 (Hangul) has no CP932 encoding; neither has 𠮷 outside the BMP (the ICU path).
  EXPECT_CHARSET_ERROR(encode_error(*cp932, U"住民\uAC00"), "unmappable", 2, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cp932, U"住\U00020BB7民"), "unmappable", 1, 1);
  EXPECT_CHARSET_ERROR(encode_error(*cp932, U"\U00020BB7\uAC00"), "unmappable", 0, 1);
  EXPECT_FALSE(cp932->encodable(U'\U00020BB7'));
}

// ICU's stock stop callback lets unmappable Default_Ignorable code points vanish (no
// bytes, no error): a variation selector, a zero-width space, a soft hyphen. renkei
// refuses them like any other unmappable character, in every kind of converter.
TEST(IllegalSequence, DefaultIgnorablesAreNotDroppedSilently) {
  // The trap itself, in raw ICU.
  {
    UErrorCode status = U_ZERO_ERROR;
    UConverter* c = ucnv_open(kCp932, &status);
    ucnv_setFromUCallBack(c, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    const UChar in[] = {0x845B, 0xDB40, 0xDD00};  // 葛 U+E0100
    char out[8];
    char* target = out;
    const UChar* src = in;
    status = U_ZERO_ERROR;
    ucnv_fromUnicode(c, &target, out + 8, &src, in + 3, nullptr, true, &status);
    ucnv_close(c);
    EXPECT_TRUE(U_SUCCESS(status)) << "ICU's stop callback changed: " << u_errorName(status);
    EXPECT_EQ(H(std::string(out, static_cast<std::size_t>(target - out))), "8A 8B") << "the IVS vanished";
  }
  for (const char* name : {kCp932, kIbmSjis, "euc-jp-2007", "ibm-930", "ISO_2022,locale=ja,version=0"}) {
    SCOPED_TRACE(name);
    auto cs = open(name);
    for (char32_t c : {U'\U000E0100', U'\uFE00', U'\u200B', U'\u00AD', U'\u200D', U'\uFEFF'}) {
      SCOPED_TRACE(U(std::u32string(1, c)));
      EXPECT_FALSE(cs->encodable(c));
      EXPECT_CHARSET_ERROR(encode_error(*cs, std::u32string(U"\u845B") + c), "unmappable", 1, 1);
    }
  }
}

TEST(IllegalSequence, HostEbcdicIsStrictToo) {
  auto e930 = open("ibm-930");
  // ｱ SP A 住 → SBCS katakana, SP, A, then SO 住 SI.
  EXPECT_EQ(H(encoded(*e930, U"\uFF71 A\u4F4F")), "81 40 C1 0E 46 E0 0F");
  EXPECT_EQ(U(decoded(*e930, B("81 40 C1 0E 46 E0 0F"))), "U+FF71 U+0020 U+0041 U+4F4F");
  EXPECT_CHARSET_ERROR(encode_error(*e930, U"A\uAC00"), "unmappable", 1, 1);
}

// The helper every test's output goes through does catch each substitution form, and
// does not mistake a trail byte followed by a lead byte (髙 FB FC then FC 4B) for FC FC.
int failures_of(const std::function<void()>& f) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    f();
  }
  return results.size();
}

TEST(NoSubstitution, TheCheckCatchesEveryForm) {
  EXPECT_GE(failures_of([] { expect_no_substitution("UTF-8", B("41 EF BF BD")); }), 1);
  EXPECT_GE(failures_of([] { expect_no_substitution(kCp932, B("41 1A")); }), 1);
  EXPECT_GE(failures_of([] { expect_no_substitution(kCp932, B("41 FC FC")); }), 1);
  EXPECT_GE(failures_of([] { expect_no_substitution("euc-jp-2007", B("F4 FE")); }), 1);
  EXPECT_GE(failures_of([] { expect_no_substitution("ibm-930", B("C1 3F")); }), 1);
  EXPECT_GE(failures_of([] { expect_no_substitution("ibm-930", B("0E FE FE 0F")); }), 1);
  EXPECT_EQ(failures_of([] { expect_no_substitution(kCp932, B("FB FC FC 4B 8F 5A")); }), 0);
  EXPECT_EQ(failures_of([] { expect_no_substitution("UTF-8", B("E4 BD 8F EA B0 80")); }), 0);
}

TEST(OpenCharset, UnknownNamesAreRefused) {
  auto c = open_charset("no-such-charset-42");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().find("no-such-charset-42"), std::string::npos) << c.error();
  EXPECT_TRUE(is_utf8_name("UTF-8"));
  EXPECT_FALSE(is_utf8_name("UTF-16"));
}

}  // namespace
}  // namespace renkei::testing
