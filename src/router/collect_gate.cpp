#include "collect_gate.hpp"

#include "renkei/catalogue/file_date.hpp"
#include "renkei/scheduler/date_text.hpp"

namespace renkei {

bool unit_belongs_to_run(const SourceUnit& unit, const RouteDef& route, const std::string& business_date) {
  if (unit.business_date) return *unit.business_date == business_date;
  if (!route.schedule || !route.schedule->file_date) return true;
  auto date = parse_date(business_date);
  return date && file_name_has_date(unit.name, *route.schedule->file_date, *date);
}

void CollectGate::set_gated(std::set<int> routes) {
  std::lock_guard lock(mu_);
  gated_ = std::move(routes);
}

bool CollectGate::gated(int route) const {
  std::lock_guard lock(mu_);
  return gated_.contains(route);
}

bool CollectGate::held_back(int route) const {
  std::lock_guard lock(mu_);
  return gated_.contains(route) && !open_.contains(route);
}

bool CollectGate::open(int route) const {
  std::lock_guard lock(mu_);
  return open_.contains(route);
}

void CollectGate::open_gate(int route, std::string business_date) {
  std::lock_guard lock(mu_);
  Tally t;
  t.business_date = std::move(business_date);
  t.opening = ++openings_;
  open_[route] = std::move(t);
}

CollectGate::Tally CollectGate::close_gate(int route) {
  std::lock_guard lock(mu_);
  auto it = open_.find(route);
  if (it == open_.end()) return {};
  Tally t = it->second;
  open_.erase(it);
  return t;
}

std::optional<CollectGate::Tally> CollectGate::tally(int route) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(route);
  if (it == open_.end()) return std::nullopt;
  return it->second;
}

std::optional<CollectGate::Time> CollectGate::last_carried(int route) const {
  std::lock_guard lock(mu_);
  auto it = last_carried_.find(route);
  if (it == last_carried_.end()) return std::nullopt;
  return it->second;
}

void CollectGate::carried(int route, std::uint64_t records, Time at, const std::string& batch_id,
                          const std::string& file_name) {
  std::lock_guard lock(mu_);
  last_carried_[route] = at;
  if (auto it = open_.find(route); it != open_.end()) {
    ++it->second.files;
    it->second.records += records;
    if (!batch_id.empty()) it->second.batch_ids.push_back(batch_id);
    if (!file_name.empty()) it->second.file_names.push_back(file_name);
    it->second.error.reset();
  }
}

void CollectGate::failed(int route, std::string detail) {
  std::lock_guard lock(mu_);
  if (auto it = open_.find(route); it != open_.end()) it->second.error = std::move(detail);
}

void CollectGate::scanned(int route, bool left_over) {
  std::lock_guard lock(mu_);
  if (auto it = open_.find(route); it != open_.end()) {
    ++it->second.scans;
    it->second.left_over = left_over;
  }
}

}  // namespace renkei
