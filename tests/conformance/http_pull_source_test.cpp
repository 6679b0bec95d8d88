// The http kind's polling source (pull_url): what a run's pull fetches, keeps and offers,
// against an in-process receiver on loopback.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "http/http_adapter.hpp"
#include "http_receiver.hpp"
#include "renkei/adapter.hpp"
#include "support/temp_dir.hpp"

namespace renkei::conformance {
namespace {

namespace fs = std::filesystem;

constexpr int kRoute = 42;

class HttpPullSourceTest : public ::testing::Test {
 protected:
  HttpPullSourceTest() {
    cat_.hub.state_dir = (dir_.path() / "state").string();
    cat_.hub.spool_root = (dir_.path() / "spool").string();
    SystemDef s;
    s.id = "peer";
    s.charset = "UTF-8";
    s.adapter.kind = "http";
    s.adapter.settings = {
        {"pull_url", "http://127.0.0.1:" + std::to_string(receiver_.port()) + "/export/{interface}?day={date}&d={yyyymmdd}"},
        {"pull_dir", (dir_.path() / "pulled").string()},
        {"pull_timeout_ms", "5000"},
        {"pull_interval_ms", "1000"},
    };
    cat_.systems.push_back(s);
    SystemDef t;
    t.id = "target";
    cat_.systems.push_back(t);
    RouteDef r;
    r.id = kRoute;
    r.from = "peer";
    r.to = "target";
    r.topic = "renkei.if.042";
    cat_.routes.push_back(r);
  }

  SystemDef& peer() { return cat_.systems[0]; }

  std::unique_ptr<Source> source() {
    auto s = make_source(peer(), cat_);
    EXPECT_TRUE(s) << "an http system with pull_url has a source";
    if (s) {
      EXPECT_TRUE(s->open()) << "open";
    }
    return s;
  }

  static std::vector<std::string> records(Source& s, const SourceUnit& u, BatchEnd* end = nullptr) {
    std::vector<std::string> out;
    auto e = s.read(u, [&](std::string_view r) {
      out.emplace_back(r);
      return true;
    });
    EXPECT_TRUE(e) << (e ? "" : e.error().detail);
    if (e && end) *end = *e;
    return out;
  }

  // Everything under the route's pull directory (temp names included).
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path() / "pulled", ec))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir_.path() / "pulled").string());
    std::sort(out.begin(), out.end());
    return out;
  }

  renkei::testing::TempDir dir_{"renkei-pull"};
  TestReceiver receiver_;
  Catalogue cat_;
};

TEST_F(HttpPullSourceTest, WithoutPullUrlAnHttpSystemHasNoSource) {
  peer().adapter.settings.erase("pull_url");
  EXPECT_EQ(make_source(peer(), cat_), nullptr);
}

TEST_F(HttpPullSourceTest, PullFetchesTheDaysDataOnceAndOffersItAsAUnitOfThatDate) {
  receiver_.serve_body("r1,a\nr2,b\nr3,c\n");
  auto s = source();
  ASSERT_TRUE(s->pulls());
  auto got = s->pull(kRoute, "2026-11-25");
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(*got, PullOutcome::Ready);
  auto posts = receiver_.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].method, "GET");
  EXPECT_EQ(posts[0].target, "/export/042?day=2026-11-25&d=20261125");
  EXPECT_EQ(posts[0].business_date, "2026-11-25");
  EXPECT_EQ(posts[0].authorization, "");

  auto units = s->scan();
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 1u);
  const SourceUnit u = (*units)[0];
  EXPECT_EQ(u.route_id, kRoute);
  ASSERT_TRUE(u.business_date);
  EXPECT_EQ(*u.business_date, "2026-11-25");
  EXPECT_TRUE(u.name.starts_with("042-20261125-")) << u.name;
  BatchEnd end;
  EXPECT_EQ(records(*s, u, &end), (std::vector<std::string>{"r1,a", "r2,b", "r3,c"}));
  EXPECT_EQ(end.count, 3u);
  EXPECT_TRUE(end.final_newline);

  // Asked again (a second scan of the same run, a restart): no second GET, same batch.
  EXPECT_EQ(*s->pull(kRoute, "2026-11-25"), PullOutcome::Ready);
  auto again = source();
  EXPECT_EQ(*again->pull(kRoute, "2026-11-25"), PullOutcome::Ready);
  EXPECT_EQ(receiver_.requests(), 1);
  auto units2 = again->scan();
  ASSERT_TRUE(units2);
  ASSERT_EQ(units2->size(), 1u);
  EXPECT_EQ((*units2)[0].batch_id, u.batch_id);

  // Carried: offered no more, and never asked for again.
  ASSERT_TRUE(s->complete(u));
  EXPECT_TRUE(s->scan()->empty());
  EXPECT_EQ(*s->pull(kRoute, "2026-11-25"), PullOutcome::Ready);
  EXPECT_EQ(receiver_.requests(), 1);
  EXPECT_EQ(files(), (std::vector<std::string>{"042/processed/" + u.name}));
}

TEST_F(HttpPullSourceTest, AnotherDateOrOtherContentIsAnotherBatch) {
  receiver_.serve_body("x\n");
  auto s = source();
  ASSERT_EQ(*s->pull(kRoute, "2026-11-25"), PullOutcome::Ready);
  receiver_.serve_body("y\n");
  ASSERT_EQ(*s->pull(kRoute, "2026-11-26"), PullOutcome::Ready);
  auto units = s->scan();
  ASSERT_TRUE(units);
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ(*(*units)[0].business_date, "2026-11-25");
  EXPECT_EQ(*(*units)[1].business_date, "2026-11-26");
  EXPECT_NE((*units)[0].batch_id, (*units)[1].batch_id);
  EXPECT_NE((*units)[0].name.substr(13), (*units)[1].name.substr(13)) << "content hashes differ";
}

