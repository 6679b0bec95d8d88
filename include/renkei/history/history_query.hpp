#pragma once
// GET /api/v1/history and the console's 転送履歴 page take the same query:
//   interface=9&from=2026-11-01&to=2026-11-30&outcome=held&kind=batch&before=1234&limit=100
// Every value has a small grammar (digits, a date, a known word), so nothing is decoded:
// a value outside it is refused with the parameter's name, never echoed.
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "renkei/history/history_entry.hpp"

namespace renkei {

struct HistoryQuery {
  HistoryFilter filter;
  std::optional<int64_t> before;  // the page's cursor: entries below this offset
  std::size_t limit = 100;
};

std::expected<HistoryQuery, std::string> parse_history_query(std::string_view query);
// The query string that selects the same filter (for the next page's link, the CSV link).
std::string history_query_string(const HistoryFilter& f);

// An entry as the API shows it: times in Asia/Tokyo (ISO 8601), the interface as "009".
nlohmann::ordered_json to_api_json(const HistoryEntry& e);

}  // namespace renkei
