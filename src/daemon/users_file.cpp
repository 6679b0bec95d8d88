#include "users_file.hpp"

#include <sys/stat.h>

namespace renkei {

void UsersFile::set_path(std::string path) {
  std::lock_guard lock(mu_);
  if (path != path_) seen_.reset();
  path_ = std::move(path);
}

std::string UsersFile::path() const {
  std::lock_guard lock(mu_);
  return path_;
}

std::optional<Result<UserDirectory>> UsersFile::poll() {
  std::lock_guard lock(mu_);
  Signature now;
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0) {
    now = Signature{st.st_ino, st.st_size, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
                    st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
  }
  if (seen_ && *seen_ == now) return std::nullopt;
  seen_ = now;
  return load_user_directory(path_, path_);
}

nlohmann::ordered_json users_change(const UserDirectory& before, const UserDirectory& after) {
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  auto add = [&c](const char* key, nlohmann::ordered_json v) {
    if (!c.contains(key)) c[key] = nlohmann::ordered_json::array();
    c[key].push_back(std::move(v));
  };
  for (const auto& u : after.users) {
    const User* old = before.find(u.name);
    if (!old) {
      add("added", {{"name", u.name}, {"role", role_name(u.role)}});
    } else {
      if (old->role != u.role) add("role_changed", {{"name", u.name}, {"from", role_name(old->role)}, {"to", role_name(u.role)}});
      if (old->password_hash != u.password_hash) add("password_set", u.name);
    }
    for (const auto& t : u.tokens)
      if (!old || std::none_of(old->tokens.begin(), old->tokens.end(), [&](const TokenRecord& o) { return o.id == t.id; }))
        add("tokens_issued", {{"name", u.name}, {"id", t.id}});
  }
  for (const auto& u : before.users) {
    const User* now = after.find(u.name);
    if (!now) add("removed", u.name);
    for (const auto& t : u.tokens)
      if (!now || std::none_of(now->tokens.begin(), now->tokens.end(), [&](const TokenRecord& o) { return o.id == t.id; }))
        add("tokens_revoked", {{"name", u.name}, {"id", t.id}});
  }
  return c;
}

}  // namespace renkei
