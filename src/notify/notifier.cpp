#include "notifier.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "curl_transfer.hpp"
#include "mail_message.hpp"
#include "notify_check.hpp"

namespace renkei {

namespace {

constexpr auto kRestartPause = std::chrono::milliseconds(200);
constexpr auto kMaxBackoff = std::chrono::hours(1);

// "2025-03-04T09:30:00+09:00": what {{at}} shows, in the hub's local time.
std::string local_iso8601(std::chrono::system_clock::time_point at) {
  std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  // The offset by hand: strftime's %z has no colon (+0900), RFC 3339 wants +09:00.
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char zone[8];
  std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, (off / 60) % 100, off % 60);
  return std::string(buf, n) + zone;
}

template <typename F>
void guarded_call(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("notify: the {} counter threw: {}", what, escape_controls(e.what()));
  } catch (...) {
    spdlog::error("notify: the {} counter threw", what);
  }
}

}  // namespace

Notifier::Notifier(NotifyConfig config, Counters counters)
    : config_(std::move(config)), counters_(std::move(counters)) {
  for (std::size_t i = 0; i < config_.webhooks.size(); ++i) {
    const auto& ch = config_.webhooks[i];
    if (auto ok = check_webhook_channel(ch); !ok) {
      spdlog::error("notify: {}; the channel is left out", ok.error());
      continue;
    }
    channels_.push_back({Channel::Kind::Webhook, i, ch.name});
  }
  for (std::size_t i = 0; i < config_.mails.size(); ++i) {
    const auto& ch = config_.mails[i];
    if (auto ok = check_mail_channel(ch); !ok) {
      spdlog::error("notify: {}; the channel is left out", ok.error());
      continue;
    }
    channels_.push_back({Channel::Kind::Mail, i, ch.name});
  }
  for (NotifyEvent e : all_notify_events) {
    auto it = config_.templates.find(e);
    if (it == config_.templates.end()) {
      templates_[e] = default_template(e);
      continue;
    }
    auto subject = check_template(it->second.subject);
    auto body = check_template(it->second.body);
    if (!subject || !body) {
      spdlog::error("notify: template {}: {}; the built-in one is used", to_string(e),
                    !subject ? "subject: " + subject.error() : "body: " + body.error());
      templates_[e] = default_template(e);
      continue;
    }
    templates_[e] = it->second;
  }
  config_.max_attempts = std::max(config_.max_attempts, 1);
  config_.first_backoff = std::max(config_.first_backoff, std::chrono::milliseconds(0));
  config_.queue_limit = std::max<std::size_t>(config_.queue_limit, 1);
  curl_init_once();  // before the worker exists: curl_global_init is not thread-safe
  worker_ = std::thread([this] { run(); });
  pthread_setname_np(worker_.native_handle(), "renkei-notify");
}

Notifier::~Notifier() { stop(); }

void Notifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

std::size_t Notifier::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

void Notifier::notify(NotifyEvent event, NotifyVars vars) {
  std::vector<std::pair<const std::string*, std::string_view>> refused;  // counted outside the lock
  try {
    if (!config_.events.empty() && std::find(config_.events.begin(), config_.events.end(), event) == config_.events.end())
      return;
    if (channels_.empty()) return;
    std::erase_if(vars, [](const auto& v) { return v.first == "event"; });
    vars.insert(vars.begin(), {"event", std::string(to_string(event))});
    if (std::none_of(vars.begin(), vars.end(), [](const auto& v) { return v.first == "at"; }))
      vars.emplace_back("at", local_iso8601(std::chrono::system_clock::now()));
    auto shared = std::make_shared<const NotifyVars>(std::move(vars));
    {
      std::lock_guard lock(mu_);
      auto now = Clock::now();
      for (std::size_t i = 0; i < channels_.size(); ++i) {
        if (stopping_) {
          refused.emplace_back(&channels_[i].name, "stopped");
        } else if (queue_.size() + in_flight_ >= config_.queue_limit) {
          refused.emplace_back(&channels_[i].name, "queue full");
        } else {
          Delivery d;
          d.channel = i;
          d.event = event;
          d.vars = shared;
          queue_.emplace(Key{now, next_seq_++}, std::move(d));
        }
      }
    }
    wake_.notify_one();
  } catch (const std::exception& e) {
    // Out of memory, in practice: the notification is lost, the caller carries on.
    spdlog::error("notify: event {} not queued: {}", to_string(event), escape_controls(e.what()));
  }
  for (const auto& [name, why] : refused) {
    spdlog::warn("notify: channel {} event {}: dropped ({})", *name, to_string(event), why);
    count_dropped(*name, event, why);
  }
}

