// The hook runner against real processes: /bin/sh -c is only ever the hook under test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "hook_pool.hpp"
#include "hook_runner.hpp"

namespace renkei {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Outcome = HookResult::Outcome;

HookCommand sh(const std::string& script, std::chrono::milliseconds timeout = 10s) {
  return HookCommand{{"/bin/sh", "-c", script}, timeout};
}

// A file name for a hook to write into; removed with the test.
class TempPath {
 public:
  TempPath() {
    std::string tmpl = ::testing::TempDir() + "renkei-hook-XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd >= 0) ::close(fd);
    path_ = tmpl;
  }
  ~TempPath() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
};

// Gone, or a zombie waiting for a PID 1 that may not reap (containers): either way
// it runs no more.
bool dead(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close_paren = line.rfind(')');
  return close_paren != std::string::npos && line.size() > close_paren + 2 && line[close_paren + 2] == 'Z';
}

bool dead_soon(pid_t pid, std::chrono::milliseconds within = 1s) {
  for (auto until = Clock::now() + within; Clock::now() < until; std::this_thread::sleep_for(20ms))
    if (dead(pid)) return true;
  return dead(pid);
}

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.insert(l);
  return out;
}

// 1. exit 0: Succeeded, stdout and stderr both captured.
TEST(HookRunner, SuccessCapturesStdoutAndStderr) {
  auto r = run_hook(sh("echo out; echo err >&2"), {});
  EXPECT_EQ(r.outcome, Outcome::Succeeded);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "out\nerr\n");
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.reason(), "exit 0");
  EXPECT_EQ(to_string(r.outcome), "succeeded");

  auto t = run_hook(HookCommand{{"/bin/true"}}, {});
  EXPECT_EQ(t.outcome, Outcome::Succeeded);
  EXPECT_EQ(t.output, "");
}

// 2. exit 3: Failed, exit_code 3, reason "exit 3".
TEST(HookRunner, NonZeroExitIsFailed) {
  auto r = run_hook(sh("echo secret-output; exit 3"), {});
  EXPECT_EQ(r.outcome, Outcome::Failed);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.reason(), "exit 3");
  EXPECT_EQ(r.reason().find("secret-output"), std::string::npos);
  EXPECT_EQ(to_string(r.outcome), "failed");

  auto f = run_hook(HookCommand{{"/bin/false"}}, {});
  EXPECT_EQ(f.outcome, Outcome::Failed);
  EXPECT_EQ(f.exit_code, 1);
}

// 3. The env pairs reach the child; the daemon's other variables do not.
TEST(HookRunner, MinimalEnvironmentPlusPairs) {
  ASSERT_EQ(::setenv("RENKEI_SECRET_TEST", "x", 1), 0);
  ASSERT_EQ(::setenv("LANG", "ja_JP.UTF-8", 1), 0);
  auto r = run_hook(HookCommand{{"/usr/bin/env"}}, {{"RENKEI_INTERFACE", "009"}, {"LANG", "C.UTF-8"}});
  ::unsetenv("RENKEI_SECRET_TEST");
  ASSERT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  auto env = lines(r.output);
  EXPECT_TRUE(env.contains("RENKEI_INTERFACE=009")) << r.output;
  EXPECT_TRUE(env.contains("LANG=C.UTF-8")) << "the pairs win over the daemon's: " << r.output;
  EXPECT_FALSE(env.contains("LANG=ja_JP.UTF-8")) << r.output;
  EXPECT_EQ(r.output.find("RENKEI_SECRET_TEST"), std::string::npos) << r.output;
  for (const auto& l : env) {
    auto name = l.substr(0, l.find('='));
    EXPECT_TRUE(std::set<std::string>({"PATH", "HOME", "LANG", "LC_ALL", "TZ", "RENKEI_INTERFACE"}).contains(name))
        << "unexpected variable " << name;
  }
  EXPECT_TRUE(std::any_of(env.begin(), env.end(), [](const std::string& l) { return l.starts_with("PATH="); }));
}

TEST(HookRunner, BadEnvironmentIsRefused) {
  auto lower = run_hook(HookCommand{{"/bin/true"}}, {{"lower", "1"}});
  EXPECT_EQ(lower.outcome, Outcome::NotStarted);
  EXPECT_NE(lower.reason().find("lower"), std::string::npos) << lower.reason();

  auto eq = run_hook(HookCommand{{"/bin/true"}}, {{"A=B", "1"}});
  EXPECT_EQ(eq.outcome, Outcome::NotStarted);

  auto digit = run_hook(HookCommand{{"/bin/true"}}, {{"1ABC", "1"}});
  EXPECT_EQ(digit.outcome, Outcome::NotStarted);

  auto nul = run_hook(HookCommand{{"/bin/true"}}, {{"RENKEI_X", std::string("a\0b", 3)}});
  EXPECT_EQ(nul.outcome, Outcome::NotStarted);
  EXPECT_NE(nul.reason().find("NUL"), std::string::npos) << nul.reason();
  EXPECT_EQ(to_string(nul.outcome), "not-started");
}

