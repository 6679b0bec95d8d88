#pragma once
// `renkeictl user add|passwd|set-role|remove|list` and `renkeictl token create|list|revoke`:
// the people in users.yaml (auth.users_file). Each change reads, edits and writes the file
// atomically (mode 0600) under an exclusive lock, so two admins cannot lose each other's
// change; a running renkeid picks the new file up within seconds and audits the change.
#include <optional>
#include <ostream>
#include <string>

namespace renkei::cli {

struct UserRequest {
  std::string config;
  std::string action;  // add, passwd, set-role, remove, list; token-create, token-list, token-revoke
  std::string name;
  std::optional<std::string> role;
  std::optional<std::string> display_name;
  std::optional<std::string> password_file;  // first line; else a prompt on the terminal
  bool no_password = false;                  // add: a person who uses tokens only
  std::string token_id;                      // token-revoke
  std::optional<std::string> label;          // token-create
  std::optional<std::string> output;         // token-create: write the token here (0600), not stdout
  bool json = false;
};

int cmd_user(const UserRequest& r, std::ostream& out, std::ostream& err);

}  // namespace renkei::cli
