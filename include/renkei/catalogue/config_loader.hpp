#pragma once
// Loads config/ (hub.yaml, systems.yaml, routes) into one read-only Catalogue, checking
// everything and reporting every problem as file:line: message in a single pass.
#include <string>
#include <vector>

#include "renkei/catalogue/model.hpp"
#include "renkei/diagnostic.hpp"

namespace renkei {

// `config` is the config directory or its hub.yaml.
Result<CataloguePtr> load_catalogue(const std::string& config);

// Only hub.yaml and systems.yaml: what import-seed needs to resolve system names.
Result<Catalogue> load_systems(const std::string& config);

}  // namespace renkei
