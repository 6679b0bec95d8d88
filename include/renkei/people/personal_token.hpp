#pragma once
// A person's API token: "rk_" + 16 hex (its id, shown in lists and the audit log) + "_" +
// 64 hex (256 random bits). Only the SHA-256 of the whole text is stored: the secret is
// random, so a slow hash would add nothing but a cost on every request.
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace renkei {

struct IssuedToken {
  std::string id;    // 16 hex
  std::string text;  // what the person keeps; shown once
  std::string hash;  // 64 hex, what users.yaml keeps
};

std::expected<IssuedToken, std::string> issue_personal_token();
// The id of a presented personal token, or nullopt when the text has not the form.
std::optional<std::string> personal_token_id(std::string_view text);
std::string personal_token_hash(std::string_view text);
// Constant-time comparison of the presented token's hash with the stored one.
bool personal_token_matches(std::string_view text, std::string_view stored_hash);
bool is_token_id(std::string_view id);
bool is_token_hash(std::string_view hash);

}  // namespace renkei
