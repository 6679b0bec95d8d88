// BatchAssembler: the batch protocol of one partition, without a broker or a target —
// order and duplicates, gaps, interleaved batches, the end marker's count, checksum and
// name, held batches, batches delivered before, expiry and back-off.
#include <gtest/gtest.h>

#include "batch_assembler.hpp"

namespace renkei {
namespace {

using V = BatchAssembler::Verdict;
using Opening = BatchAssembler::Opening;
using Replay = BatchAssembler::Replay;
using namespace std::chrono_literals;

const auto t0 = BatchAssembler::Clock::time_point{} + 1000s;

std::string marker(uint64_t count, std::string_view file, bool eol = false, std::string name = "JUKI_20261201.csv") {
  BatchEnd e;
  e.count = count;
  e.sha256 = sha256_hex(file);
  e.final_newline = eol;
  e.name = std::move(name);
  return e.format();
}

std::string seq(uint64_t n) { return std::to_string(n); }

// Feeds records in order with their sequence numbers and appends each as it came.
void feed(BatchAssembler& a, std::string_view id, int64_t& offset, std::initializer_list<std::string_view> records,
          uint64_t first_seq = 1) {
  uint64_t n = first_seq;
  for (auto r : records) {
    auto s = seq(n++);
    auto step = a.record(id, offset++, s, t0);
    ASSERT_EQ(step.verdict, V::Append);
    a.appended(id, r, std::nullopt);
  }
}

TEST(BatchAssembler, AnUnknownBatchMustBeOpenedFirst) {
  BatchAssembler a;
  EXPECT_EQ(a.record("b1", 0, "1", t0).verdict, V::Unknown);
  EXPECT_EQ(a.end("b1", 0, marker(0, ""), t0).verdict, V::Unknown);
  EXPECT_FALSE(a.close("b1"));
}

TEST(BatchAssembler, RecordsInOrderAndAMatchingMarkerCommit) {
  BatchAssembler a;
  a.open("b1", 10, Opening::Deliver, std::nullopt, t0);
  int64_t off = 10;
  feed(a, "b1", off, {"alpha", "beta", "gamma"});
  auto end = a.end("b1", off, marker(3, "alpha\nbeta\ngamma\n", true), t0);
  ASSERT_EQ(end.verdict, V::Commit);
  EXPECT_FALSE(end.replay);
  EXPECT_EQ(end.end.count, 3u);
  EXPECT_TRUE(end.end.final_newline);
  EXPECT_EQ(end.end.name, "JUKI_20261201.csv");
  // Nothing was converted: the target checks against the source's own sum.
  EXPECT_EQ(end.end.sha256, sha256_hex("alpha\nbeta\ngamma\n"));
  EXPECT_EQ(a.close("b1"), 10);
  EXPECT_EQ(a.open_count(), 0u);
}

TEST(BatchAssembler, TheCommittedChecksumIsOverTheConvertedOutput) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
  ASSERT_EQ(a.record("b1", 0, "1", t0).verdict, V::Append);
  a.appended("b1", "src1", std::nullopt);  // passed as it was
  ASSERT_EQ(a.record("b1", 1, "2", t0).verdict, V::Append);
  a.appended("b1", "src2", std::string_view("OUT2"));  // rewritten by the stage
  auto end = a.end("b1", 2, marker(2, "src1\nsrc2"), t0);
  ASSERT_EQ(end.verdict, V::Commit);
  EXPECT_EQ(end.end.sha256, sha256_hex("src1\nOUT2"));
}

TEST(BatchAssembler, DuplicateSequenceNumbersAreReadPast) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
  int64_t off = 0;
  feed(a, "b1", off, {"r1", "r2"});
  // A source that crashed re-sends its file from the start.
  EXPECT_EQ(a.record("b1", off++, "1", t0).verdict, V::ReadPast);
  EXPECT_EQ(a.record("b1", off++, "2", t0).verdict, V::ReadPast);
  auto s3 = a.record("b1", off++, "3", t0);
  ASSERT_EQ(s3.verdict, V::Append);
  EXPECT_EQ(s3.seq, 3u);
  a.appended("b1", "r3", std::nullopt);
  EXPECT_EQ(a.end("b1", off, marker(3, "r1\nr2\nr3"), t0).verdict, V::Commit);
}

