#include "renkei/history/history_reader.hpp"

#include <algorithm>

#include "renkei/history/history_log.hpp"

namespace renkei {

using namespace std::chrono_literals;

namespace {
constexpr int64_t kWindow = 500;
}

HistoryReader::HistoryReader(Bus& bus, std::string group, std::string cluster)
    : reader_(bus.make_reader(group)), prefix_(std::move(cluster) + "/") {}

std::expected<HistoryReader::Page, BusError> HistoryReader::page(const HistoryFilter& filter,
                                                                 std::optional<int64_t> before, std::size_t limit,
                                                                 std::size_t scan_budget) {
  std::lock_guard lock(mu_);
  limit = std::clamp<std::size_t>(limit, 1, kMaxPage);
  auto w = reader_->watermarks(kHistoryTopic, 0, 8s);
  if (!w) return std::unexpected(w.error());
  Page page;
  int64_t upper = before ? std::min(*before, w->high) : w->high;
  while (upper > w->low && page.entries.size() < limit && page.scanned < scan_budget) {
    const int64_t lower = std::max(w->low, upper - kWindow);
    // One window in offset order; what matches is kept with its offset, newest taken first.
    std::vector<std::pair<int64_t, HistoryEntry>> hits;
    auto r = reader_->scan(kHistoryTopic, 0, lower, upper, [&](const BusMessage& m) {
      ++page.scanned;
      if (!m.key.starts_with(prefix_)) return;
      auto e = history_entry_from_json(m.value);
      if (!e) {
        ++page.unreadable;
        return;
      }
      if (filter.matches(*e)) hits.emplace_back(m.offset, std::move(*e));
    }, 15s);
    if (!r) return std::unexpected(r.error());
    int64_t resume = lower;
    for (auto it = hits.rbegin(); it != hits.rend(); ++it) {
      if (page.entries.size() == limit) {
        resume = it->first + 1;  // this one and older come on the next page
        break;
      }
      page.entries.push_back(std::move(it->second));
    }
    upper = resume;
    if (page.entries.size() == limit) break;
  }
  if (upper > w->low) page.next_before = upper;
  return page;
}

}  // namespace renkei
