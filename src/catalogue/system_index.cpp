#include "renkei/catalogue/system_index.hpp"

#include "renkei/text.hpp"

namespace renkei {

SystemIndex::SystemIndex(const std::vector<SystemDef>& systems, Diagnostics& diags) {
  for (const auto& s : systems) {
    by_id_.emplace(s.id, &s);
    auto claim = [&](const std::string& spelling) {
      auto key = system_name_key(spelling);
      auto [it, inserted] = by_key_.emplace(key, &s);
      if (!inserted && it->second != &s)
        diags.error(s.where.file, s.where.line,
                    "system '" + s.id + "': name or alias '" + spelling +
                        "' already belongs to system '" + it->second->id + "'");
    };
    claim(s.name);
    for (const auto& a : s.aliases) claim(a);
  }
}

const SystemDef* SystemIndex::resolve(std::string_view name_or_id) const {
  if (auto* s = by_id(name_or_id)) return s;
  auto it = by_key_.find(system_name_key(name_or_id));
  return it == by_key_.end() ? nullptr : it->second;
}

const SystemDef* SystemIndex::by_id(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : it->second;
}

}  // namespace renkei