std::chrono::milliseconds Notifier::backoff(int failed_attempts) const {
  // first_backoff · 2^(n−1), saturating at an hour.
  auto b = config_.first_backoff;
  for (int i = 1; i < failed_attempts && b < kMaxBackoff; ++i) b *= 2;
  return std::min<std::chrono::milliseconds>(b, kMaxBackoff);
}

std::optional<Notifier::Clock::time_point> Notifier::attempt(Delivery& d) {
  const Channel& ch = channels_[d.channel];
  const NotifyTemplate& tpl = templates_.at(d.event);
  std::expected<void, std::string> result;
  if (ch.kind == Channel::Kind::Webhook) {
    if (d.payload.empty()) {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (const auto& [name, value] : *d.vars)
        if (!j.contains(name)) j[name] = value;
      j["text"] = render(tpl.body, *d.vars);
      // replace: a name from a target that is not valid UTF-8 must not make dump() throw.
      d.payload = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
    result = post_webhook(config_.webhooks[ch.index], d.payload, stopping_);
  } else {
    const MailChannel& mail = config_.mails[ch.index];
    if (d.payload.empty())
      d.payload = build_mail_message(mail, render(tpl.subject, *d.vars), render(tpl.body, *d.vars),
                                     make_message_id(mail.from));
    result = send_mail(mail, d.payload, stopping_);
  }

  if (result) {
    count_sent(ch, d.event);
    return std::nullopt;
  }
  ++d.failed_attempts;
  // curl's text can quote a server's reply: escaped so that a reply cannot forge log lines.
  std::string error = escape_controls(result.error());
  if (stopping_) {
    spdlog::warn("notify: channel {} event {}: {}", ch.name, to_string(d.event), error);
    count_dropped(ch.name, d.event, "stopped");
    return std::nullopt;
  }
  if (d.failed_attempts >= config_.max_attempts) {
    spdlog::error("notify: channel {} event {}: attempt {}/{} failed: {}; given up", ch.name, to_string(d.event),
                  d.failed_attempts, config_.max_attempts, error);
    count_dropped(ch.name, d.event, "attempts exhausted");
    return std::nullopt;
  }
  auto wait = backoff(d.failed_attempts);
  spdlog::warn("notify: channel {} event {}: attempt {}/{} failed: {}; next in {} ms", ch.name, to_string(d.event),
               d.failed_attempts, config_.max_attempts, error, wait.count());
  count_failed(ch, d.event);
  return Clock::now() + wait;
}

void Notifier::run() {
  // A thread must never die of an exception: anything escaping one delivery is logged,
  // that delivery is lost, and the loop carries on with the next.
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    auto due = queue_.begin()->first.first;
    if (due > Clock::now()) {
      wake_.wait_until(lock, due);  // woken early by notify() (maybe sooner work) or stop()
      continue;
    }
    auto node = queue_.extract(queue_.begin());
    ++in_flight_;
    lock.unlock();
    Delivery& d = node.mapped();
    std::optional<Clock::time_point> retry_at;
    try {
      retry_at = attempt(d);
    } catch (const std::exception& e) {
      spdlog::error("notify: channel {} event {}: {}; the notification is lost", channels_[d.channel].name,
                    to_string(d.event), escape_controls(e.what()));
      count_dropped(channels_[d.channel].name, d.event, "error");
      std::this_thread::sleep_for(kRestartPause);
    } catch (...) {
      spdlog::error("notify: channel {} event {}: unknown exception; the notification is lost",
                    channels_[d.channel].name, to_string(d.event));
      count_dropped(channels_[d.channel].name, d.event, "error");
      std::this_thread::sleep_for(kRestartPause);
    }
    lock.lock();
    --in_flight_;
    // Back into the queue under the same lock that ends its flight, so that it never
    // counts twice against queue_limit.
    if (retry_at) queue_.emplace(Key{*retry_at, next_seq_++}, std::move(d));
  }
  // Stopping: what is left will not be sent.
  auto left = std::move(queue_);
  queue_.clear();
  lock.unlock();
  if (!left.empty()) spdlog::warn("notify: stopping with {} deliveries unsent", left.size());
  for (const auto& [key, d] : left) count_dropped(channels_[d.channel].name, d.event, "stopped");
}

void Notifier::count_sent(const Channel& ch, NotifyEvent e) const {
  if (counters_.sent) guarded_call("sent", [&] { counters_.sent(ch.name, e); });
}

void Notifier::count_failed(const Channel& ch, NotifyEvent e) const {
  if (counters_.failed) guarded_call("failed", [&] { counters_.failed(ch.name, e); });
}

void Notifier::count_dropped(const std::string& channel, NotifyEvent e, std::string_view why) const {
  if (counters_.dropped) guarded_call("dropped", [&] { counters_.dropped(channel, e, why); });
}

}  // namespace renkei
