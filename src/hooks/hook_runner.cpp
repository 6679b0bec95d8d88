#include "hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>

namespace renkei {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After SIGTERM at the timeout, the time the group gets to clean up before SIGKILL.
constexpr milliseconds kTermGrace{2'000};
// After the hook itself exited, how long a process it left behind may still hold the
// pipe: its last output is worth a moment, not an unbounded wait.
constexpr milliseconds kLinger{1'000};
// Without a pidfd (old kernel, seccomp) the exit is noticed by looking this often.
constexpr milliseconds kExitPoll{20};

// The daemon variables a hook may see; anything else may be a secret.
constexpr std::array<const char*, 5> kPassedThrough{"PATH", "HOME", "LANG", "LC_ALL", "TZ"};

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r: thread-safe, returns the text (maybe not in buf).
  return strerror_r(err, buf, sizeof buf);
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  // False (errno set) when it could not be moved.
  bool lift_above_stdio() {
    if (fd_ > 2) return true;
    int moved = ::fcntl(fd_, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return false;
    reset();
    fd_ = moved;
    return true;
  }
  void reset() {
    // No retry on EINTR: on Linux the descriptor is gone either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

bool valid_env_name(const std::string& name) {
  if (name.empty()) return false;
  if (!(name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z'))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Names the rule broken, never a value: a value may be a secret.
std::optional<std::string> refuse(const HookCommand& cmd, const HookEnv& env) {
  if (cmd.argv.empty()) return "the hook has no command";
  if (cmd.argv[0].empty() || cmd.argv[0][0] != '/')
    return "argv[0] must be an absolute path (there is no PATH search): " + cmd.argv[0];
  for (std::size_t i = 0; i < cmd.argv.size(); ++i)
    if (has_nul(cmd.argv[i])) return "argv[" + std::to_string(i) + "] contains a NUL byte";
  if (cmd.timeout <= milliseconds::zero()) return "the timeout must be positive";
  for (const auto& [name, value] : env) {
    if (!valid_env_name(name)) return "environment name is not [A-Z_][A-Z0-9_]*: " + name;
    if (has_nul(value)) return "the value of environment variable " + name + " contains a NUL byte";
  }
  return std::nullopt;
}

std::vector<std::string> child_environment(const HookEnv& env) {
  std::vector<std::string> out;
  auto put = [&out](const std::string& name, const std::string& value) {
    const auto prefix = name + "=";
    auto it = std::find_if(out.begin(), out.end(), [&](const std::string& e) { return e.starts_with(prefix); });
    if (it != out.end())
      *it = prefix + value;
    else
      out.push_back(prefix + value);
  };
  for (const char* name : kPassedThrough)
    if (const char* value = std::getenv(name)) put(name, value);
  if (!std::getenv("PATH")) put("PATH", "/usr/bin:/bin");
  for (const auto& [name, value] : env) put(name, value);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool have_actions = false, have_attr = false;
  SpawnSetup() = default;
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    if (have_actions) posix_spawn_file_actions_destroy(&actions);
    if (have_attr) posix_spawnattr_destroy(&attr);
  }
};

// 0 or an errno value.
int prepare(SpawnSetup& s, int write_fd) {
  if (int e = posix_spawn_file_actions_init(&s.actions)) return e;
  s.have_actions = true;
  if (int e = posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0)) return e;
  if (int e = posix_spawn_file_actions_adddup2(&s.actions, write_fd, 1)) return e;
  if (int e = posix_spawn_file_actions_adddup2(&s.actions, write_fd, 2)) return e;
  // Descriptors another thread opens without O_CLOEXEC must not reach the hook either.
  if (int e = posix_spawn_file_actions_addclosefrom_np(&s.actions, 3)) return e;

  if (int e = posix_spawnattr_init(&s.attr)) return e;
  s.have_attr = true;
  sigset_t none, all;
  sigemptyset(&none);
  // Every signal the daemon ignores (SIGPIPE, SIGHUP, ...) would stay ignored across
  // exec, and a hook that cannot be stopped by SIGTERM or does not see EPIPE misbehaves.
  // (glibc still leaves its internal signals 32 and 33 ignored; sigfillset omits them.)
  sigfillset(&all);
  sigdelset(&all, SIGKILL);  // cannot be set anyway; some libcs fail the spawn on them
  sigdelset(&all, SIGSTOP);
  if (int e = posix_spawnattr_setsigmask(&s.attr, &none)) return e;
  if (int e = posix_spawnattr_setsigdefault(&s.attr, &all)) return e;
  // pgid 0: the child leads a group of its own, so kill(-pid) reaches what it starts.
  if (int e = posix_spawnattr_setpgroup(&s.attr, 0)) return e;
  return posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

// The spawned child. Until reaped it stays a zombie at worst, which keeps its pid and
// so its process group id from being reused: kill(-pid) can never hit a stranger.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Only reached without reap() when something threw: leave no process behind.
  ~Child() {
    if (reaped_) return;
    kill_group(SIGKILL);
    reap();
  }
  pid_t pid() const { return pid_; }
  void kill_group(int sig) const { ::kill(-pid_, sig); }

  // Has it exited? Does not reap (WNOWAIT), for the reason above.
  bool exited() {
    if (exited_) return true;
    siginfo_t info{};
    for (;;) {
      int r = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
      if (r == 0) break;
      if (errno == EINTR) continue;
      // ECHILD: reaped behind our back (the daemon ignores SIGCHLD); it is gone.
      exited_ = true;
      return true;
    }
    exited_ = info.si_pid == pid_;
    return exited_;
  }

  // Blocks until the child is gone; the status, or nullopt when it is lost (ECHILD).
  std::optional<int> reap() {
    reaped_ = true;
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(pid_, &status, 0);
      if (r == pid_) return status;
      if (r < 0 && errno == EINTR) continue;
      return std::nullopt;
    }
  }

 private:
  pid_t pid_;
  bool exited_ = false;
  bool reaped_ = false;
};

class OutputSink {
 public:
  OutputSink(HookResult& r, std::size_t max) : r_(r), max_(max) {}
  // One read, so that a hook that writes without pause cannot keep the caller from
  // its deadlines. True at end of file or on a read error (nothing more will come).
  bool read_once(int fd) {
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        keep(buf, static_cast<std::size_t>(n));
        return false;
      }
      if (n == 0) return true;
      if (errno == EINTR) continue;
      return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  void keep(const char* p, std::size_t n) {
    std::size_t room = max_ - std::min(max_, r_.output.size());
    if (n > room) r_.truncated = true;
    r_.output.append(p, std::min(n, room));
  }
  HookResult& r_;
  std::size_t max_;
};

int poll_ms(Clock::time_point now, Clock::time_point until) {
  if (until <= now) return 0;
  auto ms = std::chrono::ceil<milliseconds>(until - now).count();
  return static_cast<int>(std::min<decltype(ms)>(ms, 60'000));
}

// Reads the pipe until end of file and exit, bounded as the header describes. True
// when the timeout ran out.
bool watch(Child& child, int read_fd, const HookCommand& cmd, OutputSink& sink, Clock::time_point start) {
  // The raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C". -1 is fine: kExitPoll.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child.pid(), 0)));
  const auto deadline = start + cmd.timeout;
  bool exited = false, eof = false, timed_out = false;
  Clock::time_point term_until{}, linger_until{};
  for (;;) {
    auto now = Clock::now();
    if (!exited && child.exited()) {
      exited = true;
      linger_until = std::min(now + kLinger, timed_out ? term_until : deadline);
    }
    if (exited && eof) break;
    if (!timed_out && !exited && now >= deadline) {
      child.kill_group(SIGTERM);
      timed_out = true;
      term_until = now + kTermGrace;
    }
    if ((timed_out && now >= term_until) || (exited && now >= linger_until)) {
      // Whatever still holds the pipe (or still runs, at a timeout) is cut off.
      child.kill_group(SIGKILL);
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    int pipe_slot = -1;
    if (!eof) {
      pipe_slot = static_cast<int>(n);
      fds[n++] = pollfd{read_fd, POLLIN, 0};
    }
    if (!exited && pidfd.get() >= 0) fds[n++] = pollfd{pidfd.get(), POLLIN, 0};
    int wait = poll_ms(now, exited ? linger_until : timed_out ? term_until : deadline);
    if (!exited && pidfd.get() < 0) wait = std::min(wait, static_cast<int>(kExitPoll.count()));
    int r = ::poll(fds, n, wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      child.kill_group(SIGKILL);  // cannot watch it, so it must not run unwatched
      break;
    }
    if (pipe_slot >= 0 && fds[pipe_slot].revents != 0) eof = sink.read_once(read_fd);
  }
  // A timed-out job's leftovers in the group that no longer hold the pipe go too.
  if (timed_out) child.kill_group(SIGKILL);
  return timed_out;
}

void set_status(HookResult& r, std::optional<int> status, bool timed_out) {
  if (!status) {
    r.outcome = HookResult::Outcome::Failed;  // the status is lost: not a success
  } else if (WIFEXITED(*status)) {
    r.exit_code = WEXITSTATUS(*status);
    r.outcome = r.exit_code == 0 ? HookResult::Outcome::Succeeded : HookResult::Outcome::Failed;
  } else if (WIFSIGNALED(*status)) {
    r.signal = WTERMSIG(*status);
    r.outcome = HookResult::Outcome::Signalled;
  } else {
    r.outcome = HookResult::Outcome::Failed;
  }
  if (timed_out) r.outcome = HookResult::Outcome::TimedOut;
}

HookResult run(const HookCommand& cmd, const HookEnv& env, std::size_t max_output) {
  const auto start = Clock::now();
  if (auto why = refuse(cmd, env)) return hook_not_started(std::move(*why));

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return hook_not_started("pipe: " + errno_text(errno));
  Fd read_end(p[0]), write_end(p[1]);
  // The file actions that set up 0, 1 and 2 must not overwrite the pipe, which a
  // daemon started with a closed stdin would get as fd 0.
  if (!read_end.lift_above_stdio() || !write_end.lift_above_stdio())
    return hook_not_started("pipe: " + errno_text(errno));
  // Only our end: the child's must block as usual when the pipe is full.
  int fl = ::fcntl(read_end.get(), F_GETFL);
  if (fl < 0 || ::fcntl(read_end.get(), F_SETFL, fl | O_NONBLOCK) != 0)
    return hook_not_started("pipe: " + errno_text(errno));

  SpawnSetup setup;
  if (int e = prepare(setup, write_end.get())) return hook_not_started("posix_spawn setup: " + errno_text(e));
  std::vector<std::string> argv_store(cmd.argv.begin(), cmd.argv.end());
  std::vector<std::string> env_store = child_environment(env);
  auto argv = c_strings(argv_store);
  auto envp = c_strings(env_store);

  pid_t pid = -1;
  if (int e = ::posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data()))
    return hook_not_started(cmd.argv[0] + ": " + errno_text(e));
  Child child(pid);
  write_end.reset();  // else we would never see end of file

  HookResult r;
  OutputSink sink(r, max_output);
  bool timed_out = watch(child, read_end.get(), cmd, sink, start);
  read_end.reset();
  set_status(r, child.reap(), timed_out);
  if (timed_out) r.limit = cmd.timeout;
  r.took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  return r;
}

std::string seconds_text(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

HookResult hook_not_started(std::string why) {
  HookResult r;
  r.outcome = HookResult::Outcome::NotStarted;
  r.start_error = std::move(why);
  return r;
}

HookResult run_hook(const HookCommand& cmd, const HookEnv& env, std::size_t max_output) {
  try {
    return run(cmd, env, max_output);
  } catch (const std::exception& e) {
    // The Child guard has already killed and reaped anything that was started.
    return hook_not_started(e.what());
  } catch (...) {
    return hook_not_started("an unknown error");
  }
}

bool HookResult::ok() const { return outcome == Outcome::Succeeded; }

std::string HookResult::reason() const {
  switch (outcome) {
    case Outcome::Succeeded:
    case Outcome::Failed:
      if (exit_code < 0) return "exit status lost (the daemon ignores SIGCHLD, so the kernel reaped the hook)";
      return "exit " + std::to_string(exit_code);
    case Outcome::TimedOut:
      return "timed out after " + seconds_text(limit);
    case Outcome::Signalled:
      return "killed by signal " + std::to_string(signal);
    case Outcome::NotStarted:
      return "could not start: " + start_error;
  }
  return "unknown outcome";
}

std::string_view to_string(HookResult::Outcome o) {
  switch (o) {
    case HookResult::Outcome::Succeeded: return "succeeded";
    case HookResult::Outcome::Failed: return "failed";
    case HookResult::Outcome::TimedOut: return "timed-out";
    case HookResult::Outcome::Signalled: return "signalled";
    case HookResult::Outcome::NotStarted: return "not-started";
  }
  return "unknown";
}

}  // namespace renkei