// 4. No shell: metacharacters and $ reach the program as they are.
TEST(HookRunner, NoShellInterpretation) {
  auto r = run_hook(HookCommand{{"/bin/echo", "a;b", "$HOME"}}, {});
  ASSERT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  EXPECT_EQ(r.output, "a;b $HOME\n");
}

// 5. Timeout: the whole group goes, grandchild included, without waiting for it.
TEST(HookRunner, TimeoutKillsTheWholeGroup) {
  TempPath pidfile;
  auto start = Clock::now();
  auto r = run_hook(sh("sleep 30 & echo $! > " + pidfile.path() + "; sleep 30", 300ms), {});
  auto took = Clock::now() - start;
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(to_string(r.outcome), "timed-out");
  EXPECT_EQ(r.reason(), "timed out after 300 ms");
  EXPECT_LT(took, 5s);
  EXPECT_GE(took, 300ms);
  pid_t grandchild = std::atoi(pidfile.read().c_str());
  ASSERT_GT(grandchild, 0) << "the hook did not write its background pid";
  EXPECT_TRUE(dead_soon(grandchild)) << "grandchild " << grandchild << " survived the timeout";
  if (!dead(grandchild)) ::kill(grandchild, SIGKILL);
}

TEST(HookRunner, TimeoutReasonInSeconds) {
  auto r = run_hook(HookCommand{{"/bin/sleep", "5"}, 1s}, {});
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(r.reason(), "timed out after 1 s");
  EXPECT_EQ(r.signal, SIGTERM);
}

// A hook that ignores SIGTERM is killed 2 s later.
TEST(HookRunner, TimeoutEscalatesToSigkill) {
  auto start = Clock::now();
  auto r = run_hook(sh("trap '' TERM; sleep 30", 200ms), {});
  auto took = Clock::now() - start;
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 4s);
}

// The hook exits but leaves a process holding the pipe: at most about a second more.
TEST(HookRunner, LeftoverHoldingThePipeIsCutOff) {
  TempPath pidfile;
  auto start = Clock::now();
  auto r = run_hook(sh("sleep 30 & echo $! > " + pidfile.path() + "; echo done; exit 4", 20s), {});
  auto took = Clock::now() - start;
  EXPECT_EQ(r.outcome, Outcome::Failed) << "the outcome is the hook's own exit";
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.output, "done\n");
  EXPECT_LT(took, 3s);
  pid_t leftover = std::atoi(pidfile.read().c_str());
  ASSERT_GT(leftover, 0);
  EXPECT_TRUE(dead_soon(leftover)) << "leftover " << leftover << " still runs";
  if (!dead(leftover)) ::kill(leftover, SIGKILL);
}

// A hook that closes its output but keeps running is still bounded by the timeout.
TEST(HookRunner, ClosedOutputStillTimesOut) {
  auto start = Clock::now();
  auto r = run_hook(sh("exec >&- 2>&-; sleep 30", 300ms), {});
  EXPECT_EQ(r.outcome, Outcome::TimedOut);
  EXPECT_LT(Clock::now() - start, 3s);
}

// 6. Output beyond max_output is read and dropped: the hook is never blocked.
TEST(HookRunner, OutputIsBoundedWithoutBlocking) {
  auto r = run_hook(sh("head -c 1048576 /dev/zero; echo tail >&2", 10s), {}, 1000);
  EXPECT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_EQ(r.output, std::string(1000, '\0')) << "raw bytes, NULs included";
  EXPECT_TRUE(r.truncated);
  EXPECT_LT(r.took, 5s);
}

TEST(HookRunner, OutputExactlyAtTheBoundIsNotTruncated) {
  auto r = run_hook(sh("printf 12345"), {}, 5);
  EXPECT_EQ(r.output, "12345");
  EXPECT_FALSE(r.truncated);
}

