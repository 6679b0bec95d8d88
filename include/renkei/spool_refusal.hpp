#pragma once
// Spool entries a source refused (not a regular file, a name that is not a SpoolName).
// Sources know nothing of the hub's metrics, and the Source interface has no channel for
// this, so the source notes each refusal here (once per entry) and the source runner
// takes them after every scan and counts them (renkei_spool_refused_total). Only the
// route and a fixed reason word travel: never the name.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace renkei {

struct SpoolRefusal {
  int route_id = 0;
  std::string reason;  // "symlink", "fifo", "device", "socket", "directory", "other-type", "bad-name"
};

class SpoolRefusals {
 public:
  void add(int route_id, std::string reason) {
    std::lock_guard lock(mu_);
    // Bounded: if nobody takes them (a tool without a runner) the oldest matter least.
    if (pending_.size() < kMaxPending) pending_.push_back({route_id, std::move(reason)});
  }
  std::vector<SpoolRefusal> take() {
    std::lock_guard lock(mu_);
    return std::exchange(pending_, {});
  }

 private:
  static constexpr std::size_t kMaxPending = 100'000;
  std::mutex mu_;
  std::vector<SpoolRefusal> pending_;
};

// The one process-wide channel.
inline SpoolRefusals& spool_refusals() {
  static SpoolRefusals instance;
  return instance;
}

}  // namespace renkei
