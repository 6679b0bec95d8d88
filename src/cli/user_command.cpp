#include "user_command.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "renkei/atomic_file.hpp"
#include "renkei/catalogue/config_loader.hpp"
#include "renkei/people/password.hpp"
#include "renkei/people/personal_token.hpp"
#include "renkei/people/user_directory.hpp"
#include "report.hpp"

namespace renkei::cli {

namespace {

// Held for the whole read-edit-write; released when the process ends in any case.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::optional<std::string> read_password_file(const std::string& path, std::ostream& err) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    err << "renkeictl user: cannot read a password from " << path << "\n";
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Asked twice on the terminal with echo off; never from stdin, which may be a pipe of data.
std::optional<std::string> prompt_password(std::ostream& err) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    err << "renkeictl user: no terminal to ask for the password; give --password-file\n";
    return std::nullopt;
  }
  auto ask = [fd](const char* prompt) -> std::optional<std::string> {
    (void)!::write(fd, prompt, std::char_traits<char>::length(prompt));
    termios old{};
    const bool tty = ::tcgetattr(fd, &old) == 0;
    if (tty) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    std::string s;
    char c;
    bool ok = false;
    while (::read(fd, &c, 1) == 1) {
      if (c == '\n') {
        ok = true;
        break;
      }
      if (s.size() <= kPasswordMax) s.push_back(c);
    }
    if (tty) ::tcsetattr(fd, TCSAFLUSH, &old);
    (void)!::write(fd, "\n", 1);
    if (!ok) return std::nullopt;
    return s;
  };
  auto first = ask("Password: ");
  auto second = first ? ask("Again: ") : std::nullopt;
  ::close(fd);
  if (!first || !second) {
    err << "renkeictl user: no password given\n";
    return std::nullopt;
  }
  if (*first != *second) {
    err << "renkeictl user: the two passwords differ\n";
    return std::nullopt;
  }
  return first;
}

std::optional<std::string> new_password_hash(const UserRequest& r, std::ostream& err) {
  auto pw = r.password_file ? read_password_file(*r.password_file, err) : prompt_password(err);
  if (!pw) return std::nullopt;
  auto h = hash_password(*pw);
  if (!h) {
    err << "renkeictl user: " << h.error() << "\n";
    return std::nullopt;
  }
  return *h;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int list_users(const UserDirectory& d, bool json, std::ostream& out) {
  if (json) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& u : d.users) {
      nlohmann::json tokens = nlohmann::json::array();
      for (const auto& t : u.tokens) tokens.push_back({{"id", t.id}, {"created", t.created}, {"label", t.label}});
      a.push_back({{"name", u.name}, {"display_name", u.display_name}, {"role", role_name(u.role)},
                   {"password", !u.password_hash.empty()}, {"tokens", tokens}});
    }
    out << a.dump(2) << "\n";
    return kOk;
  }
  for (const auto& u : d.users)
    out << u.name << "\t" << role_name(u.role) << "\t" << (u.password_hash.empty() ? "no password" : "password")
        << "\t" << u.tokens.size() << (u.tokens.size() == 1 ? " token" : " tokens") << "\t" << u.display_name << "\n";
  return kOk;
}

}  // namespace

