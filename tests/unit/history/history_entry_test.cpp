#include "renkei/history/history_entry.hpp"

#include <gtest/gtest.h>

#include "renkei/history/history_query.hpp"

namespace renkei {
namespace {

HistoryEntry batch() {
  HistoryEntry e;
  e.kind = HistoryKind::Batch;
  e.interface = 9;
  e.batch_id = "20261207T000000Z-0000000000000001";
  e.file = "JUKI_20261207.csv";
  e.records = 3;
  e.bytes = 42;
  e.sha256 = std::string(64, 'a');
  e.outcome = "delivered";
  e.started_ms = 1'765'000'000'000;
  e.finished_ms = 1'765'000'001'000;
  e.hub = "hub-a";
  return e;
}

TEST(HistoryEntry, RoundTripsEveryField) {
  HistoryEntry e = batch();
  e.hooks.push_back({"after_success", "failed", "exit 3", "no space\\x0A", true, 12});
  auto back = history_entry_from_json(to_json(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, HistoryKind::Batch);
  EXPECT_EQ(back->interface, 9);
  EXPECT_EQ(back->batch_id, e.batch_id);
  EXPECT_EQ(back->file, e.file);
  EXPECT_EQ(back->records, 3u);
  EXPECT_EQ(back->bytes, 42u);
  EXPECT_EQ(back->sha256, e.sha256);
  EXPECT_EQ(back->started_ms, e.started_ms);
  EXPECT_EQ(back->finished_ms, e.finished_ms);
  ASSERT_EQ(back->hooks.size(), 1u);
  EXPECT_EQ(back->hooks[0].reason, "exit 3");
  EXPECT_TRUE(back->hooks[0].truncated);
  EXPECT_EQ(back->hooks[0].took_ms, 12);
}

TEST(HistoryEntry, ALongReasonIsCutSoTheReaderStillTakesTheEntry) {
  HistoryEntry e = batch();
  e.reason = std::string(5000, 'y') + "理由";
  auto back = history_entry_from_json(to_json(e));
  ASSERT_TRUE(back);
  EXPECT_LE(back->reason.size(), 4096u);
  EXPECT_TRUE(back->reason.ends_with("…"));
  HistoryEntry far = batch();
  far.finished_ms = 253'402'300'800'000;  // 10000-01-01: nobody's time
  EXPECT_FALSE(history_entry_from_json(to_json(far)));
}

TEST(HistoryEntry, RefusesWhatDoesNotFitTheGrammar) {
  const std::string good = to_json(batch());
  ASSERT_TRUE(history_entry_from_json(good));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return history_entry_from_json(s);
  };
  EXPECT_FALSE(with("\"outcome\":\"delivered\"", "\"outcome\":\"succeeded\""));  // a run's outcome on a batch
  EXPECT_FALSE(with("\"interface\":\"009\"", "\"interface\":\"9\""));
  EXPECT_FALSE(with("\"interface\":\"009\"", "\"interface\":\"000\""));
  EXPECT_FALSE(with("\"records\":3", "\"records\":-3"));
  EXPECT_FALSE(with("\"kind\":\"batch\"", "\"kind\":\"file\""));
  EXPECT_FALSE(with("\"v\":1", "\"v\":2"));
  EXPECT_FALSE(with(std::string(64, 'a'), std::string(63, 'a') + "Z"));
  EXPECT_FALSE(history_entry_from_json("not json"));
  EXPECT_FALSE(history_entry_from_json("[]"));
}

TEST(HistoryEntry, RunOutcomesAndTheDateTheFiltersUse) {
  HistoryEntry r;
  r.kind = HistoryKind::Run;
  r.interface = 12;
  r.business_date = "2026-11-30";
  r.outcome = "missing";
  r.finished_ms = 1'765'000'000'000;
  auto back = history_entry_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->date(), "2026-11-30");
  HistoryEntry b = batch();
  b.finished_ms = 1'764'514'800'000;  // 2025-11-30T15:00:00Z = 2025-12-01 00:00 in Tokyo
  EXPECT_EQ(b.date(), "2025-12-01");
}

TEST(HistoryFilter, MatchesEachConditionAndTheirConjunction) {
  HistoryEntry e = batch();
  e.business_date = "2026-12-07";
  HistoryFilter f;
  EXPECT_TRUE(f.matches(e));
  f.interface = 9;
  EXPECT_TRUE(f.matches(e));
  f.interface = 10;
  EXPECT_FALSE(f.matches(e));
  f = {};
  f.from = "2026-12-07";
  f.to = "2026-12-07";
  EXPECT_TRUE(f.matches(e));
  f.from = "2026-12-08";
  EXPECT_FALSE(f.matches(e));
  f = {};
  f.to = "2026-12-06";
  EXPECT_FALSE(f.matches(e));
  f = {};
  f.outcome = "held";
  EXPECT_FALSE(f.matches(e));
  f.outcome = "delivered";
  f.kind = HistoryKind::Run;
  EXPECT_FALSE(f.matches(e));
}

TEST(HistoryCsv, QuotesEveryFieldAndDisarmsFormulas) {
  EXPECT_TRUE(history_csv_header().starts_with("\xEF\xBB\xBF"));
  HistoryEntry e = batch();
  e.file = "=HYPERLINK(\"http://x\")";
  e.reason = "-1+1";
  const std::string row = history_csv_row(e);
  EXPECT_NE(row.find("\"'=HYPERLINK(\"\"http://x\"\")\""), std::string::npos) << row;
  EXPECT_NE(row.find("\"'-1+1\""), std::string::npos) << row;
  EXPECT_TRUE(row.ends_with("\r\n"));
  EXPECT_EQ(row.find('\n'), row.size() - 1);
}

TEST(HistoryQuery, ParsesTheFiltersAndRefusesTheRestByName) {
  auto q = parse_history_query("interface=9&from=2026-11-01&to=2026-11-30&outcome=held&kind=batch&before=77&limit=5");
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->filter.interface, 9);
  EXPECT_EQ(q->filter.from, "2026-11-01");
  EXPECT_EQ(q->filter.outcome, "held");
  EXPECT_EQ(q->filter.kind, HistoryKind::Batch);
  EXPECT_EQ(q->before, 77);
  EXPECT_EQ(q->limit, 5u);
  EXPECT_EQ(history_query_string(q->filter), "interface=9&from=2026-11-01&to=2026-11-30&outcome=held&kind=batch");
  auto blank = parse_history_query("interface=&from=&outcome=");
  ASSERT_TRUE(blank);
  EXPECT_FALSE(blank->filter.interface);
  for (const char* bad : {"interface=abc", "from=2026-02-30", "outcome=ok", "kind=x", "limit=0", "limit=1001",
                          "before=-1", "from=2026-12-02&to=2026-12-01", "evil=%3Cscript%3E"}) {
    auto r = parse_history_query(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().find('<'), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace renkei
