#pragma once
// The operator's view of all routes: `GET /api/v1/interfaces` (JSON) and the status
// page `GET /` (server-rendered HTML, inline CSS, no script, refreshes itself every
// 10 s). Both show the catalogue (ids and Japanese display names) with each route's
// live state; neither ever shows record contents.
//
// Where the live numbers come from:
//   - counts (received, delivered, dead letters by reason, retries) and the consumer
//     lag: read back from the metrics registry, the families of hub_metrics.hpp, so
//     the page and /metrics always agree;
//   - when a batch was last delivered or held and whether the route is backing off:
//     the router's InterfaceStatus tracker (relaxed atomics, updated per batch);
//   - last/next run, due date and overdue flag: the scheduler (JobScheduler), from
//     renkei.state; null ("—") for routes without runs or schedule.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http_server.hpp"
#include "interface_status.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/metrics.hpp"

namespace renkei {

using StatusTime = std::chrono::system_clock::time_point;

// What a route is doing now. The first state that applies wins, in this order:
//   backing-off  a partition of the route is paused after a transient failure (target
//                not writable, broker away, …) and resumes at `backoff_until`
//   retrying     the back-off ended less than 2 min ago and no batch has been
//                delivered or held since: the records are being read again
//   held         the route's latest batch outcome is a held batch (dead-lettered whole),
//                less than 15 min ago: look at its dead letters
//   flowing      a batch was delivered less than 5 min ago
//   pending      records wait on the route's topic (lag > 0), none delivered lately
//   idle         none of the above
enum class RouteState { BackingOff, Retrying, Held, Flowing, Pending, Idle };

inline constexpr auto kRetryingWindow = std::chrono::minutes(2);
inline constexpr auto kHeldWindow = std::chrono::minutes(15);
inline constexpr auto kFlowingWindow = std::chrono::minutes(5);

std::string_view to_string(RouteState s);   // "backing-off", "retrying", …
std::string_view japanese(RouteState s);    // 再試行待ち, 再試行中, …

// Filled by the scheduler; a field it has nothing for stays empty (null / "—").
struct RouteRuns {
  std::optional<StatusTime> last_run;
  std::optional<StatusTime> next_run;
  std::optional<StatusTime> due;   // manual (手動) rows: when the run is due
  std::optional<bool> overdue;     // past due and not acknowledged
};

struct RouteLive {
  std::optional<std::int64_t> lag;  // records not yet delivered; empty until the consumer reports it
  std::uint64_t received = 0;       // records taken from the source since start
  std::uint64_t delivered = 0;      // records delivered to the target since start
  std::uint64_t retries = 0;        // transient failures retried since start
  std::map<std::string, std::uint64_t> dead_letters;  // since start, by reason
  std::map<std::string, std::uint64_t> spool_refused;  // spool entries left unread since start, by reason
  RouteActivity activity;
  RouteRuns runs;

  std::uint64_t dead_letter_total() const;
  std::uint64_t spool_refused_total() const;
};

RouteState route_state(const RouteLive& live, StatusTime now);

// The live values of every route of the catalogue (routes without any event get
// zeros): counts and lag from the registry, activity from the tracker.
std::map<int, RouteLive> collect_route_live(const Catalogue& c, MetricsRegistry& registry,
                                            const InterfaceStatus& status);

// {"generated_at", "summary": {...}, "interfaces": [route_json(r) + live fields, …]}.
nlohmann::ordered_json interfaces_json(const Catalogue& c, const std::map<int, RouteLive>& live, StatusTime now);
// The whole status page, lang="ja", UTF-8, every value HTML-escaped.
std::string status_page_html(const Catalogue& c, const std::map<int, RouteLive>& live, StatusTime now);

// A system's Japanese display name, or its id when the catalogue has no such system.
std::string system_name(const Catalogue& c, const std::string& id);

// & < > " ' → entities; safe in element content and in quoted attribute values.
std::string html_escape(std::string_view s);
// "2025-02-25T22:00:00+09:00": the hub's time zone, Asia/Tokyo (no DST since 1951).
std::string format_iso_tokyo(StatusTime t);

// GET /api/v1/interfaces and GET /. `catalogue` is called per request (the current
// snapshot across reloads); `registry` and `status` must outlive the server.
// `runs` gives a route's last/next run, due date and overdue flag (the scheduler).
void add_status_routes(AdminHttpServer& server, std::function<CataloguePtr()> catalogue, MetricsRegistry& registry,
                       const InterfaceStatus& status, std::function<RouteRuns(int)> runs = {});

}  // namespace renkei
