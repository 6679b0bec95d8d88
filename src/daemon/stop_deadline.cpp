#include "stop_deadline.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace renkei {

StopDeadline::StopDeadline(std::chrono::milliseconds limit, std::function<void()> expire) {
  if (!expire) {
    expire = [limit] {
      spdlog::critical("stop: the drain did not finish within hub.stop_timeout_s ({:g} s); exiting without it: "
                       "what was not durable is not committed and is delivered again after the restart",
                       static_cast<double>(limit.count()) / 1000.0);
      spdlog::default_logger()->flush();
      std::_Exit(0);
    };
  }
  thread_ = std::thread([this, limit, expire = std::move(expire)] {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, limit, [this] { return done_; })) return;
    lock.unlock();
    expire();
  });
}

StopDeadline::~StopDeadline() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace renkei
