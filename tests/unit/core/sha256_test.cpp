// Sha256 against FIPS 180-2 vectors; incremental hashing equals one-shot hashing.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "renkei/sha256.hpp"

namespace renkei {
namespace {

constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* k448 = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr const char* kMillionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), kEmpty);
  EXPECT_EQ(sha256_hex("abc"), kAbc);
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), k448);
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')), kMillionA);
}

TEST(Sha256, EmptyObjectHashesEmptyInput) {
  Sha256 h;
  EXPECT_EQ(h.hex(), kEmpty);
  Sha256 h2;
  h2.update("");
  h2.update({});
  EXPECT_EQ(h2.hex(), kEmpty);
}

TEST(Sha256, HexIsLowercase64Chars) {
  auto hex = sha256_hex("renkei");
  ASSERT_EQ(hex.size(), 64u);
  for (char c : hex) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << hex;
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::mt19937 rng(12345);
  std::string data(300'000, '\0');
  for (auto& c : data) c = static_cast<char>(rng() & 0xff);  // binary, incl. NUL bytes
  const auto expected = sha256_hex(data);
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                            std::size_t{4096}, std::size_t{100'000}}) {
    Sha256 h;
    for (std::size_t at = 0; at < data.size(); at += piece) h.update(std::string_view(data).substr(at, piece));
    EXPECT_EQ(h.hex(), expected) << "pieces of " << piece;
  }
  // Irregular splits, one byte at a time at the start.
  Sha256 h;
  std::string_view rest = data;
  std::size_t n = 1;
  while (!rest.empty()) {
    auto take = std::min(n, rest.size());
    h.update(rest.substr(0, take));
    rest.remove_prefix(take);
    n = n * 3 + 1;
  }
  EXPECT_EQ(h.hex(), expected);
}

TEST(Sha256, HexResetsForReuse) {
  Sha256 h;
  h.update("ab");
  h.update("c");
  EXPECT_EQ(h.hex(), kAbc);
  EXPECT_EQ(h.hex(), kEmpty);  // nothing since the last hex()
  h.update("abc");
  EXPECT_EQ(h.hex(), kAbc);
}

TEST(Sha256, MovedObjectKeepsItsState) {
  Sha256 a;
  a.update("a");
  Sha256 b(std::move(a));
  b.update("bc");
  EXPECT_EQ(b.hex(), kAbc);
  Sha256 c;
  c.update("junk");
  c = std::move(b);
  c.update("abc");
  EXPECT_EQ(c.hex(), kAbc);
}

TEST(Sha256, CopyContinuesIndependently) {
  Sha256 a;
  a.update("a");
  Sha256 b = a.copy();
  a.update("bc");
  b.update("bc");
  EXPECT_EQ(a.hex(), kAbc);
  EXPECT_EQ(b.hex(), kAbc);
  Sha256 c;
  c.update("ab");
  Sha256 d = c.copy();
  d.update("X");
  c.update("c");
  EXPECT_EQ(c.hex(), kAbc);
  EXPECT_NE(d.hex(), kAbc);
}

}  // namespace
}  // namespace renkei
