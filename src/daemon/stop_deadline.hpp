#pragma once
// SIGTERM drains: lanes finish what they hold, the producer flushes, offsets of what is
// durable are committed. A drain can wait without end on what is outside the hub (the
// broker gone, a peer that accepts and never answers), and systemd's SIGKILL at
// TimeoutStopSec would then be the only way out. A StopDeadline armed at the signal ends
// the process itself at `limit`, logged: what was not durable is not committed, so it is
// delivered again after the restart (at-least-once, the ledger drops the repeat).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace renkei {

class StopDeadline {
 public:
  // Calls `expire` on its own thread once `limit` has passed, unless destroyed first.
  // The default ends the process: log critical, then std::_Exit(0) (no destructors: they
  // would wait on the same stuck drain).
  explicit StopDeadline(std::chrono::milliseconds limit, std::function<void()> expire = {});
  ~StopDeadline();  // the drain finished in time: the deadline is called off
  StopDeadline(const StopDeadline&) = delete;
  StopDeadline& operator=(const StopDeadline&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace renkei
