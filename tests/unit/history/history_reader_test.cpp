// Paging renkei.history newest first on the embedded bus: every entry once, in order,
// across pages; a filter that matches few entries still ends, with the cursor.
#include "renkei/history/history_reader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "renkei/history/history_log.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;

class HistoryPaging : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bus = make_kafka_bus(BusConfig{});
    ASSERT_TRUE(bus.has_value()) << bus.error().message;
    bus_ = std::move(*bus);
    ASSERT_TRUE(bus_->ensure_topics({{kHistoryTopic, 1, 1, {}}}));
    producer_ = bus_->make_producer();
    log_ = std::make_unique<HistoryLog>(*producer_, "renkei-hub", [this] { ++failed_; });
  }
  // Entry i: interface 1 + i % 3, outcome held for every 10th.
  void write(int n) {
    for (int i = 0; i < n; ++i) {
      HistoryEntry e;
      e.kind = HistoryKind::Batch;
      e.interface = 1 + i % 3;
      e.batch_id = "b" + std::to_string(i);
      e.records = static_cast<std::uint64_t>(i);
      e.outcome = i % 10 == 0 ? "held" : "delivered";
      e.finished_ms = 1'765'000'000'000 + i;
      log_->append(e, [this](const std::optional<BusError>& err) {
        if (err) ++failed_;
      });
    }
    // A message that is no history entry (someone's kcat) is skipped and counted; another
    // hub cluster's entry is passed over.
    auto bad = producer_->produce(OutMessage{kHistoryTopic, "renkei-hub/x", "{not an entry", {}}, [](const auto&) {});
    ASSERT_TRUE(bad);
    HistoryLog other(*producer_, "other-hub", {});
    HistoryEntry theirs;
    theirs.kind = HistoryKind::Batch;
    theirs.interface = 1;
    theirs.outcome = "held";
    other.append(theirs, [this](const std::optional<BusError>& err) {
      if (err) ++failed_;
    });
    ASSERT_TRUE(producer_->flush(10s));
  }
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<HistoryLog> log_;
  std::atomic<int> failed_{0};
};

TEST_F(HistoryPaging, EveryEntryOnceNewestFirstAcrossPages) {
  write(1234);
  HistoryReader reader(*bus_, "test-history", "renkei-hub");
  std::vector<std::uint64_t> seen;
  std::optional<int64_t> before;
  std::uint64_t unreadable = 0;
  int pages = 0;
  do {
    auto p = reader.page({}, before, 100);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_LE(p->entries.size(), 100u);
    for (const auto& e : p->entries) seen.push_back(e.records);
    unreadable += p->unreadable;
    before = p->next_before;
    ++pages;
  } while (before && pages < 100);
  ASSERT_EQ(seen.size(), 1234u);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1233 - i) << "at " << i;
  EXPECT_EQ(pages, 13);
  EXPECT_EQ(unreadable, 1u);
  EXPECT_EQ(failed_, 0);
}

TEST_F(HistoryPaging, AFilterSpansWindowsAndTheBudgetLeavesACursor) {
  write(1000);
  HistoryReader reader(*bus_, "test-history", "renkei-hub");
  HistoryFilter held;
  held.outcome = "held";
  held.interface = 1;  // i % 10 == 0 and i % 3 == 0: i = 0, 30, 60 … 990 — 34 entries
  std::vector<std::uint64_t> got;
  std::optional<int64_t> before;
  int calls = 0, cut_short = 0;
  do {
    // A budget smaller than the topic: the page ends before it is full and says where
    // the next one goes on.
    auto p = reader.page(held, before, 100, 300);
    ASSERT_TRUE(p) << p.error().message;
    for (const auto& e : p->entries) got.push_back(e.records);
    before = p->next_before;
    if (before && p->entries.size() < 100) ++cut_short;
    ++calls;
  } while (before && calls < 100);
  ASSERT_EQ(got.size(), 34u);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], 990 - 30 * i);
  EXPECT_GE(cut_short, 1);
}

}  // namespace
}  // namespace renkei
