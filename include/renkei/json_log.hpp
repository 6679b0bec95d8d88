#pragma once
// renkeid's log format: one JSON object per line (time, level, logger, thread, msg), with
// the 個人番号 mask applied to every message.
#include <memory>

namespace spdlog {
class formatter;
}

namespace renkei {

std::unique_ptr<spdlog::formatter> make_json_log_formatter();

// Installs it on the default logger (stdout) — what renkeid calls at start.
void use_json_logs();

}  // namespace renkei
