#pragma once
// Console sessions: a random id (the renkei_session cookie) with the person's identity,
// a CSRF token for the session's forms, and an idle expiry. Kept in this renkeid's memory
// only: a restart, or another node of the cluster, asks the person to log in again.
// Bounded: beyond `max_sessions` the least recently used one ends. Thread-safe.
#include <chrono>
#include <cstddef>
#include <expected>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "authenticator.hpp"

namespace renkei {

struct Session {
  std::string id;    // 64 hex: the cookie's value
  std::string csrf;  // 64 hex: every form of the session carries it
  Identity who;
};

class SessionStore {
 public:
  using Clock = std::chrono::steady_clock;
  // A session also ends `kMaxLifetime` after its login, however busy it is.
  static constexpr std::chrono::hours kMaxLifetime{12};
  explicit SessionStore(std::chrono::seconds idle = std::chrono::minutes(30), std::size_t max_sessions = 10000)
      : idle_(idle), max_(max_sessions) {}
  void set_idle(std::chrono::seconds idle);

  std::expected<Session, std::string> open(Identity who, Clock::time_point now);
  // The session of this cookie value if it is alive (and then it is alive for another
  // idle period); an expired one is forgotten.
  std::optional<Session> find(std::string_view id, Clock::time_point now);
  // The same without counting as use (the audit of a refusal must not keep it alive).
  std::optional<Session> peek(std::string_view id, Clock::time_point now) const;
  void close(std::string_view id);
  // Ends every session of `name` (the person was removed or their role changed).
  void close_all_of(std::string_view name);
  std::size_t size() const;

 private:
  struct Entry {
    Session s;
    Clock::time_point last;
    Clock::time_point opened;
  };
  bool alive(const Entry& e, Clock::time_point now) const {
    return now - e.last <= idle_ && now - e.opened <= kMaxLifetime;
  }
  mutable std::mutex mu_;
  std::chrono::seconds idle_;
  std::size_t max_;
  std::map<std::string, Entry, std::less<>> sessions_;
};

// 32 random bytes as 64 hex digits (session ids, CSRF tokens).
std::expected<std::string, std::string> random_token_hex();
// Constant-time equality of two secrets.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace renkei
