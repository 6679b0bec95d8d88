#include "renkei/people/user_directory.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "renkei/outside_value.hpp"
#include "renkei/people/password.hpp"
#include "renkei/people/personal_token.hpp"
#include "yaml_reader.hpp"

namespace renkei {

const User* UserDirectory::find(std::string_view name) const {
  for (const auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

User* UserDirectory::find(std::string_view name) {
  for (auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

std::optional<std::pair<const User*, const TokenRecord*>> UserDirectory::find_token(std::string_view id) const {
  for (const auto& u : users)
    for (const auto& t : u.tokens)
      if (t.id == id) return std::pair{&u, &t};
  return std::nullopt;
}

std::string user_name_problem(std::string_view name) {
  if (name.empty() || name.size() > 32) return "a user name has 1 to 32 characters";
  if (!(name[0] >= 'a' && name[0] <= 'z')) return "a user name starts with a letter a-z";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return "a user name has only a-z, 0-9, '.', '_' and '-'";
  if (name == "hub-token" || name == "unknown") return "'" + std::string(name) + "' is reserved for the audit log";
  return {};
}

std::string display_name_problem(std::string_view display) {
  if (display.size() > 128) return "a display name has at most 128 bytes";
  if (auto ok = safe_header_value("display_name", display, 128); !ok) return ok.error().message();
  return {};
}

Result<UserDirectory> load_user_directory(const std::string& path, const std::string& shown_as) {
  Diagnostics diags;
  UserDirectory dir;
  if (!config_path_present(path)) return dir;
  auto root = load_yaml_file(path, shown_as, diags);
  if (!root) return std::unexpected(diags);
  MapReader top(*root, shown_as, "users file", diags);
  if (!top.is_map()) return std::unexpected(diags);
  std::set<std::string> token_ids, names;
  if (auto list = top.sequence("users")) {
    for (const auto& node : *list) {
      MapReader m(node, shown_as, "user", diags);
      if (!m.is_map()) continue;
      User u;
      const std::size_t before = diags.size();
      if (auto v = m.str("name", Need::Required)) {
        if (auto p = user_name_problem(*v); !p.empty()) m.error("name", p);
        else if (!names.insert(*v).second) m.error("name", "user '" + *v + "' is listed twice");
        u.name = *v;
        m.rename("user '" + (user_name_problem(*v).empty() ? *v : std::string("?")) + "'");
      }
      if (auto v = m.str("display_name")) {
        if (auto p = display_name_problem(*v); !p.empty()) m.error("display_name", p);
        u.display_name = *v;
      }
      if (auto r = m.enumeration<Role>("role", Need::Required, parse_role, kRoleNames)) u.role = *r;
      // The hash itself is never repeated in a message: it is a secret's stand-in.
      if (auto v = m.str("password")) {
        if (!is_argon2id_hash(*v)) m.error("password", "not an Argon2id hash (set it with `renkeictl user passwd`)");
        u.password_hash = *v;
      }
      if (auto tokens = m.sequence("tokens")) {
        for (const auto& tn : *tokens) {
          MapReader t(tn, shown_as, "token of '" + u.name + "'", diags);
          if (!t.is_map()) continue;
          TokenRecord rec;
          if (auto v = t.str("id", Need::Required)) {
            if (!is_token_id(*v)) t.error("id", "a token id is 16 hex digits");
            else if (!token_ids.insert(*v).second) t.error("id", "token " + *v + " is listed twice");
            rec.id = *v;
          }
          if (auto v = t.str("sha256", Need::Required)) {
            if (!is_token_hash(*v)) t.error("sha256", "a token hash is 64 hex digits");
            rec.hash = *v;
          }
          if (auto v = t.str("created")) rec.created = *v;
          if (auto v = t.str("label")) {
            if (auto ok = safe_header_value("label", *v, 64); !ok) t.error("label", ok.error().message());
            rec.label = *v;
          }
          t.finish();
          u.tokens.push_back(std::move(rec));
        }
      }
      m.finish();
      if (diags.size() == before) dir.users.push_back(std::move(u));
    }
  }
  top.finish();
  if (!diags.empty()) return std::unexpected(diags);
  return dir;
}

std::string to_yaml(const UserDirectory& d) {
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "users" << YAML::Value << YAML::BeginSeq;
  for (const auto& u : d.users) {
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << u.name;
    if (!u.display_name.empty()) e << YAML::Key << "display_name" << YAML::Value << YAML::DoubleQuoted << u.display_name;
    e << YAML::Key << "role" << YAML::Value << std::string(role_name(u.role));
    if (!u.password_hash.empty()) e << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << u.password_hash;
    if (!u.tokens.empty()) {
      e << YAML::Key << "tokens" << YAML::Value << YAML::BeginSeq;
      for (const auto& t : u.tokens) {
        e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << YAML::DoubleQuoted << t.id;
        e << YAML::Key << "sha256" << YAML::Value << YAML::DoubleQuoted << t.hash;
        if (!t.created.empty()) e << YAML::Key << "created" << YAML::Value << YAML::DoubleQuoted << t.created;
        if (!t.label.empty()) e << YAML::Key << "label" << YAML::Value << YAML::DoubleQuoted << t.label;
        e << YAML::EndMap;
      }
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  return std::string("# People who may use renkei's console and API. Written by `renkeictl user` and\n"
                     "# `renkeictl token`; passwords are Argon2id hashes, tokens SHA-256 hashes.\n") +
         e.c_str() + "\n";
}

}  // namespace renkei