// 7. Commands that cannot start: NotStarted, with the problem named.
TEST(HookRunner, UnstartableCommands) {
  auto relative = run_hook(HookCommand{{"bin/true"}}, {});
  EXPECT_EQ(relative.outcome, Outcome::NotStarted);
  EXPECT_NE(relative.reason().find("absolute"), std::string::npos) << relative.reason();
  EXPECT_TRUE(relative.reason().starts_with("could not start: ")) << relative.reason();

  auto bare = run_hook(HookCommand{{"true"}}, {});
  EXPECT_EQ(bare.outcome, Outcome::NotStarted) << "no PATH search";

  auto missing = run_hook(HookCommand{{"/nonexistent/renkei-hook"}}, {});
  EXPECT_EQ(missing.outcome, Outcome::NotStarted);
  EXPECT_NE(missing.reason().find("No such file or directory"), std::string::npos) << missing.reason();
  EXPECT_NE(missing.reason().find("/nonexistent/renkei-hook"), std::string::npos) << missing.reason();

  auto not_exec = run_hook(HookCommand{{"/etc/passwd"}}, {});
  EXPECT_EQ(not_exec.outcome, Outcome::NotStarted);
  EXPECT_NE(not_exec.reason().find("Permission denied"), std::string::npos) << not_exec.reason();

  auto empty = run_hook(HookCommand{}, {});
  EXPECT_EQ(empty.outcome, Outcome::NotStarted);

  auto no_time = run_hook(HookCommand{{"/bin/true"}, 0ms}, {});
  EXPECT_EQ(no_time.outcome, Outcome::NotStarted);
}

// 8. Killed by a signal: Signalled with its number.
TEST(HookRunner, KilledBySignal) {
  auto r = run_hook(sh("kill -9 $$"), {});
  EXPECT_EQ(r.outcome, Outcome::Signalled);
  EXPECT_EQ(r.signal, 9);
  EXPECT_EQ(r.reason(), "killed by signal 9");
  EXPECT_EQ(to_string(r.outcome), "signalled");
}

