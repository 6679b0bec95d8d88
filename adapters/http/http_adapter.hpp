#pragma once
// The `http` adapter kind. Inbound, systems POST events to the hub's /ingest endpoint
// (src/daemon/ingest_service), and a system with a `pull_url` is also polled: each run
// of its scheduled or manual routes GETs that business date's data. Outbound, the sink
// POSTs each realtime record (and each file batch as one body) to the system's `url`.
#include <memory>
#include <string>

#include "renkei/adapter.hpp"

namespace renkei::adapters {

std::unique_ptr<Sink> make_http_sink(const SystemDef& system, const Catalogue& catalogue);
// `pull_url` as expand_url fills it, plus {date} (YYYY-MM-DD) and {yyyymmdd} for the
// run's business date.
std::string expand_pull_url(std::string url, int route_id, const std::string& system_id,
                            const std::string& business_date);
// nullptr when the system has no pull_url (it only pushes to /ingest).
std::unique_ptr<Source> make_http_pull_source(const SystemDef& system, const Catalogue& catalogue);

// The Idempotency-Key the sink sends for a record or batch of route `route_id`: the same
// for every attempt, across restarts, so the target recognises a repeat.
std::string idempotency_key(int route_id, const std::string& id);

// `url` with {interface}, {system} (this adapter's system) and {target} (the route's `to`
// system: another one when this system relays the route as its via hop; empty: {system})
// filled in.
std::string expand_url(std::string url, int route_id, const std::string& system_id, const std::string& target_id = {});

}  // namespace renkei::adapters
