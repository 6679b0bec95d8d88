#include "notify_watch.hpp"

namespace renkei {

std::vector<NotifyWatch::Event> NotifyWatch::check(const Catalogue& c, const std::map<int, std::uint64_t>& dead_letters,
                                                   const std::map<std::string, bool>& up, Clock::time_point now) {
  std::vector<Event> out;
  const auto& n = c.hub.notify;
  if (!primed_) {
    primed_ = true;
    dlq_seen_ = dead_letters;
    next_dlq_check_ = now + std::chrono::seconds(n.dlq_check_s);
  } else if (now >= next_dlq_check_) {
    next_dlq_check_ = now + std::chrono::seconds(n.dlq_check_s);
    for (const auto& [route, total] : dead_letters) {
      auto& seen = dlq_seen_[route];
      if (total <= seen) continue;
      const RouteDef* r = c.route(route);
      out.push_back({NotifyEvent::DlqGrowth,
                     {{"interface", interface_label(route)},
                      {"interface_name", r ? r->name : std::string()},
                      {"count", std::to_string(total - seen)},
                      {"route_dlq_count", std::to_string(total)}}});
      seen = total;
    }
  }
  for (const auto& [system, is_up] : up) {
    if (is_up) {
      down_since_.erase(system);
      down_told_.erase(system);
      continue;
    }
    auto since = down_since_.try_emplace(system, now).first->second;
    const auto down_for = std::chrono::duration_cast<std::chrono::seconds>(now - since);
    if (down_for.count() < n.target_down_after_s || down_told_.contains(system)) continue;
    down_told_.insert(system);
    const SystemDef* s = c.system(system);
    out.push_back({NotifyEvent::TargetDown,
                   {{"target", s ? s->name + " (" + system + ")" : system},
                    {"minutes", std::to_string(down_for.count() / 60)}}});
  }
  return out;
}

}  // namespace renkei
