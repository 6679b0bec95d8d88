#include "renkei/guarded_thread.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <optional>

#include "renkei/outside_value.hpp"

namespace renkei {

std::atomic<std::uint64_t>& guarded_thread_restarts() {
  static std::atomic<std::uint64_t> n{0};
  return n;
}

std::optional<std::string> run_catching(const std::function<void()>& body) {
  try {
    body();
    return std::nullopt;
  } catch (const std::exception& e) {
    return escape_for_log(e.what());
  } catch (...) {
    return std::string("an exception that is not a std::exception");
  }
}

void run_guarded(const char* name, const std::function<void()>& body, const std::function<bool()>& stopping,
                 std::chrono::milliseconds pause) {
  pthread_setname_np(pthread_self(), name);
  for (;;) {
    auto failed = run_catching(body);
    if (!failed) return;
    ++guarded_thread_restarts();
    if (stopping()) {
      spdlog::error("thread {}: {}; not restarted, the daemon is stopping", name, *failed);
      return;
    }
    spdlog::error("thread {}: {}; its loop starts again in {} ms", name, *failed, pause.count());
    // Sleep in slices so that a stop is not held up by the pause.
    for (auto slept = std::chrono::milliseconds(0); slept < pause && !stopping(); slept += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stopping()) return;
  }
}

}  // namespace renkei
