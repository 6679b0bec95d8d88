#pragma once
// Who is asking: the hub token (service scripts; role admin) or a person's own token
// from users.yaml, each with its role. The audit log names this identity, never a name
// the client sends (X-Renkei-Operator is kept only as "claimed_operator").
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "bearer_auth.hpp"
#include "http_server.hpp"
#include "renkei/people/role.hpp"
#include "renkei/people/user_directory.hpp"

namespace renkei {

// Members all have initializers, so a partial aggregate initialisation stays clean under
// -Wmissing-field-initializers.
struct Identity {
  enum class Via { HubToken, PersonalToken, Session };
  std::string name{};  // a login name, or "hub-token"
  std::string display_name{};
  Role role = Role::Viewer;
  Via via = Via::HubToken;
  std::string token_id{};  // the personal token's id
};

std::string_view via_name(Identity::Via v);

class Authenticator {
 public:
  explicit Authenticator(const BearerAuth& hub) : hub_(hub) {}
  void set_users(std::shared_ptr<const UserDirectory> users);
  std::shared_ptr<const UserDirectory> users() const;
  // Goes up with every set_users: a login that read the people at one generation and
  // finishes at another checks them again.
  std::uint64_t generation() const;
  // The identity behind the request's bearer token, or why there is none (a 401).
  std::expected<Identity, std::string> identify(const HttpRequest& req) const;

 private:
  const BearerAuth& hub_;
  mutable std::mutex mu_;
  std::shared_ptr<const UserDirectory> users_ = std::make_shared<UserDirectory>();
  std::uint64_t generation_ = 0;
};

// 403 naming the role needed, never the token.
HttpResponse forbidden(const Identity& who, Role need);

using IdentifiedHandler = std::function<HttpResponse(const HttpRequest&, const Identity&)>;
// The request's identity must have at least `need`: else 401 (no identity) or 403.
Handler require_role(const Authenticator& auth, Role need, IdentifiedHandler h);

}  // namespace renkei
