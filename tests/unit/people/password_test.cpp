#include <gtest/gtest.h>

#include "renkei/people/password.hpp"

namespace renkei {
namespace {

TEST(Password, HashIsArgon2idAndVerifiesOnlyTheSamePassword) {
  auto h = hash_password("correct horse battery");
  ASSERT_TRUE(h) << h.error();
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *h;
  EXPECT_EQ(h->find("correct"), std::string::npos);
  EXPECT_TRUE(is_argon2id_hash(*h));
  EXPECT_TRUE(verify_password(*h, "correct horse battery"));
  EXPECT_FALSE(verify_password(*h, "correct horse batterx"));
  EXPECT_FALSE(verify_password(*h, ""));
  // A fresh salt each time: the same password never gives the same stored form.
  auto again = hash_password("correct horse battery");
  ASSERT_TRUE(again);
  EXPECT_NE(*h, *again);
}

TEST(Password, WeakOrOddPasswordsAreRefusedWithAReason) {
  EXPECT_NE(password_problem("short"), "");
  EXPECT_FALSE(hash_password("elevenchars"));
  EXPECT_TRUE(hash_password("twelve chars"));
  EXPECT_NE(password_problem(std::string(1025, 'a')), "");
  EXPECT_EQ(password_problem("tab\there is bad"), "a password may not hold a control character (byte 3)");
}

TEST(Password, AnythingButAnArgon2idHashNeverVerifies) {
  EXPECT_FALSE(verify_password("", "anything at all"));
  EXPECT_FALSE(verify_password("plain-password-123", "plain-password-123"));
  // An Argon2i (not id) hash of libsodium's form is not accepted either.
  EXPECT_FALSE(is_argon2id_hash("$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"));
  EXPECT_FALSE(is_argon2id_hash("$argon2id$v=19$m=65536,t=2,p=1$a b"));
}

}  // namespace
}  // namespace renkei
