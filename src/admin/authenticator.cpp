#include "authenticator.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "renkei/outside_value.hpp"
#include "renkei/people/personal_token.hpp"

namespace renkei {

std::string_view via_name(Identity::Via v) {
  switch (v) {
    case Identity::Via::HubToken: return "hub-token";
    case Identity::Via::PersonalToken: return "token";
    case Identity::Via::Session: return "session";
  }
  return "?";
}

void Authenticator::set_users(std::shared_ptr<const UserDirectory> users) {
  std::lock_guard lock(mu_);
  users_ = std::move(users);
  ++generation_;
}

std::uint64_t Authenticator::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::shared_ptr<const UserDirectory> Authenticator::users() const {
  std::lock_guard lock(mu_);
  return users_;
}

std::expected<Identity, std::string> Authenticator::identify(const HttpRequest& req) const {
  auto it = req.headers.find("authorization");
  constexpr std::string_view scheme = "Bearer ";
  if (it != req.headers.end() && it->second.starts_with(scheme)) {
    const std::string_view given = std::string_view(it->second).substr(scheme.size());
    if (auto id = personal_token_id(given)) {
      auto users = this->users();
      auto found = users->find_token(*id);
      if (!found || !personal_token_matches(given, found->second->hash)) return std::unexpected(std::string("unknown or revoked token"));
      const User& u = *found->first;
      return Identity{u.name, u.display_name, u.role, Identity::Via::PersonalToken, *id};
    }
  }
  if (auto why = hub_.check(req); !why.empty()) return std::unexpected(why);
  return Identity{"hub-token", "", Role::Admin, Identity::Via::HubToken, ""};
}

HttpResponse forbidden(const Identity& who, Role need) {
  const std::string reason =
      "needs role " + std::string(role_name(need)) + "; " + who.name + " is " + std::string(role_name(who.role));
  nlohmann::json body{{"error", "forbidden: " + reason}, {"reason", reason}};
  return HttpResponse{.status = 403, .content_type = "application/json", .body = body.dump() + "\n"};
}

Handler require_role(const Authenticator& auth, Role need, IdentifiedHandler h) {
  return [&auth, need, h = std::move(h)](const HttpRequest& req) {
    auto who = auth.identify(req);
    if (!who) {
      spdlog::warn("api: {} {} refused: {}", escape_for_log(req.method), escape_for_log(req.path), who.error());
      return BearerAuth::refuse(who.error());
    }
    if (!role_allows(who->role, need)) {
      spdlog::warn("api: {} {} forbidden for {} (role {})", escape_for_log(req.method), escape_for_log(req.path),
                   who->name, role_name(who->role));
      return forbidden(*who, need);
    }
    return h(req, *who);
  };
}

}  // namespace renkei
