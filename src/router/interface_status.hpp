#pragma once
// What the router knows about each route beyond its counters: when a batch was last
// delivered or held, when the route last backed off after a transient failure, and
// when its source last refused a spool entry.
// The counts themselves (received, delivered, dead letters, retries, lag) stay in the
// metrics registry, so /metrics and the status page can never disagree about them.
//
// Written by the router thread at batch events (a delivered batch, a held batch, a
// back-off; never per record), read by the admin HTTP thread. One slot of relaxed
// atomics per route id: no locks, no allocation. Record contents never come here.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace renkei {

struct RouteActivity {
  using Time = std::chrono::system_clock::time_point;
  std::optional<Time> last_delivery;  // the last batch durably delivered to the target
  std::optional<Time> last_held;      // the last batch held (dead-lettered whole)
  std::optional<Time> last_backoff;   // the last transient failure that paused the route
  std::optional<Time> backoff_until;  // when the longest running back-off ends (may be past)
  std::optional<Time> last_spool_refusal;  // the last spool entry the source left unread
};

class InterfaceStatus {
 public:
  using Clock = std::chrono::system_clock;
  // Route ids are 1..999 (config_loader); other ids are ignored.
  static constexpr int kMaxRoute = 999;

  void delivered(int route, Clock::time_point at = Clock::now());
  void held(int route, Clock::time_point at = Clock::now());
  // A partition of the route is paused for `pause` after a transient failure.
  void backing_off(int route, std::chrono::milliseconds pause, Clock::time_point at = Clock::now());

  // The source refused an entry of the route's spool (a symlink, a bad name …).
  void spool_refused(int route, Clock::time_point at = Clock::now());

  RouteActivity activity(int route) const;

 private:
  // Milliseconds since the epoch; 0 = never.
  struct Slot {
    std::atomic<std::int64_t> delivered{0};
    std::atomic<std::int64_t> held{0};
    std::atomic<std::int64_t> backoff{0};
    std::atomic<std::int64_t> backoff_until{0};
    std::atomic<std::int64_t> spool_refused{0};
  };
  Slot* slot(int route);
  const Slot* slot(int route) const;

  std::array<Slot, kMaxRoute + 1> slots_{};
};

}  // namespace renkei
