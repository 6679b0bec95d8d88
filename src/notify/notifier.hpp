#pragma once
// Sends the hub's notifications (a run failed, a DLQ grows, a target is down, …) to every
// configured webhook and mail channel, on one worker thread of its own.
//
// notify() never blocks the caller: it puts one delivery per channel into a bounded
// queue and returns. The worker sends each delivery with libcurl; a failed attempt is
// retried after first_backoff, then twice that, and so on up to max_attempts, while the
// deliveries that are due meanwhile go ahead (a backoff is a due time, not a sleep).
// queue_limit bounds the deliveries not yet finished, the one being sent and those
// waiting for a retry included; past it, a delivery is dropped and counted, never queued.
//
// stop() (and the destructor) end the worker promptly: a backoff wait is interrupted,
// a send in progress is abandoned within about a second (and never outlasts its
// channel's timeout), and what is still queued is dropped with why = "stopped".
//
// Logs name the channel, the event and curl's error; never a URL, a password, a token or
// a notification's text.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "renkei/notify/notify_config.hpp"
#include "notify_template.hpp"

namespace renkei {

// For the hub's Prometheus counters. Called from the worker thread, and `dropped` also
// from notify()'s caller and from stop(): each must be thread-safe, quick and must not
// call back into the Notifier. An empty function is not called. An exception from one
// is caught and logged.
struct NotifyCounters {
  std::function<void(std::string_view channel, NotifyEvent event)> sent{};
  // One attempt failed and another will follow.
  std::function<void(std::string_view channel, NotifyEvent event)> failed{};
  // Given up: why is "queue full", "attempts exhausted", "stopped", or "error" (an
  // exception while sending, which the worker survives).
  std::function<void(std::string_view channel, NotifyEvent event, std::string_view why)> dropped{};
};

class Notifier {
 public:
  using Counters = NotifyCounters;

  // A channel that fails check_webhook_channel / check_mail_channel, or a template that
  // fails check_template, is logged and left out (the default template stands in); the
  // loader should have refused them already (notify_check.hpp).
  Notifier(NotifyConfig config, Counters counters = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues `event` for every channel, unless config.events is non-empty and lacks it.
  // "event" is set in the variables (replacing any given), "at" (local ISO 8601 time)
  // when absent. Never blocks, never throws.
  void notify(NotifyEvent event, NotifyVars vars);

  // Idempotent; after it, notify() drops with why = "stopped".
  void stop();

  // Deliveries not yet finished (queued, waiting for a retry, or being sent).
  std::size_t pending() const;

 private:
  struct Channel {
    enum class Kind { Webhook, Mail } kind;
    std::size_t index;  // into config_.webhooks or config_.mails
    std::string name;
  };
  struct Delivery {
    std::size_t channel = 0;  // into channels_
    NotifyEvent event = NotifyEvent::RunFailed;
    std::shared_ptr<const NotifyVars> vars{};  // shared by the deliveries of one notify()
    int failed_attempts = 0;
    // Built at the first attempt and kept, so that every retry of a mail has the same
    // Date and Message-ID (a receiver can tell a repeat from a second notification).
    std::string payload{};
  };
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<Clock::time_point, std::uint64_t>;  // due, then order of arrival

  void run();
  // Sends once and counts the outcome; the time of the next attempt when there is one.
  std::optional<Clock::time_point> attempt(Delivery& d);
  std::chrono::milliseconds backoff(int failed_attempts) const;
  void count_sent(const Channel& ch, NotifyEvent e) const;
  void count_failed(const Channel& ch, NotifyEvent e) const;
  void count_dropped(const std::string& channel, NotifyEvent e, std::string_view why) const;

  NotifyConfig config_;
  Counters counters_;
  std::vector<Channel> channels_;
  std::map<NotifyEvent, NotifyTemplate> templates_;  // one per event, defaults filled in

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<Key, Delivery> queue_;  // guarded by mu_
  std::size_t in_flight_ = 0;      // guarded by mu_
  std::uint64_t next_seq_ = 0;     // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread worker_;
};

}  // namespace renkei