// 9. No descriptor of the daemon reaches the hook, CLOEXEC or not.
TEST(HookRunner, NoDescriptorLeaks) {
  int fd = ::open("/etc/passwd", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(fd, 0);
  int high = ::fcntl(fd, F_DUPFD, 100);  // also without FD_CLOEXEC
  ASSERT_GE(high, 100);
  auto r = run_hook(sh("ls /proc/self/fd"), {});
  ::close(high);
  ::close(fd);
  ASSERT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  auto fds = lines(r.output);
  EXPECT_TRUE(fds.contains("0") && fds.contains("1") && fds.contains("2")) << r.output;
  EXPECT_EQ(fds.size(), 4u) << "0, 1, 2 and the one ls reads /proc/self/fd with; got:\n" << r.output;
  EXPECT_FALSE(fds.contains(std::to_string(high))) << r.output;
}

// Even when the daemon's own stdin is a readable file, the hook reads /dev/null.
TEST(HookRunner, StdinIsDevNull) {
  int saved = ::dup(0);
  ASSERT_GE(saved, 0);
  int file = ::open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(file, 0);
  ASSERT_EQ(::dup2(file, 0), 0);
  ::close(file);
  auto r = run_hook(sh("cat; readlink /proc/self/fd/0", 5s), {});
  ::dup2(saved, 0);
  ::close(saved);
  EXPECT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  EXPECT_EQ(r.output, "/dev/null\n");
}

// Its own process group, led by itself: that is what makes kill(-pid) reach its children.
TEST(HookRunner, OwnProcessGroup) {
  auto r = run_hook(sh("echo $$; cut -d' ' -f5 /proc/$$/stat"), {});
  ASSERT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  std::istringstream in(r.output);
  long pid = 0, pgid = 0;
  in >> pid >> pgid;
  EXPECT_GT(pid, 0);
  EXPECT_EQ(pid, pgid);
  EXPECT_NE(pgid, static_cast<long>(::getpgrp()));
}

// The daemon ignores SIGTERM and SIGPIPE: the hook must not inherit that, or it
// could not be stopped and would never see EPIPE.
TEST(HookRunner, IgnoredSignalsAreResetToDefault) {
  struct sigaction ignore {}, old_term {}, old_pipe {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &old_term), 0);
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  // grep is exec'd straight by posix_spawn, so it shows what the hook inherits.
  auto status = run_hook(HookCommand{{"/bin/grep", "^SigIgn", "/proc/self/status"}}, {});
  auto killed = run_hook(sh("kill -TERM $$; sleep 1; exit 0"), {});
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ASSERT_TRUE(status.output.starts_with("SigIgn:\t")) << status.output;
  // Only the standard signals 1..31: glibc's posix_spawn leaves its own internal
  // real-time signals (32, 33) ignored in the child, and no attribute can change that.
  auto ignored = std::stoull(status.output.substr(8), nullptr, 16);
  EXPECT_EQ(ignored & 0x7fff'ffffULL, 0u) << status.output;
  EXPECT_EQ(killed.outcome, Outcome::Signalled) << killed.reason();
  EXPECT_EQ(killed.signal, SIGTERM);
}

// The calling thread's blocked signals must not stay blocked in the hook.
TEST(HookRunner, SignalMaskIsEmpty) {
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  auto status = run_hook(HookCommand{{"/bin/grep", "^SigBlk", "/proc/self/status"}}, {});
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  EXPECT_EQ(status.output, "SigBlk:\t0000000000000000\n");
}

// Every child is reaped: this process has none left afterwards.
TEST(HookRunner, NoZombiesLeft) {
  run_hook(HookCommand{{"/bin/true"}}, {});
  run_hook(sh("exit 2"), {});
  run_hook(sh("sleep 5", 100ms), {});
  run_hook(sh("kill -9 $$"), {});
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// 10. The pool: off the caller's thread, in parallel, bounded.
TEST(HookPool, SubmitDoesNotWaitForTheHook) {
  HookPool pool(2);
  auto start = Clock::now();
  auto f = pool.submit(HookCommand{{"/bin/sleep", "0.5"}}, {}, 1024);
  EXPECT_LT(Clock::now() - start, 100ms);
  EXPECT_EQ(f.wait_for(0s), std::future_status::timeout);
  auto r = f.get();
  EXPECT_EQ(r.outcome, Outcome::Succeeded) << r.reason();
  EXPECT_GE(r.took, 450ms);
}

TEST(HookPool, TwoThreadsRunTwoHooksAtOnce) {
  HookPool pool(2);
  auto start = Clock::now();
  auto a = pool.submit(HookCommand{{"/bin/sleep", "0.5"}}, {}, 1024);
  auto b = pool.submit(HookCommand{{"/bin/sleep", "0.5"}}, {}, 1024);
  EXPECT_EQ(a.get().outcome, Outcome::Succeeded);
  EXPECT_EQ(b.get().outcome, Outcome::Succeeded);
  EXPECT_LT(Clock::now() - start, 900ms) << "the two hooks ran one after the other";
}

TEST(HookPool, FullQueueIsRefusedAtOnce) {
  HookPool pool(1, 1);
  auto running = pool.submit(HookCommand{{"/bin/sleep", "0.5"}}, {}, 1024);
  for (auto until = Clock::now() + 2s; pool.waiting() != 0 && Clock::now() < until;)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(pool.waiting(), 0u) << "the thread never picked up the first hook";
  auto queued = pool.submit(HookCommand{{"/bin/true"}}, {}, 1024);
  auto refused = pool.submit(HookCommand{{"/bin/true"}}, {}, 1024);
  ASSERT_EQ(refused.wait_for(0s), std::future_status::ready);
  auto r = refused.get();
  EXPECT_EQ(r.outcome, Outcome::NotStarted);
  EXPECT_EQ(r.reason(), "could not start: too many hooks waiting");
  EXPECT_EQ(running.get().outcome, Outcome::Succeeded);
  EXPECT_EQ(queued.get().outcome, Outcome::Succeeded);
}

TEST(HookPool, StopAnswersWaitingHooksAndLaterSubmits) {
  HookPool pool(1);
  auto running = pool.submit(HookCommand{{"/bin/sleep", "0.3"}}, {}, 1024);
  for (auto until = Clock::now() + 2s; pool.waiting() != 0 && Clock::now() < until;)
    std::this_thread::sleep_for(5ms);
  auto waiting = pool.submit(HookCommand{{"/bin/true"}}, {}, 1024);
  pool.stop();
  EXPECT_EQ(running.get().outcome, Outcome::Succeeded) << "a running hook finishes";
  auto w = waiting.get();
  EXPECT_EQ(w.outcome, Outcome::NotStarted);
  EXPECT_EQ(w.reason(), "could not start: the hub is stopping");
  auto late = pool.submit(HookCommand{{"/bin/true"}}, {}, 1024);
  ASSERT_EQ(late.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(late.get().outcome, Outcome::NotStarted);
  pool.stop();  // idempotent
}

TEST(HookPool, RefusedCommandsDoNotHurtTheThreads) {
  HookPool pool(1);
  auto bad = pool.submit(HookCommand{{"relative"}}, {}, 1024);
  EXPECT_EQ(bad.get().outcome, Outcome::NotStarted);
  auto good = pool.submit(HookCommand{{"/bin/echo", "still here"}}, {}, 1024);
  auto r = good.get();
  EXPECT_EQ(r.outcome, Outcome::Succeeded);
  EXPECT_EQ(r.output, "still here\n");
}

}  // namespace
}  // namespace renkei
