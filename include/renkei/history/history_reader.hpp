#pragma once
// Reads 転送履歴 newest first, a page at a time: renkei.history is scanned backwards in
// windows from `before` (the high watermark at first), so memory holds one window and one
// page whatever seven years hold, and a request stops after `scan_budget` entries even
// when few match; `next_before` then says where the next page goes on.
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "renkei/bus.hpp"
#include "renkei/history/history_entry.hpp"

namespace renkei {

class HistoryReader {
 public:
  // `cluster`: the hub cluster's group (HistoryLog's key prefix); other clusters' entries
  // on the same topic are passed over.
  HistoryReader(Bus& bus, std::string group, std::string cluster);

  static constexpr std::size_t kDefaultPage = 100;
  static constexpr std::size_t kMaxPage = 1000;
  static constexpr std::size_t kScanBudget = 50'000;

  struct Page {
    std::vector<HistoryEntry> entries;  // newest first
    std::optional<int64_t> next_before; // absent: the start of the topic was reached
    std::uint64_t scanned = 0;
    std::uint64_t unreadable = 0;       // messages that are not a history entry (skipped, counted)
  };
  std::expected<Page, BusError> page(const HistoryFilter& filter, std::optional<int64_t> before, std::size_t limit,
                                     std::size_t scan_budget = kScanBudget);

 private:
  std::mutex mu_;  // one scan at a time: the reader is not shared across threads
  std::unique_ptr<TopicReader> reader_;
  std::string prefix_;
};

}  // namespace renkei