TEST_F(HttpPullSourceTest, AnEmptyAnswerIsTheDaysDataWithNoRecords) {
  receiver_.serve_body("");
  auto s = source();
  ASSERT_EQ(*s->pull(kRoute, "2026-11-25"), PullOutcome::Ready);
  auto units = s->scan();
  ASSERT_EQ(units->size(), 1u);
  BatchEnd end;
  EXPECT_TRUE(records(*s, (*units)[0], &end).empty());
  EXPECT_EQ(end.count, 0u);
}

TEST_F(HttpPullSourceTest, NotReadyAnswersLeaveNothingAndAreAskedAgain) {
  auto s = source();
  for (int status : {404, 204, 202}) {
    receiver_.answer_with(status);
    auto got = s->pull(kRoute, "2026-11-25");
    ASSERT_TRUE(got) << status << ": " << got.error().detail;
    EXPECT_EQ(*got, PullOutcome::NotYet) << status;
    EXPECT_TRUE(s->scan()->empty());
  }
  EXPECT_EQ(receiver_.requests(), 3);
  EXPECT_EQ(s->pull_interval(), std::chrono::milliseconds(1000));
  EXPECT_TRUE(files().empty());
  receiver_.answer_with(200);
  receiver_.serve_body("late\n");
  EXPECT_EQ(*s->pull(kRoute, "2026-11-25"), PullOutcome::Ready);
  EXPECT_EQ(s->scan()->size(), 1u);
}

TEST_F(HttpPullSourceTest, ServerErrorsAreTransientRefusalsAreNotAndLeaveNoTempFile) {
  auto s = source();
  receiver_.answer_with(503);
  auto busy = s->pull(kRoute, "2026-11-25");
  ASSERT_FALSE(busy);
  EXPECT_TRUE(busy.error().transient);
  EXPECT_NE(busy.error().detail.find("503"), std::string::npos) << busy.error().detail;
  receiver_.answer_with(403);
  auto refused = s->pull(kRoute, "2026-11-25");
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().transient);
  EXPECT_EQ(refused.error().kind, "source-refused");
  EXPECT_TRUE(files().empty());
  EXPECT_TRUE(s->scan()->empty());
}

TEST_F(HttpPullSourceTest, AnAnswerAboveMaxPullBytesIsAnErrorAndNothingIsKept) {
  peer().adapter.settings["max_pull_bytes"] = "1000";
  receiver_.serve_body(std::string(5000, 'a'));
  auto s = source();
  auto got = s->pull(kRoute, "2026-11-25");
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().detail.find("larger than 1000 bytes"), std::string::npos) << got.error().detail;
  EXPECT_TRUE(files().empty());
}

TEST_F(HttpPullSourceTest, APeerThatIsDownIsATransientError) {
  unsigned short port = 0;
  {
    TestReceiver gone;  // a port that answered once and is closed now
    port = gone.port();
  }
  peer().adapter.settings["pull_url"] = "http://127.0.0.1:" + std::to_string(port) + "/x/{date}";
  auto s = source();
  auto got = s->pull(kRoute, "2026-11-25");
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().transient);
  EXPECT_TRUE(files().empty());
}

TEST_F(HttpPullSourceTest, CancelledPullsGiveUpWithAnErrorAndKeepNothing) {
  receiver_.serve_body("slow\n");
  receiver_.delay(std::chrono::milliseconds(1500));  // longer than the cancel takes
  auto s = source();
  auto pending = std::async(std::launch::async, [&] { return s->pull(kRoute, "2026-11-25"); });
  // Cancel once the request is under way (or before it: then it is refused at once).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  s->cancel_pulls();
  auto got = pending.get();
  ASSERT_FALSE(got) << "the pull completed although it was cancelled";
  EXPECT_TRUE(got.error().transient);
  EXPECT_NE(got.error().detail.find("cancelled"), std::string::npos) << got.error().detail;
  EXPECT_TRUE(files().empty()) << ::testing::PrintToString(files());
  EXPECT_TRUE(s->scan()->empty());
  // A cancelled source stays so: it belongs to a hub that is stopping.
  auto again = s->pull(kRoute, "2026-11-26");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().detail.find("cancelled"), std::string::npos);
}

TEST_F(HttpPullSourceTest, TheTokenFileGivesTheBearerToken) {
  const auto token = dir_ / "pull-token";
  std::ofstream(token) << "s3cret-token\n";
  peer().adapter.settings["pull_token_file"] = token;
  receiver_.serve_body("a\n");
  auto s = source();
  ASSERT_TRUE(s->pull(kRoute, "2026-11-25"));
  ASSERT_EQ(receiver_.posts().size(), 1u);
  EXPECT_EQ(receiver_.posts()[0].authorization, "Bearer s3cret-token");

  peer().adapter.settings["pull_token_file"] = dir_ / "missing-token";
  auto s2 = source();
  auto got = s2->pull(kRoute, "2026-11-26");
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().detail.find("pull_token_file"), std::string::npos);
}

}  // namespace
}  // namespace renkei::conformance
