#include <gtest/gtest.h>

#include "renkei/people/personal_token.hpp"

namespace renkei {
namespace {

TEST(PersonalToken, IssuedTokenHasItsIdAndOnlyItsHashIsKept) {
  auto t = issue_personal_token();
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->text.size(), 3u + 16 + 1 + 64);
  EXPECT_EQ(personal_token_id(t->text), t->id);
  EXPECT_TRUE(is_token_id(t->id));
  EXPECT_TRUE(is_token_hash(t->hash));
  EXPECT_EQ(t->hash.find(t->text.substr(20)), std::string::npos);
  EXPECT_TRUE(personal_token_matches(t->text, t->hash));
  std::string wrong = t->text;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(personal_token_matches(wrong, t->hash));
  auto other = issue_personal_token();
  ASSERT_TRUE(other);
  EXPECT_NE(other->id, t->id);
}

TEST(PersonalToken, TextsOfAnotherFormAreNotPersonalTokens) {
  EXPECT_FALSE(personal_token_id(""));
  EXPECT_FALSE(personal_token_id("0123456789abcdef0123456789abcdef"));  // a hub token
  EXPECT_FALSE(personal_token_id("rk_0123456789ABCDEF_" + std::string(64, 'a')));
  EXPECT_FALSE(personal_token_id("rk_0123456789abcdef-" + std::string(64, 'a')));
  EXPECT_FALSE(personal_token_id("rk_0123456789abcdef_" + std::string(63, 'a')));
  EXPECT_EQ(personal_token_id("rk_0123456789abcdef_" + std::string(64, 'a')), "0123456789abcdef");
}

}  // namespace
}  // namespace renkei
