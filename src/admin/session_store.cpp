#include "session_store.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "renkei/random_hex.hpp"

namespace renkei {

std::expected<std::string, std::string> random_token_hex() { return random_hex(32); }

bool same_secret(std::string_view a, std::string_view b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void SessionStore::set_idle(std::chrono::seconds idle) {
  std::lock_guard lock(mu_);
  idle_ = idle;
}

std::expected<Session, std::string> SessionStore::open(Identity who, Clock::time_point now) {
  auto id = random_token_hex();
  auto csrf = random_token_hex();
  if (!id) return std::unexpected(id.error());
  if (!csrf) return std::unexpected(csrf.error());
  who.via = Identity::Via::Session;
  Session s{*id, *csrf, std::move(who)};
  std::lock_guard lock(mu_);
  if (sessions_.size() >= max_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    sessions_.erase(oldest);
  }
  sessions_.emplace(s.id, Entry{s, now, now});
  return s;
}

std::optional<Session> SessionStore::find(std::string_view id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (!alive(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last = now;
  return it->second.s;
}

std::optional<Session> SessionStore::peek(std::string_view id, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !alive(it->second, now)) return std::nullopt;
  return it->second.s;
}

void SessionStore::close(std::string_view id) {
  std::lock_guard lock(mu_);
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

void SessionStore::close_all_of(std::string_view name) {
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.s.who.name == name; });
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace renkei
