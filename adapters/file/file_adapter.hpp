#pragma once
// The `file` adapter kind: a spool per system. The system drops a complete file into
// <outbox>/<NNN>/ (NNN = route id) for the hub to carry; the hub delivers into
// <inbox>/<NNN>/. Files are written under a temp name, fsynced and renamed.
#include <memory>

#include "renkei/adapter.hpp"

namespace renkei::adapters {

std::unique_ptr<Source> make_file_source(const SystemDef& system, const Catalogue& catalogue);
std::unique_ptr<Sink> make_file_sink(const SystemDef& system, const Catalogue& catalogue);

// "<dir>/<NNN>"
std::string route_dir(const std::string& base, int route_id);
// The delivered file's name: derived from the batch id, so a replay finds it again.
std::string delivered_name(const std::string& batch_id, const std::string& source_name);

}  // namespace renkei::adapters
