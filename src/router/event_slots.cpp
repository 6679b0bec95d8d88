#include "event_slots.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "dead_letter.hpp"
#include "renkei/batch.hpp"
#include "renkei/guarded_thread.hpp"

namespace renkei {

using namespace std::chrono_literals;

std::optional<double> seconds_since_ingest(const BusMessage& msg) {
  // "2026-11-25T09:46:30.123Z"
  auto s = msg.header(hdr::kIngestedAt);
  if (!s || s->size() > 32) return std::nullopt;
  std::tm tm{};
  int ms = 0;
  const std::string text(*s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const double at = static_cast<double>(timegm(&tm)) + ms / 1000.0;
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return std::max(0.0, now - at);
}

std::string EventSlots::ordering_key(const BusMessage& msg) {
  if (!msg.key.empty()) return std::string(msg.key);
  // No key: the partition is the unit of order, as on the route topic itself.
  return std::string(msg.topic) + ":" + std::to_string(msg.partition);
}

EventSlots::EventSlots(const std::string& lane_name, unsigned count, Deps deps) : deps_(std::move(deps)) {
  count = std::max(1u, count);
  for (unsigned i = 0; i < count; ++i)
    workers_.emplace_back([this, name = lane_name + "." + std::to_string(i)] {
      run_guarded(name.c_str(), [this] { work(); }, [this] { return stopping_.load(); });
    });
}

EventSlots::~EventSlots() { stop(); }

void EventSlots::push(EventJob job) {
  job.offsets->hold(job.msg.offset);
  std::string key = ordering_key(job.msg);
  {
    std::lock_guard lock(mu_);
    auto& q = waiting_[key];
    q.push_back(std::move(job));
    // A key becomes ready with its first waiting event unless one is in flight (then
    // the slot finishing that one puts it back in line).
    if (q.size() == 1 && !in_flight_.contains(key)) ready_.push_back(std::move(key));
  }
  work_cv_.notify_one();
}

void EventSlots::stop() {
  {
    std::lock_guard lock(mu_);  // a worker between its check and its wait sees the flag
    stopping_ = true;
  }
  work_cv_.notify_all();
  stop_cv_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  // Left held: nothing of these is committed, they come again.
  for (auto& [key, q] : waiting_)
    for (auto& job : q) deps_.finished(job.cost);
  waiting_.clear();
  ready_.clear();
}

void EventSlots::work() {
  while (!stopping_) {
    std::optional<EventJob> job;
    std::string key;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      key = std::move(ready_.front());
      ready_.pop_front();
      auto it = waiting_.find(key);
      job.emplace(std::move(it->second.front()));
      it->second.pop_front();
      in_flight_.insert(key);
    }
    deliver_event_job(*job, deps_.dlq, deps_.metrics, [this](std::chrono::milliseconds d) { return pause_for(d); });
    {
      std::lock_guard lock(mu_);
      in_flight_.erase(key);
      auto it = waiting_.find(key);
      if (it->second.empty())
        waiting_.erase(it);
      else
        ready_.push_back(key);
    }
    work_cv_.notify_one();
    deps_.finished(job->cost);
  }
}

bool EventSlots::pause_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void deliver_event_job(EventJob& job, Producer& dlq, HubMetrics& metrics,
                       const std::function<bool(std::chrono::milliseconds)>& pause) {
  if (job.offsets->retired()) return;  // revoked: its next owner delivers it
  const RouteDef& route = *job.route;
  const std::string_view record = job.converted ? std::string_view(*job.converted) : job.msg.value;
  auto d = job.sink->deliver_event(job.event, record);
  // An event has no state to rebuild: it is tried again where it is, holding up only the
  // events queued behind it (the lane's bound pauses the partitions once enough wait, so
  // nothing more is fetched meanwhile).
  std::chrono::milliseconds backoff{0};
  while (!d && d.error().transient) {
    const RetryPolicy policy = job.sink->retry_policy();
    backoff = std::clamp(backoff * 2, policy.first, policy.max);
    metrics.retries(route.id).inc();
    metrics.target_up(Catalogue::target_carrier(route)).set(0);
    metrics.status().backing_off(route.id, backoff);
    spdlog::warn("route {}: delivery failed ({}); trying offset {} again in {} ms", interface_label(route.id),
                 d.error().detail, job.msg.offset, backoff.count());
    if (!pause(backoff) || job.offsets->retired()) return;  // still held: it comes again
    d = job.sink->deliver_event(job.event, record);
  }
  // Taken or refused, the target answered.
  metrics.target_up(Catalogue::target_carrier(route)).set(1);
  if (!d) {
    spdlog::warn("route {}: event refused by {} ({}); it is on {}", interface_label(route.id),
                 Catalogue::target_carrier(route), d.error().detail, route.dlq_topic());
    write_dead_letter(dlq, metrics, job.offsets, job.msg, route, {d.error().kind, d.error().detail, {}, {}});
  } else {
    metrics.delivered(route.id, route.to).inc();
    metrics.status().delivered(route.id);
    if (auto age = seconds_since_ingest(job.msg)) metrics.latency(route.id).observe(*age);
  }
  // The target took it (or the DLQ write holds it now): its offset may be committed.
  job.offsets->release(job.msg.offset);
}

}  // namespace renkei