TEST(BatchAssembler, AGapHoldsTheBatchAndTakesBackWhatWasAppended) {
  BatchAssembler a;
  a.open("b1", 5, Opening::Deliver, std::nullopt, t0);
  int64_t off = 5;
  feed(a, "b1", off, {"r1", "r2"});
  auto gap = a.record("b1", 7, "4", t0);
  ASSERT_EQ(gap.verdict, V::DeadLetter);
  EXPECT_EQ(gap.replay, (Replay{5, 7}));  // the two appended records go to the DLQ too
  ASSERT_TRUE(gap.held);
  EXPECT_EQ(gap.held->kind, "bad-record");
  EXPECT_NE(gap.held->detail.find("expected record 3, got 4"), std::string::npos) << gap.held->detail;
  // From now on every record goes to the DLQ as it comes, nothing is taken back twice.
  auto next = a.record("b1", 8, "5", t0);
  EXPECT_EQ(next.verdict, V::DeadLetter);
  EXPECT_FALSE(next.replay);
  auto end = a.end("b1", 9, marker(5, "whatever"), t0);
  EXPECT_EQ(end.verdict, V::HeldEnd);
  EXPECT_FALSE(end.replay);
  EXPECT_EQ(end.held->kind, "bad-record");
  EXPECT_EQ(a.close("b1"), 5);
}

TEST(BatchAssembler, AMissingOrBrokenSequenceHeaderHoldsTheBatch) {
  for (std::optional<std::string_view> bad : {std::optional<std::string_view>{}, std::optional<std::string_view>{"x1"},
                                              std::optional<std::string_view>{"-1"}, std::optional<std::string_view>{""}}) {
    BatchAssembler a;
    a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
    auto s = a.record("b1", 0, bad, t0);
    ASSERT_EQ(s.verdict, V::DeadLetter);
    EXPECT_EQ(s.held->kind, "bad-header");
    EXPECT_EQ(s.replay, (Replay{0, 0}));
  }
}

TEST(BatchAssembler, InterleavedBatchesAreAssembledApart) {
  BatchAssembler a;
  a.open("A", 0, Opening::Deliver, std::nullopt, t0);
  ASSERT_EQ(a.record("A", 0, "1", t0).verdict, V::Append);
  a.appended("A", "a1", std::nullopt);
  a.open("B", 1, Opening::Deliver, std::nullopt, t0);
  ASSERT_EQ(a.record("B", 1, "1", t0).verdict, V::Append);
  a.appended("B", "b1", std::nullopt);
  ASSERT_EQ(a.record("A", 2, "2", t0).verdict, V::Append);
  a.appended("A", "a2", std::nullopt);
  ASSERT_EQ(a.record("B", 3, "2", t0).verdict, V::Append);
  a.appended("B", "b2", std::nullopt);
  EXPECT_EQ(a.open_count(), 2u);
  auto endB = a.end("B", 4, marker(2, "b1\nb2"), t0);
  ASSERT_EQ(endB.verdict, V::Commit);
  EXPECT_EQ(a.close("B"), 1);
  ASSERT_EQ(a.record("A", 5, "3", t0).verdict, V::Append);
  a.appended("A", "a3", std::nullopt);
  auto endA = a.end("A", 6, marker(3, "a1\na2\na3"), t0);
  ASSERT_EQ(endA.verdict, V::Commit);
  EXPECT_EQ(endA.end.sha256, sha256_hex("a1\na2\na3"));
  EXPECT_EQ(a.close("A"), 0);
}

