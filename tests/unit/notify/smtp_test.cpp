// Mail end to end: the notifier talks SMTP (with AUTH, the password read from its file)
// to an aiosmtpd sink on loopback (smtp_sink.py), which keeps what it received.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "notifier.hpp"
#include "notify_test_support.hpp"

extern char** environ;

#ifndef NOTIFY_TEST_DIR
#define NOTIFY_TEST_DIR "tests/unit/notify"  // when built by hand from the repository root
#endif

namespace renkei {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::base64_decode;
using test::Recorder;

// Debian's python3-aiosmtpd lives in /usr/bin/python3's site-packages, which a python3
// found first on PATH (pyenv, a venv) may not see.
std::string python() {
  if (const char* p = std::getenv("RENKEI_NOTIFY_PYTHON")) return p;
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// smtp_sink.py DIR --auth USER:PASSWORD, started for one test and ended with it.
class SmtpSink {
 public:
  SmtpSink(const fs::path& dir, const std::string& auth) : dir_(dir) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::string py = python(), script = std::string(NOTIFY_TEST_DIR) + "/smtp_sink.py", d = dir.string();
    std::string auth_flag = "--auth", lifetime_flag = "--lifetime", lifetime = "60";
    char* argv[] = {py.data(), script.data(), d.data(), auth_flag.data(), const_cast<char*>(auth.c_str()),
                    lifetime_flag.data(), lifetime.data(), nullptr};
    int rc = posix_spawnp(&pid_, py.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    if (rc != 0) {
      ::close(out[0]);
      throw std::runtime_error("cannot start " + py);
    }
    // "PORT <n>" once it listens; nothing (EOF) when aiosmtpd is missing.
    std::string line;
    auto until = std::chrono::steady_clock::now() + 15s;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[64];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (line.rfind("PORT ", 0) == 0) port_ = std::atoi(line.c_str() + 5);
  }
  ~SmtpSink() {
    ::close(stdin_);  // the sink exits at EOF on its stdin
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value of header `name` in `head` (CRLF lines), folds joined without the fold's space:
// between encoded-words that space is not part of the text (RFC 2047 §6.2).
std::string header(const std::string& head, const std::string& name) {
  std::string value;
  bool in = false;
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    pos = e + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (in) value += line.substr(1);
      continue;
    }
    in = line.rfind(name + ": ", 0) == 0;
    if (in) value = line.substr(name.size() + 2);
  }
  return value;
}

std::string decode_subject(std::string value) {
  std::string out;
  const std::string open = "=?UTF-8?B?", close = "?=";
  std::size_t pos = 0;
  while ((pos = value.find(open, pos)) != std::string::npos) {
    std::size_t end = value.find(close, pos + open.size());
    out += base64_decode(value.substr(pos + open.size(), end - pos - open.size()));
    pos = end + close.size();
  }
  return out;
}

TEST(Smtp, AMailArrivesWithItsEnvelopeJapaneseSubjectAndBody) {
  fs::path dir = fs::temp_directory_path() / ("renkei-smtp-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path password = dir / "password";
  std::ofstream(password) << "pa55-word\n";

  SmtpSink sink(dir, "renkei:pa55-word");
  ASSERT_GT(sink.port(), 0) << "smtp_sink.py did not start: is python3-aiosmtpd installed for " << python() << "?";

  NotifyConfig c;
  c.mails.push_back(MailChannel{.name = "ops-mail",
                                .url = "smtp://127.0.0.1:" + std::to_string(sink.port()),
                                .from = "renkei@city.example.lg.jp",
                                .to = {"ops@city.example.lg.jp", "duty@city.example.lg.jp"},
                                .username = "renkei",
                                .password_file = password.string(),
                                .timeout = 5000ms});
  c.templates[NotifyEvent::RunFailed] = {
      .subject = "[renkei] 連携失敗: {{interface}} {{interface_name}}（業務日付 {{business_date}}）",
      .body = "連携 {{interface_name}} が失敗しました。\n実行ID: {{run_id}}\n理由: {{reason}}\n"};
  c.first_backoff = 20ms;
  Recorder rec;
  {
    Notifier n(c, rec.counters());
    n.notify(NotifyEvent::RunFailed, {{"interface", "IF015"},
                                      {"interface_name", "住民基本台帳→固定資産税"},
                                      {"business_date", "2025-03-04"},
                                      {"run_id", "r-42"},
                                      {"reason", ".\r\nQUIT"}});
    ASSERT_TRUE(rec.wait([&] { return rec.sent() + rec.dropped() >= 1; }, 15s));
  }
  ASSERT_EQ(rec.sent("ops-mail"), 1u);
  EXPECT_EQ(rec.failed(), 0u);

  auto meta = nlohmann::json::parse(slurp(dir / "1.json"));
  EXPECT_EQ(meta.at("mail_from"), "renkei@city.example.lg.jp");
  EXPECT_EQ(meta.at("rcpt_tos"), (nlohmann::json{"ops@city.example.lg.jp", "duty@city.example.lg.jp"}));
  EXPECT_EQ(meta.at("login"), "renkei");
  EXPECT_FALSE(fs::exists(dir / "2.eml"));  // one mail for both recipients

  std::string eml = slurp(dir / "1.eml");
  std::size_t split = eml.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  std::string head = eml.substr(0, split + 2), body = eml.substr(split + 4);
  EXPECT_EQ(header(head, "From"), "renkei@city.example.lg.jp");
  EXPECT_EQ(header(head, "To"), "ops@city.example.lg.jp, duty@city.example.lg.jp");
  EXPECT_EQ(header(head, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_TRUE(header(head, "Message-ID").ends_with("@city.example.lg.jp>"));
  EXPECT_EQ(decode_subject(header(head, "Subject")),
            "[renkei] 連携失敗: IF015 住民基本台帳→固定資産税（業務日付 2025-03-04）");
  std::string b64;
  for (char ch : body)
    if (ch != '\r' && ch != '\n') b64 += ch;
  EXPECT_EQ(base64_decode(b64), "連携 住民基本台帳→固定資産税 が失敗しました。\r\n実行ID: r-42\r\n理由: .\\x0D\\x0AQUIT\r\n");
  fs::remove_all(dir);
}

TEST(Smtp, AWrongPasswordIsRetriedThenDropped) {
  fs::path dir = fs::temp_directory_path() / ("renkei-smtp-bad-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "password") << "wrong\n";
  SmtpSink sink(dir, "renkei:right");
  ASSERT_GT(sink.port(), 0);
  NotifyConfig c;
  c.mails.push_back(MailChannel{.name = "m",
                                .url = "smtp://127.0.0.1:" + std::to_string(sink.port()),
                                .from = "a@example.jp",
                                .to = {"b@example.jp"},
                                .username = "renkei",
                                .password_file = (dir / "password").string(),
                                .timeout = 5000ms});
  c.max_attempts = 2;
  c.first_backoff = 20ms;
  Recorder rec;
  Notifier n(c, rec.counters());
  n.notify(NotifyEvent::ManualOverdue, {{"interface", "IF020"}, {"minutes", "30"}});
  ASSERT_TRUE(rec.wait([&] { return rec.dropped() == 1; }, 15s));
  EXPECT_EQ(rec.dropped("attempts exhausted"), 1u);
  EXPECT_EQ(rec.failed(), 1u);
  EXPECT_FALSE(fs::exists(dir / "1.eml"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace renkei
