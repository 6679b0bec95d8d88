#pragma once
// Lock-out after repeated failed logins: a name with `max_failures` failures within
// `window` is locked for `lock_for`, whether or not that person exists (so the answer
// never tells which names are real). Bounded: at most `max_names` names are tracked, the
// oldest forgotten first. Thread-safe.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace renkei {

class LoginGuard {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int max_failures = 5;
    std::chrono::seconds window = std::chrono::minutes(15);
    std::chrono::seconds lock_for = std::chrono::minutes(15);
    std::size_t max_names = 10000;
  };
  LoginGuard() : LoginGuard(Options{}) {}
  explicit LoginGuard(Options o) : options_(o) {}

  // Seconds left of the lock on `name`, 0 when it may try.
  long long locked_for(std::string_view name, Clock::time_point now) const;
  // Counts a failure; true when this one locked the name.
  bool failed(std::string_view name, Clock::time_point now);
  void succeeded(std::string_view name);

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point first{};
    Clock::time_point locked_until{};
    Clock::time_point last{};
  };
  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> names_;
};

}  // namespace renkei
