#pragma once
// Which offset of one partition may be committed. An offset is committable only when
// every record before it is durably delivered or durably dead-lettered: the lowest
// offset still held by an open batch or an in-flight DLQ write bounds it, never simply
// the last record processed (two interleaved batches must both survive a crash).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>

namespace renkei {

class PartitionOffsets {
 public:
  void hold(int64_t offset);
  void release(int64_t offset);
  // Everything up to and including `offset` has been seen by the worker.
  void processed(int64_t offset);
  // The worker will read again from `offset` (after a seek back).
  void rewind(int64_t offset);
  // The offset to commit (next to read), or nullopt when nothing may be committed yet.
  std::optional<int64_t> committable() const;
  std::size_t holds() const;
  // The partition was revoked (or its consumer replaced): whatever still holds this
  // object stops working on it, and nothing of it is committed any more.
  void retire() { retired_.store(true, std::memory_order_release); }
  bool retired() const { return retired_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::multiset<int64_t> holds_;
  std::optional<int64_t> next_;
  std::atomic<bool> retired_{false};
};

}  // namespace renkei