TEST(BatchAssembler, AMarkerWhoseCountDiffersHoldsTheBatch) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
  int64_t off = 0;
  feed(a, "b1", off, {"r1", "r2"});
  auto end = a.end("b1", off, marker(3, "r1\nr2\nr3"), t0);
  ASSERT_EQ(end.verdict, V::HeldEnd);
  EXPECT_EQ(end.replay, (Replay{0, 2}));
  EXPECT_EQ(end.held->kind, "bad-record");
  EXPECT_NE(end.held->detail.find("2 records, expected 3"), std::string::npos) << end.held->detail;
}

TEST(BatchAssembler, AMarkerWhoseChecksumDiffersHoldsTheBatch) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
  int64_t off = 0;
  feed(a, "b1", off, {"r1", "r2"});
  // Same count, other bytes; and the final newline counts in the checksum too.
  for (auto [file, eol] : {std::pair{"r1\nrX", false}, std::pair{"r1\nr2", true}}) {
    BatchAssembler b;
    b.open("b1", 0, Opening::Deliver, std::nullopt, t0);
    int64_t o = 0;
    feed(b, "b1", o, {"r1", "r2"});
    auto end = b.end("b1", o, marker(2, file, eol), t0);
    ASSERT_EQ(end.verdict, V::HeldEnd) << file;
    EXPECT_NE(end.held->detail.find("checksum of the source bytes differs"), std::string::npos);
  }
  EXPECT_EQ(a.end("b1", off, marker(2, "r1\nr2\n", true), t0).verdict, V::Commit);
}

TEST(BatchAssembler, AnUnreadableMarkerOrAnUnsafeNameHoldsTheBatch) {
  struct Case {
    std::optional<std::string> text;
    std::string kind;
  };
  for (const auto& c : {Case{std::nullopt, "bad-header"}, Case{"count=zz", "bad-header"},
                        Case{marker(1, "r1", false, "../etc/passwd"), "bad-name"},
                        Case{marker(1, "r1", false, ".hidden"), "bad-name"}}) {
    BatchAssembler a;
    a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
    int64_t off = 0;
    feed(a, "b1", off, {"r1"});
    auto end = a.end("b1", off, c.text ? std::optional<std::string_view>(*c.text) : std::nullopt, t0);
    ASSERT_EQ(end.verdict, V::HeldEnd) << c.text.value_or("(none)");
    EXPECT_EQ(end.held->kind, c.kind);
    EXPECT_EQ(end.replay, (Replay{0, 1}));
  }
}

TEST(BatchAssembler, ABatchDeliveredBeforeIsOnlyReadPast) {
  BatchAssembler a;
  a.open("b1", 3, Opening::DeliveredBefore, std::nullopt, t0);
  EXPECT_EQ(a.record("b1", 3, "1", t0).verdict, V::ReadPast);
  EXPECT_EQ(a.record("b1", 4, "9", t0).verdict, V::ReadPast);  // not even a gap matters
  EXPECT_EQ(a.refuse("b1", 5, {"bad-header", "x"}, t0).verdict, V::ReadPast);
  EXPECT_FALSE(a.hold("b1", 5, {"bad-record", "x"}));
  EXPECT_EQ(a.end("b1", 6, "garbage", t0).verdict, V::DeliveredBefore);
  EXPECT_EQ(a.close("b1"), 3);
}

TEST(BatchAssembler, ABatchHeldFromItsStartDeadLettersEachRecordAndTakesNothingBack) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Held, StageError{"bad-record", "system x has no sink adapter"}, t0);
  auto r = a.record("b1", 0, "1", t0);
  EXPECT_EQ(r.verdict, V::DeadLetter);
  EXPECT_FALSE(r.replay);
  EXPECT_EQ(r.held->detail, "system x has no sink adapter");
  auto end = a.end("b1", 1, marker(1, "r1"), t0);
  EXPECT_EQ(end.verdict, V::HeldEnd);
  EXPECT_FALSE(end.replay);
}

