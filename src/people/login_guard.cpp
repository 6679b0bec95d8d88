#include "renkei/people/login_guard.hpp"

#include <algorithm>

namespace renkei {

long long LoginGuard::locked_for(std::string_view name, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = names_.find(name);
  if (it == names_.end() || it->second.locked_until <= now) return 0;
  return std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now).count());
}

bool LoginGuard::failed(std::string_view name, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = names_.find(name);
  if (it == names_.end()) {
    if (names_.size() >= options_.max_names) {
      auto oldest = std::min_element(names_.begin(), names_.end(),
                                     [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
      names_.erase(oldest);
    }
    it = names_.emplace(std::string(name), Entry{}).first;
  }
  Entry& e = it->second;
  e.last = now;
  if (e.failures == 0 || now - e.first > options_.window) {
    e.failures = 0;
    e.first = now;
  }
  if (++e.failures < options_.max_failures) return false;
  e.failures = 0;
  e.locked_until = now + options_.lock_for;
  return true;
}

void LoginGuard::succeeded(std::string_view name) {
  std::lock_guard lock(mu_);
  if (auto it = names_.find(name); it != names_.end()) names_.erase(it);
}

}  // namespace renkei
