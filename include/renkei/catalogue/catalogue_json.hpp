#pragma once
// The JSON shapes of the contract (ARCHITECTURE §4): `renkeictl interfaces|systems --json`
// and GET /api/v1/interfaces print exactly these.
#include <nlohmann/json.hpp>

#include "renkei/catalogue/model.hpp"

namespace renkei {

nlohmann::ordered_json route_json(const RouteDef& r);
nlohmann::ordered_json system_json(const Catalogue& c, const SystemDef& s);

}  // namespace renkei
