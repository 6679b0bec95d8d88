#pragma once
// `renkeictl run N [--date D]` and `renkeictl ack N RUN`: manual runs and hand-off
// acknowledgements through the running daemon's API (bearer token, operator name).
#include <optional>
#include <ostream>
#include <string>

#include "api_client.hpp"

namespace renkei::cli {

struct ApiTarget {
  std::string config;
  std::string api;         // empty: http.listen of the config
  std::string token_file;  // empty: auth.token_file of the config
};

// The daemon's address and the bearer token, from the arguments or the config; nullopt
// (reason on `err`, prefixed "renkeictl <what>") when the token cannot be read.
struct ResolvedApi {
  ApiEndpoint api;
  std::string token;
};
std::optional<ResolvedApi> resolve_api(const ApiTarget& t, const char* what, std::ostream& err);

// Exit 0 when the run succeeded (or had already), 1 when it failed, went missing or was
// refused; `wait` polls until the run is finished.
int cmd_run(const ApiTarget& target, int route, const std::optional<std::string>& date, bool wait,
            std::ostream& out, std::ostream& err);
int cmd_ack(const ApiTarget& target, int route, const std::string& run, std::ostream& out, std::ostream& err);

}  // namespace renkei::cli
