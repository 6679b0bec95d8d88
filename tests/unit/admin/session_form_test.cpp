#include <gtest/gtest.h>

#include "form.hpp"
#include "session_store.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;

TEST(Form, DecodesFieldsAndRefusesBadOnesByOffset) {
  auto f = parse_form("user=tanaka&password=a+b%26c&csrf=00ff");
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ(f->at("user"), "tanaka");
  EXPECT_EQ(f->at("password"), "a b&c");
  EXPECT_EQ(parse_form("a=1&b=%e7%94%b0")->at("b"), "田");
  auto zz = parse_form("a=1&b=%zz");
  ASSERT_FALSE(zz);
  EXPECT_EQ(zz.error(), "form: bad percent escape at byte 4");
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_FALSE(parse_form("a=1&a=2"));
  auto bad = parse_form("user=ab%ff");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("at byte 2"), std::string::npos) << bad.error();
  EXPECT_EQ(bad.error().find("\xff"), std::string::npos);
  EXPECT_TRUE(parse_form("")->empty());
}

TEST(Form, FindsACookieAmongOthers) {
  HttpRequest r;
  r.headers["cookie"] = "a=1; renkei_session=abc; renkei_sessionx=no";
  EXPECT_EQ(cookie_value(r, "renkei_session"), "abc");
  EXPECT_EQ(cookie_value(r, "a"), "1");
  EXPECT_FALSE(cookie_value(r, "renkei"));
  EXPECT_FALSE(cookie_value(HttpRequest{}, "a"));
}

TEST(SessionStore, ASessionLivesWhileUsedAndEndsWhenIdle) {
  SessionStore store(30s);
  const auto t0 = SessionStore::Clock::time_point{} + 1000h;
  auto s = store.open(Identity{"tanaka", "", Role::Operator, Identity::Via::PersonalToken, ""}, t0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id.size(), 64u);
  EXPECT_NE(s->id, s->csrf);
  EXPECT_EQ(s->who.via, Identity::Via::Session);
  EXPECT_TRUE(store.find(s->id, t0 + 20s));
  EXPECT_TRUE(store.find(s->id, t0 + 45s));  // used at +20 s: alive until +50 s
  EXPECT_FALSE(store.find(s->id, t0 + 80s));
  EXPECT_FALSE(store.find(s->id, t0 + 81s));  // and gone for good
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, ABusySessionStillEndsAtItsLifetimeAndPeekingIsNoUse) {
  SessionStore store(30min);
  const auto t0 = SessionStore::Clock::time_point{} + 1000h;
  auto s = store.open(Identity{.name = "tanaka"}, t0);
  ASSERT_TRUE(s);
  auto t = t0;
  for (; t < t0 + SessionStore::kMaxLifetime; t += 20min) ASSERT_TRUE(store.find(s->id, t));
  EXPECT_FALSE(store.find(s->id, t0 + SessionStore::kMaxLifetime + 1s));
  auto quiet = store.open(Identity{.name = "sato"}, t0);
  EXPECT_TRUE(store.peek(quiet->id, t0 + 20min));
  EXPECT_FALSE(store.find(quiet->id, t0 + 31min));  // peeking at +20 min did not keep it alive
}

TEST(SessionStore, CloseAndCloseAllOfAPersonAndTheBound) {
  SessionStore store(30min, 2);
  const auto t0 = SessionStore::Clock::time_point{} + 1000h;
  auto a = store.open(Identity{.name = "tanaka"}, t0);
  auto b = store.open(Identity{.name = "tanaka"}, t0 + 1s);
  auto c = store.open(Identity{.name = "sato"}, t0 + 2s);  // the least recently used (a) ends
  EXPECT_FALSE(store.find(a->id, t0 + 3s));
  EXPECT_TRUE(store.find(c->id, t0 + 3s));
  store.close_all_of("tanaka");
  EXPECT_FALSE(store.find(b->id, t0 + 4s));
  store.close(c->id);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(same_secret("", ""));
  EXPECT_TRUE(same_secret("ab", "ab"));
  EXPECT_FALSE(same_secret("ab", "ac"));
}

}  // namespace
}  // namespace renkei
