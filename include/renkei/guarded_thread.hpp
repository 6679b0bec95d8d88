#pragma once
// A thread of the daemon must never die of an exception: one escaping std::thread's
// function ends the whole process (std::terminate), and a loop that ended quietly would
// leave its part dead while /healthz says all is well. Every long-running thread runs its
// loop through run_guarded: an escaping exception is logged (escaped, no record data can
// be in it by the rule that errors never carry contents), counted, and the loop starts
// again after a pause, until `stopping` says the daemon is going down.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace renkei {

// Times any guarded loop restarted after an exception, in this process (for metrics).
std::atomic<std::uint64_t>& guarded_thread_restarts();

// Runs `body` until it returns normally or `stopping()` is true after a failure; names
// the calling thread `name` (at most 15 bytes are kept by the kernel).
void run_guarded(const char* name, const std::function<void()>& body, const std::function<bool()>& stopping,
                 std::chrono::milliseconds pause = std::chrono::seconds(1));

// For one-shot work on its own thread: runs `body` and gives the exception's text (escaped)
// instead of letting it escape; nullopt when the body returned.
std::optional<std::string> run_catching(const std::function<void()>& body);

}  // namespace renkei
