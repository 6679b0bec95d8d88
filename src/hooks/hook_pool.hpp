#pragma once
// Hooks run on threads of their own: a hook may take up to its timeout (a minute by
// default), and the thread that finished a route's run must not wait for it. The
// queue is bounded so that a storm of runs cannot pile up processes to start.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "hook_runner.hpp"

namespace renkei {

class HookPool {
 public:
  static constexpr std::size_t kDefaultQueueLimit = 64;

  // At least one thread. If the system refuses to start some, the pool runs with
  // those it got; with none, every submit answers NotStarted.
  explicit HookPool(std::size_t threads = 2, std::size_t queue_limit = kDefaultQueueLimit);
  ~HookPool();  // stop()
  HookPool(const HookPool&) = delete;
  HookPool& operator=(const HookPool&) = delete;

  // Never blocks on the hook and never throws for a refusal: when the queue is full
  // or the pool is stopping, the future is already ready with a NotStarted result.
  std::future<HookResult> submit(HookCommand cmd, HookEnv env, std::size_t max_output = 64 * 1024);

  // Hooks already running finish (each is bounded by its timeout); those still
  // waiting are answered NotStarted ("the hub is stopping"), and so is any later
  // submit. Returns when the threads are gone. Idempotent.
  void stop();

  // Jobs queued and not yet picked up by a thread.
  std::size_t waiting() const;

 private:
  struct Job {
    HookCommand cmd;
    HookEnv env;
    std::size_t max_output;
    std::promise<HookResult> done;
  };
  void work();

  const std::size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::mutex join_mu_;  // stop() from two threads: one joins, the other waits for it
  std::vector<std::thread> threads_;
};

}  // namespace renkei
