#pragma once
// What a person may do. Each role includes the ones before it: a viewer reads the
// status, the history and dead-letter positions; an operator also runs, acknowledges
// and replays, and may view a record's bytes (audited); an admin also manages people.
#include <array>
#include <optional>
#include <string_view>

namespace renkei {

enum class Role { Viewer = 0, Operator = 1, Admin = 2 };

inline constexpr std::array<std::string_view, 3> kRoleNames = {"viewer", "operator", "admin"};

std::optional<Role> parse_role(std::string_view s);
std::string_view role_name(Role r);
// Whether someone with `have` may do what needs `need`.
constexpr bool role_allows(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

}  // namespace renkei
