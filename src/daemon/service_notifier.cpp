#include "service_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace renkei {

void ServiceNotifier::ready(const std::string& status) { sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str()); }

void ServiceNotifier::reloading() {
  // MONOTONIC_USEC lets Type=notify-reload (systemd ≥ 253) match this to its own request.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec =
      static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration", usec);
}

void ServiceNotifier::stopping() { sd_notify(0, "STOPPING=1\nSTATUS=draining in-flight work"); }

void ServiceNotifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

void ServiceNotifier::status(const std::string& status) { sd_notifyf(0, "STATUS=%s", status.c_str()); }

std::chrono::microseconds ServiceNotifier::watchdog_period() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(usec / 2);
}

}  // namespace renkei
