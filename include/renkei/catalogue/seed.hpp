#pragma once
// The 別紙3 連携一覧 as exported from PDF to TSV, and its import into routes.
#include <array>
#include <iosfwd>
#include <string>
#include <vector>

#include "renkei/catalogue/model.hpp"
#include "renkei/catalogue/system_index.hpp"
#include "renkei/diagnostic.hpp"

namespace renkei {

inline constexpr std::size_t kSeedColumns = 11;
enum SeedColumn : std::size_t {
  kColNo, kColSource, kColArrow, kColTarget, kColInformation, kColMethod, kColTiming,
  kColExternal, kColConversion, kColConversionSpec, kColRemark
};
// The header text of each column, used to check the file's layout and in messages.
const std::array<std::string, kSeedColumns>& seed_column_names();

struct SeedRow {
  int line = 0;                                  // 1-based line in the TSV
  std::string raw;                               // the line exactly as written
  std::array<std::string, kSeedColumns> cells;   // verbatim; missing trailing cells empty
};

struct SeedFile {
  std::string file;                              // as named in messages and provenance
  std::vector<std::string> title;                // lines before the header
  std::vector<SeedRow> rows;
};

// Reads what it can; every malformed line is reported into `diags` with file:line.
SeedFile parse_seed(std::istream& in, const std::string& file, Diagnostics& diags);

// The schedule a scheduled timing gets on import; admins edit it in the route YAML.
Schedule default_schedule(Timing t);

// Seed rows to routes, resolving system names through `systems`. Problems are reported
// as file:line: field …: message and the row is left out of the result.
std::vector<RouteDef> import_routes(const SeedFile& seed, const SystemIndex& systems,
                                    Diagnostics& diags);

std::string topic_for_route(int id);

}  // namespace renkei
