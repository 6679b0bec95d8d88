#pragma once
// Finds a system by id, display name or alias, however the name is spaced or widthed.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "renkei/catalogue/model.hpp"
#include "renkei/diagnostic.hpp"

namespace renkei {

class SystemIndex {
 public:
  // Two systems claiming the same spelling are reported into `diags` (first one wins).
  SystemIndex(const std::vector<SystemDef>& systems, Diagnostics& diags);

  // nullptr when no system has this id, name or alias.
  const SystemDef* resolve(std::string_view name_or_id) const;
  const SystemDef* by_id(std::string_view id) const;

 private:
  std::unordered_map<std::string, const SystemDef*> by_key_;
  std::unordered_map<std::string, const SystemDef*> by_id_;
};

}  // namespace renkei
