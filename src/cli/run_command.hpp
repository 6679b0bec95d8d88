#pragma once
// `renkeictl run N [--date D]` and `renkeictl ack N RUN`: manual runs and hand-off
// acknowledgements through the running daemon's API (bearer token, operator name).
#include <optional>
#include <ostream>
#include <string>

namespace renkei::cli {

struct ApiTarget {
  std::string config;
  std::string api;         // empty: http.listen of the config
  std::string token_file;  // empty: auth.token_file of the config
};

// Exit 0 when the run succeeded (or had already), 1 when it failed, went missing or was
// refused; `wait` polls until the run is finished.
int cmd_run(const ApiTarget& target, int route, const std::optional<std::string>& date, bool wait,
            std::ostream& out, std::ostream& err);
int cmd_ack(const ApiTarget& target, int route, const std::string& run, std::ostream& out, std::ostream& err);

}  // namespace renkei::cli