int cmd_user(const UserRequest& r, std::ostream& out, std::ostream& err) {
  auto cat = load_catalogue(r.config);
  if (!cat) return report(cat.error(), err);
  const std::string path = (*cat)->hub.users_file;
  const bool writes = r.action != "list" && r.action != "token-list";
  std::optional<FileLock> lock;
  if (writes) {
    lock.emplace(path + ".lock");
    if (!lock->held()) {
      err << "renkeictl user: cannot lock " << path << ".lock\n";
      return kInvalid;
    }
  }
  auto loaded = load_user_directory(path, path);
  if (!loaded) return report(loaded.error(), err);
  UserDirectory d = std::move(*loaded);
  const std::string cmd = r.action.starts_with("token-") ? "renkeictl token " + r.action.substr(6) : "renkeictl user " + r.action;
  if (r.action == "list") return list_users(d, r.json, out);

  if (auto p = user_name_problem(r.name); !p.empty()) {
    err << cmd << ": " << p << "\n";
    return kUsage;
  }
  User* u = d.find(r.name);
  if (r.action == "add") {
    if (u) {
      err << cmd << ": user '" << r.name << "' exists already\n";
      return kInvalid;
    }
    User nu;
    nu.name = r.name;
    auto role = r.role ? parse_role(*r.role) : std::optional<Role>();
    if (!role) {
      err << cmd << ": --role must be viewer, operator or admin\n";
      return kUsage;
    }
    nu.role = *role;
    if (r.display_name) {
      if (auto p = display_name_problem(*r.display_name); !p.empty()) {
        err << cmd << ": " << p << "\n";
        return kUsage;
      }
      nu.display_name = *r.display_name;
    }
    if (!r.no_password) {
      auto h = new_password_hash(r, err);
      if (!h) return kInvalid;
      nu.password_hash = *h;
    }
    d.users.push_back(std::move(nu));
  } else {
    if (!u) {
      err << cmd << ": no user '" << r.name << "' in " << path << "\n";
      return kInvalid;
    }
    if (r.action == "token-list") {
      for (const auto& t : u->tokens) out << t.id << "\t" << t.created << "\t" << t.label << "\n";
      return kOk;
    }
    if (r.action == "passwd") {
      auto h = new_password_hash(r, err);
      if (!h) return kInvalid;
      u->password_hash = *h;
    } else if (r.action == "set-role") {
      auto role = r.role ? parse_role(*r.role) : std::optional<Role>();
      if (!role) {
        err << cmd << ": the role must be viewer, operator or admin\n";
        return kUsage;
      }
      u->role = *role;
    } else if (r.action == "remove") {
      std::erase_if(d.users, [&](const User& x) { return x.name == r.name; });
    } else if (r.action == "token-revoke") {
      const auto before = u->tokens.size();
      std::erase_if(u->tokens, [&](const TokenRecord& t) { return t.id == r.token_id; });
      if (u->tokens.size() == before) {
        err << cmd << ": '" << r.name << "' has no token with that id\n";
        return kInvalid;
      }
    } else if (r.action == "token-create") {
      auto t = issue_personal_token();
      if (!t) {
        err << cmd << ": " << t.error() << "\n";
        return kInvalid;
      }
      TokenRecord rec{t->id, t->hash, now_utc(), r.label.value_or("")};
      if (auto p = rec.label.empty() ? std::string() : display_name_problem(rec.label); !p.empty() || rec.label.size() > 64) {
        err << cmd << ": the label must be clean text of at most 64 bytes\n";
        return kUsage;
      }
      u->tokens.push_back(rec);
      // The token is written (or printed) before users.yaml names it: a crash between the
      // two leaves a token that does not work, never one that works and nobody has.
      if (r.output) {
        if (auto w = write_file_atomically(*r.output, t->text + "\n", 0600); !w) {
          err << cmd << ": " << w.error() << "\n";
          return kInvalid;
        }
      } else {
        out << t->text << "\n";
        out.flush();
      }
      err << "token " << t->id << " for " << r.name << (r.output ? " written to " + *r.output : std::string(" (shown once; keep it)"))
          << "\n";
    } else {
      err << cmd << ": unknown action\n";
      return kUsage;
    }
  }
  // The new file keeps the old one's owner, group and mode (renkeid reads it as the
  // group renkei: root:renkei 0640 by scripts/install.sh), less any bits for others,
  // whatever the umask, set before it replaces the old one. A first file gets the group
  // of its directory and 0640.
  struct stat before{};
  unsigned mode = 0640;
  std::optional<FileOwner> owner;
  if (::stat(path.c_str(), &before) == 0) {
    mode = (before.st_mode & 0660) | 0600;
    owner = FileOwner{before.st_uid, before.st_gid};
  } else if (struct stat dir{}; ::stat(std::filesystem::path(path).parent_path().c_str(), &dir) == 0) {
    owner = FileOwner{::geteuid(), dir.st_gid};
  }
  if (owner && owner->uid == ::geteuid() && owner->gid == ::getegid()) owner.reset();
  if (auto w = replace_file_as(path, to_yaml(d), mode, owner); !w) {
    err << cmd << ": " << w.error() << "\n";
    return kInvalid;
  }
  if (r.action != "token-create") err << cmd << ": " << path << " updated\n";
  return kOk;
}

}  // namespace renkei::cli
