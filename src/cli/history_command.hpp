#pragma once
// `renkeictl history`: 転送履歴 through the running daemon's API, newest first.
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "run_command.hpp"

namespace renkei::cli {

struct HistoryArgs {
  std::optional<int> interface;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> outcome;
  std::optional<std::string> kind;
  int limit = 50;  // entries in all, fetched page by page
  bool json = false;
};

// One entry as a line of text; every string of it escaped (`\xHH` for control bytes).
void print_history_line(const nlohmann::json& entry, std::ostream& out);

int cmd_history(const ApiTarget& target, const HistoryArgs& args, std::ostream& out, std::ostream& err);

}  // namespace renkei::cli
