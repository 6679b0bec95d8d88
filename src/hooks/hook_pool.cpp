#include "hook_pool.hpp"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <system_error>

namespace renkei {
namespace {

std::future<HookResult> ready(std::string why) {
  std::promise<HookResult> p;
  p.set_value(hook_not_started(std::move(why)));
  return p.get_future();
}

// A promise nobody waits on any more, or one already set, must not take the thread.
void answer(std::promise<HookResult>& p, HookResult r) {
  try {
    p.set_value(std::move(r));
  } catch (...) {
  }
}

}  // namespace

HookPool::HookPool(std::size_t threads, std::size_t queue_limit) : queue_limit_(queue_limit) {
  threads = std::max<std::size_t>(threads, 1);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    try {
      threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // run with the threads we have (see the header)
    }
  }
}

HookPool::~HookPool() { stop(); }

std::future<HookResult> HookPool::submit(HookCommand cmd, HookEnv env, std::size_t max_output) {
  try {
    std::lock_guard lk(mu_);
    if (stopping_) return ready("the hub is stopping");
    if (threads_.empty()) return ready("no thread to run hooks on");
    if (queue_.size() >= queue_limit_) return ready("too many hooks waiting");
    queue_.push_back(Job{std::move(cmd), std::move(env), max_output, {}});
    auto f = queue_.back().done.get_future();
    wake_.notify_one();
    return f;
  } catch (const std::exception& e) {
    return ready(e.what());
  }
}

void HookPool::work() {
  pthread_setname_np(pthread_self(), "renkei-hooks");
  for (;;) {
    std::optional<Job> job;
    {
      std::unique_lock lk(mu_);
      wake_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // stop() answers what is left in the queue
      job.emplace(std::move(queue_.front()));
      queue_.pop_front();
    }
    // run_hook does not throw; this only keeps the thread alive if that ever changes.
    try {
      answer(job->done, run_hook(job->cmd, job->env, job->max_output));
    } catch (const std::exception& e) {
      answer(job->done, hook_not_started(e.what()));
    } catch (...) {
      answer(job->done, hook_not_started("an unknown error"));
    }
  }
}

void HookPool::stop() {
  std::deque<Job> left;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    left.swap(queue_);
  }
  wake_.notify_all();
  for (auto& job : left) answer(job.done, hook_not_started("the hub is stopping"));
  std::lock_guard jl(join_mu_);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::size_t HookPool::waiting() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

}  // namespace renkei
