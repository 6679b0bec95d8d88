#pragma once
// Tells systemd (Type=notify) how renkeid is doing: READY=1 once the configuration is
// loaded and the bus answers, WATCHDOG=1 from the event loop, RELOADING=1 … READY=1
// around a reload so `systemctl reload` waits for its result, STOPPING=1 on the way out.
// Without NOTIFY_SOCKET (not under systemd) every call does nothing.
#include <chrono>
#include <string>

namespace renkei {

class ServiceNotifier {
 public:
  void ready(const std::string& status);
  void reloading();
  void stopping();
  void watchdog();
  void status(const std::string& status);
  // Half the interval systemd expects pings at (WatchdogSec), or zero when it expects none.
  std::chrono::microseconds watchdog_period() const;
};

}  // namespace renkei
