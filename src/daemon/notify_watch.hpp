#pragma once
// The notifications the hub detects by watching itself (the scheduler tells its own):
// dead letters new on a route since the last check (dlq-growth, every notify.dlq_check_s)
// and a target system's adapter down for notify.target_down_after_s without a break
// (target-down, once until it is up again). Pure bookkeeping over snapshots the health
// thread takes, so each rule is testable without a hub.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "notify_template.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/notify/notify_config.hpp"

namespace renkei {

class NotifyWatch {
 public:
  using Clock = std::chrono::steady_clock;
  struct Event {
    NotifyEvent event;
    NotifyVars vars;
  };
  // `dead_letters`: per route, dead letters since start; `up`: per target system, whether
  // its adapter is up.
  std::vector<Event> check(const Catalogue& c, const std::map<int, std::uint64_t>& dead_letters,
                           const std::map<std::string, bool>& up, Clock::time_point now);

 private:
  bool primed_ = false;
  std::map<int, std::uint64_t> dlq_seen_;
  Clock::time_point next_dlq_check_{};
  std::map<std::string, Clock::time_point> down_since_;
  std::set<std::string> down_told_;
};

}  // namespace renkei
