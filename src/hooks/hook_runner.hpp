#pragma once
// Job hooks (like HULFT's job links): an admin-configured argv that renkeid runs
// before a route's run, after its success or after its failure. There is no shell and
// no PATH search, so a value that reaches argv or the environment is never parsed as
// a command. A hook runs in its own process group so that a timeout kills what it
// started too, sees only a minimal environment (the daemon's may hold secrets), and
// inherits no descriptor of the daemon beyond stdin (/dev/null), stdout and stderr.
//
// The hook's output is returned, never logged here: it is the hook's business and may
// hold anything. reason() never contains it.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace renkei {

struct HookCommand {
  std::vector<std::string> argv;  // argv[0] must be an absolute path; no PATH search, no shell
  std::chrono::milliseconds timeout{60'000};
};

struct HookResult {
  enum class Outcome { Succeeded, Failed, TimedOut, Signalled, NotStarted };
  Outcome outcome = Outcome::NotStarted;
  int exit_code = -1;      // when it exited
  int signal = 0;          // when killed by a signal
  std::string output;      // stdout and stderr merged, at most max_output bytes (raw bytes)
  bool truncated = false;  // more output came than was kept (the rest was read and discarded, never blocking the child)
  std::chrono::milliseconds took{0};
  // Only for reason(): the timeout that ran out (TimedOut), and what kept the hook
  // from starting (NotStarted: a strerror or the rule the command broke).
  std::chrono::milliseconds limit{0};
  std::string start_error;

  bool ok() const;
  // "exit 3", "timed out after 30 s", "killed by signal 9", "could not start: <why>";
  // never the output.
  std::string reason() const;
};

// Names must be [A-Z_][A-Z0-9_]*, values free of NUL; e.g. {"RENKEI_INTERFACE", "009"}.
using HookEnv = std::vector<std::pair<std::string, std::string>>;

// Runs the hook to the end on the calling thread (HookPool keeps it off the caller's):
// it returns when the hook has exited and been reaped, or was killed at its timeout.
// Never throws.
HookResult run_hook(const HookCommand& cmd, const HookEnv& env, std::size_t max_output = 64 * 1024);

// A NotStarted result whose reason() is "could not start: <why>".
HookResult hook_not_started(std::string why);

std::string_view to_string(HookResult::Outcome o);  // "succeeded" "failed" "timed-out" "signalled" "not-started"

}  // namespace renkei
