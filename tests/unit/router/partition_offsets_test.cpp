// PartitionOffsets: the committable offset of a partition is bounded by the lowest offset
// an open batch or an in-flight dead-letter write still needs (ARCHITECTURE §2).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "partition_offsets.hpp"

namespace renkei {
namespace {

TEST(PartitionOffsets, NothingCommittableBeforeAnythingProcessed) {
  PartitionOffsets p;
  EXPECT_EQ(p.committable(), std::nullopt);
  EXPECT_EQ(p.holds(), 0u);
  p.hold(5);  // a batch opened, nothing processed yet
  EXPECT_EQ(p.committable(), std::nullopt);
  p.release(5);
  EXPECT_EQ(p.committable(), std::nullopt);
  p.rewind(3);  // a rewind alone does not make anything committable
  EXPECT_EQ(p.committable(), std::nullopt);
}

TEST(PartitionOffsets, CommittableIsTheNextOffsetToRead) {
  PartitionOffsets p;
  p.processed(0);
  EXPECT_EQ(p.committable(), 1);
  p.processed(1);
  p.processed(2);
  EXPECT_EQ(p.committable(), 3);
  // Processing never moves it backwards.
  p.processed(1);
  EXPECT_EQ(p.committable(), 3);
  p.processed(10);
  EXPECT_EQ(p.committable(), 11);
}

TEST(PartitionOffsets, SingleBatchHoldsItsFirstOffsetUntilReleased) {
  PartitionOffsets p;
  p.processed(9);  // earlier records, done
  p.hold(10);      // batch A starts at 10
  for (int64_t o = 10; o <= 14; ++o) p.processed(o);
  EXPECT_EQ(p.committable(), 10);
  p.release(10);   // A delivered durably
  EXPECT_EQ(p.committable(), 15);
  EXPECT_EQ(p.holds(), 0u);
}

TEST(PartitionOffsets, TwoInterleavedBatches) {
  // Offsets: 100 A1, 101 B1, 102 A2, 103 B2, 104 A-end, 105 B3, 106 B-end.
  PartitionOffsets p;
  p.hold(100);  // A opens
  p.processed(100);
  EXPECT_EQ(p.committable(), 100);
  p.hold(101);  // B opens
  p.processed(101);
  p.processed(102);
  p.processed(103);
  EXPECT_EQ(p.committable(), 100);  // bounded by A, the lowest hold
  // A's end marker: A is delivered, its hold goes; B still holds 101.
  p.release(100);
  p.processed(104);
  EXPECT_EQ(p.committable(), 101);
  p.processed(105);
  EXPECT_EQ(p.committable(), 101);
  p.release(101);
  p.processed(106);
  EXPECT_EQ(p.committable(), 107);
}

TEST(PartitionOffsets, ReleasingTheHigherHoldFirstChangesNothing) {
  PartitionOffsets p;
  p.hold(100);
  p.hold(101);
  for (int64_t o = 100; o <= 106; ++o) p.processed(o);
  p.release(101);  // B finished first
  EXPECT_EQ(p.committable(), 100);
  p.release(100);
  EXPECT_EQ(p.committable(), 107);
}

TEST(PartitionOffsets, ReleaseOfLowerHoldAdvancesToTheNextHold) {
  PartitionOffsets p;
  p.hold(10);
  p.hold(20);
  p.hold(30);
  p.processed(40);
  EXPECT_EQ(p.committable(), 10);
  p.release(10);
  EXPECT_EQ(p.committable(), 20);
  p.release(20);
  EXPECT_EQ(p.committable(), 30);
  p.release(30);
  EXPECT_EQ(p.committable(), 41);
}

TEST(PartitionOffsets, DeadLetterHoldsBoundTheOffsetUntilTheWriteIsDurable) {
  PartitionOffsets p;
  // Record 7 goes to the DLQ: held while the DLQ write is in flight.
  p.hold(7);
  p.processed(7);
  p.processed(8);
  p.processed(9);
  EXPECT_EQ(p.committable(), 7);
  p.release(7);  // delivery report: durable on the DLQ topic
  EXPECT_EQ(p.committable(), 10);
}

TEST(PartitionOffsets, EqualHoldsAreCountedNotMerged) {
  // A held batch replays its records to the DLQ, each holding the batch's first offset,
  // while the batch itself holds it too: one release must not free them all.
  PartitionOffsets p;
  p.hold(50);  // the batch
  p.hold(50);  // DLQ copy 1
  p.hold(50);  // DLQ copy 2
  EXPECT_EQ(p.holds(), 3u);
  p.processed(60);
  EXPECT_EQ(p.committable(), 50);
  p.release(50);
  EXPECT_EQ(p.holds(), 2u);
  EXPECT_EQ(p.committable(), 50);
  p.release(50);
  EXPECT_EQ(p.committable(), 50);
  p.release(50);
  EXPECT_EQ(p.holds(), 0u);
  EXPECT_EQ(p.committable(), 61);
}

TEST(PartitionOffsets, ReleaseOfUnknownOffsetIsIgnored) {
  PartitionOffsets p;
  p.hold(5);
  p.processed(8);
  p.release(6);
  p.release(4);
  EXPECT_EQ(p.holds(), 1u);
  EXPECT_EQ(p.committable(), 5);
}

TEST(PartitionOffsets, HoldBelowProcessedOffsetBoundsIt) {
  // A hold may be added for an offset processed long ago (a replayed DLQ copy carries its
  // batch's first offset).
  PartitionOffsets p;
  p.processed(99);
  EXPECT_EQ(p.committable(), 100);
  p.hold(42);
  EXPECT_EQ(p.committable(), 42);
  p.release(42);
  EXPECT_EQ(p.committable(), 100);
}

TEST(PartitionOffsets, RewindMovesTheNextOffsetBack) {
  PartitionOffsets p;
  for (int64_t o = 0; o < 20; ++o) p.processed(o);
  EXPECT_EQ(p.committable(), 20);
  p.rewind(12);  // a back-off seeks back to 12
  EXPECT_EQ(p.committable(), 12);
  p.rewind(15);  // never forwards
  EXPECT_EQ(p.committable(), 12);
  // Reading again from 12.
  p.processed(12);
  EXPECT_EQ(p.committable(), 13);
  for (int64_t o = 13; o < 25; ++o) p.processed(o);
  EXPECT_EQ(p.committable(), 25);
}

TEST(PartitionOffsets, RewindBelowAHoldAndHoldsTogether) {
  PartitionOffsets p;
  p.hold(30);
  for (int64_t o = 30; o < 40; ++o) p.processed(o);
  // Back-off: the open batch is abandoned (its hold released) and the reader seeks to its start.
  p.release(30);
  p.rewind(30);
  EXPECT_EQ(p.committable(), 30);
  p.hold(30);  // the batch opens again
  p.processed(30);
  EXPECT_EQ(p.committable(), 30);
  p.release(30);
  EXPECT_EQ(p.committable(), 31);
}

TEST(PartitionOffsets, ConcurrentHoldsAndReleases) {
  // DLQ delivery reports release holds on librdkafka's thread while the worker adds more.
  PartitionOffsets p;
  p.processed(1000);
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int64_t o = t * 10 + i % 10;
        p.hold(o);
        (void)p.committable();
        p.release(o);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(p.holds(), 0u);
  EXPECT_EQ(p.committable(), 1001);
}

}  // namespace
}  // namespace renkei
