#include "renkei/people/role.hpp"

namespace renkei {

std::optional<Role> parse_role(std::string_view s) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i)
    if (kRoleNames[i] == s) return static_cast<Role>(i);
  return std::nullopt;
}

std::string_view role_name(Role r) { return kRoleNames[static_cast<std::size_t>(r)]; }

}  // namespace renkei
