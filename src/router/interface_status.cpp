#include "interface_status.hpp"

namespace renkei {
namespace {

std::int64_t to_ms(InterfaceStatus::Clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms > 0 ? ms : 1;  // 0 means "never"
}

std::optional<RouteActivity::Time> from_ms(const std::atomic<std::int64_t>& v) {
  const std::int64_t ms = v.load(std::memory_order_relaxed);
  if (ms == 0) return std::nullopt;
  return RouteActivity::Time(std::chrono::duration_cast<RouteActivity::Time::duration>(std::chrono::milliseconds(ms)));
}

// Keeps the later of the two: events of a route's partitions may come in any order.
void store_max(std::atomic<std::int64_t>& v, std::int64_t ms) {
  std::int64_t old = v.load(std::memory_order_relaxed);
  while (old < ms && !v.compare_exchange_weak(old, ms, std::memory_order_relaxed)) {
  }
}

}  // namespace

InterfaceStatus::Slot* InterfaceStatus::slot(int route) {
  return route >= 1 && route <= kMaxRoute ? &slots_[static_cast<std::size_t>(route)] : nullptr;
}

const InterfaceStatus::Slot* InterfaceStatus::slot(int route) const {
  return route >= 1 && route <= kMaxRoute ? &slots_[static_cast<std::size_t>(route)] : nullptr;
}

void InterfaceStatus::delivered(int route, Clock::time_point at) {
  if (Slot* s = slot(route)) store_max(s->delivered, to_ms(at));
}

void InterfaceStatus::held(int route, Clock::time_point at) {
  if (Slot* s = slot(route)) store_max(s->held, to_ms(at));
}

void InterfaceStatus::backing_off(int route, std::chrono::milliseconds pause, Clock::time_point at) {
  Slot* s = slot(route);
  if (!s) return;
  store_max(s->backoff, to_ms(at));
  store_max(s->backoff_until, to_ms(at + pause));
}

void InterfaceStatus::spool_refused(int route, Clock::time_point at) {
  if (Slot* s = slot(route)) store_max(s->spool_refused, to_ms(at));
}

RouteActivity InterfaceStatus::activity(int route) const {
  const Slot* s = slot(route);
  if (!s) return {};
  return RouteActivity{from_ms(s->delivered), from_ms(s->held), from_ms(s->backoff), from_ms(s->backoff_until),
                       from_ms(s->spool_refused)};
}

}  // namespace renkei