TEST(BatchAssembler, ARefusedRecordHoldsTheBatchWithItsOwnReason) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
  int64_t off = 0;
  feed(a, "b1", off, {"r1"});
  auto s = a.refuse("b1", off, {"bad-header", "renkei-charset names no charset"}, t0);
  ASSERT_EQ(s.verdict, V::DeadLetter);
  EXPECT_EQ(s.replay, (Replay{0, 1}));
  EXPECT_EQ(s.held->kind, "bad-header");
  // A later failure keeps the first reason: the batch is held once.
  EXPECT_FALSE(a.hold("b1", off + 1, {"unmappable", "later"}));
  EXPECT_EQ(a.end("b1", off + 2, marker(1, "r1"), t0).held->kind, "bad-header");
}

TEST(BatchAssembler, ACommitRefusedByTheTargetHoldsTheBatch) {
  BatchAssembler a;
  a.open("b1", 0, Opening::Deliver, std::nullopt, t0);
  int64_t off = 0;
  feed(a, "b1", off, {"r1", "r2"});
  ASSERT_EQ(a.end("b1", off, marker(2, "r1\nr2"), t0).verdict, V::Commit);
  EXPECT_EQ(a.hold("b1", off, {"bad-record", "target refused"}), (Replay{0, 2}));
  auto again = a.end("b1", off, std::nullopt, t0);
  EXPECT_EQ(again.verdict, V::HeldEnd);
  EXPECT_EQ(again.held->detail, "target refused");
}

TEST(BatchAssembler, SilentBatchesExpireAndRecentOnesStay) {
  BatchAssembler a;
  a.open("old", 0, Opening::Deliver, std::nullopt, t0);
  ASSERT_EQ(a.record("old", 0, "1", t0).verdict, V::Append);
  a.appended("old", "r1", std::nullopt);
  ASSERT_EQ(a.record("old", 2, "2", t0 + 5s).verdict, V::Append);
  a.open("held", 1, Opening::Held, StageError{"bad-record", "no sink"}, t0 + 5s);
  a.open("before", 3, Opening::DeliveredBefore, std::nullopt, t0 + 5s);
  a.open("fresh", 4, Opening::Deliver, std::nullopt, t0 + 50s);

  EXPECT_TRUE(a.expire(t0 + 64s, 60s).empty());  // "old" was seen at +5 s
  auto gone = a.expire(t0 + 65s, 60s);
  ASSERT_EQ(gone.size(), 3u);
  std::map<std::string, BatchAssembler::Expired> by_id;
  for (auto& e : gone) by_id[e.id] = e;
  EXPECT_EQ(by_id["old"].first_offset, 0);
  EXPECT_EQ(by_id["old"].last_offset, 2);
  EXPECT_TRUE(by_id["old"].appending);
  EXPECT_FALSE(by_id["old"].held);
  EXPECT_EQ(by_id["old"].silent, 60s);
  EXPECT_TRUE(by_id["held"].held);
  EXPECT_FALSE(by_id["held"].appending);
  EXPECT_TRUE(by_id["before"].delivered_before);
  EXPECT_TRUE(a.is_open("fresh"));
  EXPECT_EQ(a.open_count(), 1u);
}

TEST(BatchAssembler, AbandoningGivesTheOffsetsToReadAgainFrom) {
  BatchAssembler a;
  a.open("x", 40, Opening::Deliver, std::nullopt, t0);
  a.open("y", 12, Opening::Held, StageError{"k", "d"}, t0);
  a.open("z", 30, Opening::DeliveredBefore, std::nullopt, t0);
  EXPECT_EQ(a.appending(), std::vector<std::string>{"x"});
  EXPECT_EQ(a.abandon_all(), (std::vector<int64_t>{12, 30, 40}));
  EXPECT_EQ(a.open_count(), 0u);
  // A batch opened again after the seek back starts from scratch.
  a.open("x", 40, Opening::Deliver, std::nullopt, t0);
  EXPECT_EQ(a.record("x", 40, "1", t0).verdict, V::Append);
}

}  // namespace
}  // namespace renkei
