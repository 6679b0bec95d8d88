#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "users_file.hpp"

namespace renkei {
namespace {

namespace fs = std::filesystem;

TEST(UsersFile, ReadsAgainOnlyWhenTheFileChanged) {
  const fs::path p = fs::temp_directory_path() / ("renkei-usersfile-" + std::to_string(::getpid()) + ".yaml");
  fs::remove(p);
  UsersFile f;
  f.set_path(p.string());
  auto first = f.poll();  // absent: nobody
  ASSERT_TRUE(first && *first);
  EXPECT_TRUE((*first)->users.empty());
  EXPECT_FALSE(f.poll());
  std::ofstream(p) << "users:\n  - name: tanaka\n    role: operator\n";
  auto second = f.poll();
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->users.size(), 1u);
  EXPECT_FALSE(f.poll());
  std::ofstream(p) << "users:\n  - name: tanaka\n    role: chief\n";
  auto bad = f.poll();
  ASSERT_TRUE(bad);
  EXPECT_FALSE(*bad);
  fs::remove(p);
}

TEST(UsersFile, TheChangeNamesPeopleRolesAndTokenIdsOnly) {
  UserDirectory before, after;
  before.users.push_back(User{"tanaka", "", Role::Viewer, "$argon2id$v=19$m=1$a$b",
                              {TokenRecord{"0123456789abcdef", std::string(64, 'a'), "", ""}}});
  before.users.push_back(User{"sato", "", Role::Viewer, "", {}});
  after.users.push_back(User{"tanaka", "", Role::Operator, "$argon2id$v=19$m=1$c$d",
                             {TokenRecord{"fedcba9876543210", std::string(64, 'b'), "", ""}}});
  after.users.push_back(User{"suzuki", "", Role::Admin, "", {}});
  auto c = users_change(before, after);
  EXPECT_EQ(c["added"][0]["name"], "suzuki");
  EXPECT_EQ(c["removed"][0], "sato");
  EXPECT_EQ(c["role_changed"][0]["to"], "operator");
  EXPECT_EQ(c["password_set"][0], "tanaka");
  EXPECT_EQ(c["tokens_issued"][0]["id"], "fedcba9876543210");
  EXPECT_EQ(c["tokens_revoked"][0]["id"], "0123456789abcdef");
  const std::string text = c.dump();
  EXPECT_EQ(text.find("argon2id"), std::string::npos);
  EXPECT_EQ(text.find(std::string(64, 'a')), std::string::npos);
  EXPECT_TRUE(users_change(after, after).empty());
}

}  // namespace
}  // namespace renkei
