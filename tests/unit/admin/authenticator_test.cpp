#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "authenticator.hpp"
#include "renkei/people/personal_token.hpp"

namespace renkei {
namespace {

namespace fs = std::filesystem;

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_file_ = fs::temp_directory_path() / ("renkei-authn-" + std::to_string(::getpid()));
    std::ofstream(token_file_) << "hub-token-0123456789abcdef\n";
    ASSERT_TRUE(hub_.load(token_file_.string()));
    auto t = issue_personal_token();
    ASSERT_TRUE(t);
    tanaka_ = *t;
    auto d = std::make_shared<UserDirectory>();
    d->users.push_back(User{"tanaka", "田中 花子", Role::Viewer, "", {TokenRecord{t->id, t->hash, "", ""}}});
    authn_.set_users(d);
  }
  void TearDown() override { fs::remove(token_file_); }
  static HttpRequest with(const std::string& token, const std::string& claimed = "") {
    HttpRequest r{.method = "POST", .path = "/api/v1/interfaces/9/run"};
    r.headers["authorization"] = "Bearer " + token;
    if (!claimed.empty()) r.headers["x-renkei-operator"] = claimed;
    return r;
  }
  fs::path token_file_;
  BearerAuth hub_;
  Authenticator authn_{hub_};
  IssuedToken tanaka_;
};

TEST_F(AuthenticatorTest, APersonalTokenIsThatPersonWithTheirRole) {
  auto who = authn_.identify(with(tanaka_.text, "mallory"));
  ASSERT_TRUE(who) << who.error();
  EXPECT_EQ(who->name, "tanaka");
  EXPECT_EQ(who->role, Role::Viewer);
  EXPECT_EQ(who->via, Identity::Via::PersonalToken);
  EXPECT_EQ(who->token_id, tanaka_.id);
}

TEST_F(AuthenticatorTest, TheHubTokenIsAdminAndNamesNobody) {
  auto who = authn_.identify(with("hub-token-0123456789abcdef", "tanaka"));
  ASSERT_TRUE(who) << who.error();
  EXPECT_EQ(who->name, "hub-token");
  EXPECT_EQ(who->role, Role::Admin);
}

TEST_F(AuthenticatorTest, ARevokedOrForgedTokenIsNobody) {
  std::string forged = tanaka_.text;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(authn_.identify(with(forged)));
  authn_.set_users(std::make_shared<UserDirectory>());
  auto gone = authn_.identify(with(tanaka_.text));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), "unknown or revoked token");
  EXPECT_FALSE(authn_.identify(HttpRequest{}));
}

TEST_F(AuthenticatorTest, ARoleTooLowIs403AndNoIdentityIs401) {
  bool ran = false;
  Handler h = require_role(authn_, Role::Operator, [&](const HttpRequest&, const Identity&) {
    ran = true;
    return HttpResponse{};
  });
  auto viewer = h(with(tanaka_.text));
  EXPECT_EQ(viewer.status, 403);
  EXPECT_NE(viewer.body.find("needs role operator; tanaka is viewer"), std::string::npos) << viewer.body;
  EXPECT_EQ(viewer.body.find(tanaka_.text), std::string::npos);
  EXPECT_FALSE(ran);
  EXPECT_EQ(h(with("wrong-token-0123456789")).status, 401);
  EXPECT_FALSE(ran);
  EXPECT_EQ(h(with("hub-token-0123456789abcdef")).status, 200);
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace renkei
