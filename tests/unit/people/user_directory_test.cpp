#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "renkei/people/password.hpp"
#include "renkei/people/user_directory.hpp"

namespace renkei {
namespace {

namespace fs = std::filesystem;

class UsersYaml : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("renkei-users-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    auto p = (dir_ / "users.yaml").string();
    std::ofstream(p) << text;
    return p;
  }
  std::string all(const Diagnostics& d) {
    std::string s;
    for (const auto& i : d.sorted()) s += i.str() + "\n";
    return s;
  }
  fs::path dir_;
};

constexpr const char* kHash = "$argon2id$v=19$m=65536,t=2,p=1$sWvZ3sEZzLGmq6T/U3uafQ$npZh+aMaBxmgSKeYShh59AaJ3poq7hxUV4a3xCnJbMg";

TEST_F(UsersYaml, AMissingFileIsNobodyButTheHubToken) {
  auto d = load_user_directory((dir_ / "absent.yaml").string(), "users.yaml");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->users.empty());
}

TEST_F(UsersYaml, WhatItWritesItReadsBack) {
  UserDirectory d;
  d.users.push_back(User{"tanaka", "田中 花子", Role::Operator, kHash,
                         {TokenRecord{"0123456789abcdef", std::string(64, 'e'), "2026-12-07T20:00:00Z", "laptop"}}});
  d.users.push_back(User{"sato", "", Role::Viewer, "", {}});
  auto back = load_user_directory(write(to_yaml(d)), "users.yaml");
  ASSERT_TRUE(back) << all(back.error());
  ASSERT_EQ(back->users.size(), 2u);
  const User* t = back->find("tanaka");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->display_name, "田中 花子");
  EXPECT_EQ(t->role, Role::Operator);
  EXPECT_EQ(t->password_hash, kHash);
  ASSERT_EQ(t->tokens.size(), 1u);
  EXPECT_EQ(t->tokens[0].label, "laptop");
  auto found = back->find_token("0123456789abcdef");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first->name, "tanaka");
  EXPECT_EQ(back->find("sato")->role, Role::Viewer);
  EXPECT_FALSE(back->find_token("fedcba9876543210"));
}

TEST_F(UsersYaml, EveryProblemHasItsLineAndFieldAndNeverTheHash) {
  auto d = load_user_directory(write("users:\n"
                                     "  - name: Tanaka\n"                         // 2
                                     "    role: operator\n"
                                     "  - name: suzuki\n"                         // 4
                                     "    role: boss\n"                           // 5
                                     "    password: \"plain-secret-12\"\n"        // 6
                                     "  - name: sato\n"                           // 7
                                     "    role: viewer\n"
                                     "    tokens:\n"
                                     "      - id: \"xyz\"\n"                      // 10
                                     "        sha256: \"00\"\n"                   // 11
                                     "  - name: sato\n"                           // 12
                                     "    role: viewer\n"
                                     "    colour: blue\n"                         // 14
                                     "  - name: unknown\n"                        // 15
                                     "    role: admin\n"),
                               "users.yaml");
  ASSERT_FALSE(d);
  const std::string s = all(d.error());
  EXPECT_NE(s.find("users.yaml:2: "), std::string::npos) << s;
  EXPECT_NE(s.find("a user name starts with a letter a-z"), std::string::npos) << s;
  EXPECT_NE(s.find("users.yaml:5: "), std::string::npos) << s;
  EXPECT_NE(s.find("unknown value 'boss'"), std::string::npos) << s;
  EXPECT_NE(s.find("users.yaml:6: "), std::string::npos) << s;
  EXPECT_NE(s.find("not an Argon2id hash"), std::string::npos) << s;
  EXPECT_EQ(s.find("plain-secret"), std::string::npos) << s;
  EXPECT_NE(s.find("users.yaml:10: "), std::string::npos) << s;
  EXPECT_NE(s.find("users.yaml:11: "), std::string::npos) << s;
  EXPECT_NE(s.find("listed twice"), std::string::npos) << s;
  EXPECT_NE(s.find("users.yaml:14: "), std::string::npos) << s;
  EXPECT_NE(s.find("reserved for the audit log"), std::string::npos) << s;
}

TEST_F(UsersYaml, AnInvalidDisplayNameIsRefusedByItsOffset) {
  auto d = load_user_directory(write("users:\n  - name: tanaka\n    role: viewer\n    display_name: \"ab\\x1b[31m\"\n"),
                               "users.yaml");
  ASSERT_FALSE(d);
  const std::string s = all(d.error());
  EXPECT_NE(s.find("users.yaml:4: "), std::string::npos) << s;
  EXPECT_NE(s.find("at byte 2"), std::string::npos) << s;
}

TEST(UserName, TheGrammarIsStrict) {
  EXPECT_EQ(user_name_problem("tanaka"), "");
  EXPECT_EQ(user_name_problem("t.suzuki-2_x"), "");
  EXPECT_NE(user_name_problem(""), "");
  EXPECT_NE(user_name_problem(std::string(33, 'a')), "");
  EXPECT_NE(user_name_problem("tanaka san"), "");
  EXPECT_NE(user_name_problem("田中"), "");
  EXPECT_NE(user_name_problem("../etc"), "");
  EXPECT_NE(user_name_problem("hub-token"), "");
}

}  // namespace
}  // namespace renkei
