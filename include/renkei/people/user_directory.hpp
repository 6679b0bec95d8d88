#pragma once
// config/users.yaml: the people who may use the console and the API, with their role,
// password hash and personal tokens. renkeictl writes it (atomically, mode 0600, under a
// lock file); renkeid reads it at start and again whenever it changes.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/diagnostic.hpp"
#include "renkei/people/role.hpp"

namespace renkei {

struct TokenRecord {
  std::string id;       // 16 hex
  std::string hash;     // SHA-256 hex of the token text
  std::string created;  // RFC 3339, UTC
  std::string label;    // what the person uses it for; may be empty
};

struct User {
  std::string name;          // login name: [a-z][a-z0-9._-]{0,31}
  std::string display_name;  // e.g. 田中 花子 (clean UTF-8, at most 128 bytes)
  Role role = Role::Viewer;
  std::string password_hash;  // Argon2id; empty: this person logs in with tokens only
  std::vector<TokenRecord> tokens;
};

struct UserDirectory {
  std::vector<User> users;  // in file order

  const User* find(std::string_view name) const;
  User* find(std::string_view name);
  // The person whose token has this id, and that token.
  std::optional<std::pair<const User*, const TokenRecord*>> find_token(std::string_view id) const;
};

// Why a login name is not acceptable, or empty. "hub-token" and "unknown" are taken:
// the audit log uses them for the shared token and for refusals.
std::string user_name_problem(std::string_view name);
std::string display_name_problem(std::string_view display);

// A missing file is an empty directory (only the hub token works); anything else wrong
// is a diagnostic with file:line and the field, never a password hash.
Result<UserDirectory> load_user_directory(const std::string& path, const std::string& shown_as);
std::string to_yaml(const UserDirectory& d);

}  // namespace renkei
