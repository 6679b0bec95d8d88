#pragma once
// Writes routes as the YAML that config/ ships (what `renkeictl import-seed` prints).
#include <string>
#include <vector>

#include "renkei/catalogue/model.hpp"

namespace renkei {

std::string routes_to_yaml(const std::vector<RouteDef>& routes, const std::string& seed_file);

}  // namespace renkei
