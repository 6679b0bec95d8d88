#include "http/http_spec.hpp"

#include "http/http_adapter.hpp"
#include "http/http_client.hpp"

namespace renkei::adapters {

AdapterKindSpec http_adapter_spec() {
  auto opt = [](std::string name, OptionType type, std::string doc, std::optional<std::string> def) {
    return OptionSpec{.name = std::move(name), .type = type, .doc = std::move(doc), .default_value = std::move(def),
                      .values = {}};
  };
  return AdapterKindSpec{
      .kind = "http",
      .doc = "Exchanges events over HTTP: the system POSTs each record to the hub at "
             "/ingest/{system}/{interface} (answered 202 once Kafka has it), and the hub POSTs "
             "what the system receives to `url`, with an Idempotency-Key stable per record.",
      .options =
          {
              opt("url", OptionType::String,
                  "Where the hub POSTs records for this system (http:// only; {interface} becomes the route "
                  "number NNN, {system} the system id, {target} the route's receiving system, which differs from "
                  "{system} on routes this system relays as their via hop; the header Renkei-Target names it too). "
                  "Required when the system receives on any route, its own or relayed.",
                  std::nullopt),
              opt("timeout_ms", OptionType::Int,
                  "Deadline for one outbound POST (connect, send, answer); past it the attempt counts as "
                  "failed and is retried.",
                  "5000"),
              {.name = "in_flight",
               .type = OptionType::Int,
               .doc = "Realtime records delivered to this system at once (each on its own connection); records with the same "
                    "key (the layout's key field, else the source system) keep their order, so a slow answer holds up only "
                    "the later records of its key. Read at start.",
               .default_value = "4",
               .values = {},
               .range = std::pair<long long, long long>{1, 64}},
              opt("backoff_initial_ms", OptionType::Int,
                  "First wait before retrying a failed delivery (5xx, timeout, refused); doubles each time.", "500"),
              opt("backoff_max_ms", OptionType::Int, "Longest wait between retries.", "60000"),
              opt("max_body_bytes", OptionType::Int,
                  "Largest inbound event accepted at /ingest (larger: 413). The admin server refuses bodies "
                  "above 1 MiB first.",
                  "1048576"),
              opt("max_batch_bytes", OptionType::Int,
                  "Largest file batch delivered as one POST; a larger batch is held into the DLQ (send it "
                  "through a file adapter instead).",
                  "67108864"),
              opt("ack_timeout_ms", OptionType::Int,
                  "How long an /ingest request waits for Kafka's acknowledgement before answering 503 (the "
                  "client sends again with the same Idempotency-Key).",
                  "10000"),
              opt("content_type", OptionType::String, "Content-Type of outbound POSTs.",
                  "application/octet-stream"),
              {.name = "token_file",
               .type = OptionType::Path,
               .doc = "Bearer token this system must send to /ingest (created with a random token, mode "
                      "0600, when missing). Unset: the hub's API token (auth.token_file), which also "
                      "allows DLQ replay: give each system its own.",
               .default_value = std::nullopt,
               .values = {}},
              opt("pull_url", OptionType::String,
                  "Where a run GETs the system's data for its business date (http:// only; {date} becomes "
                  "YYYY-MM-DD, {yyyymmdd} the same without dashes, {interface} and {system} as in url). 200 "
                  "is the day's data (empty is fine; the date also rides in the Renkei-Business-Date header); 202, 204 and 404 mean not ready yet (asked again "
                  "every pull_interval_ms until the run's deadline, then the run is missing). Unset: the "
                  "system only pushes to /ingest.",
                  std::nullopt),
              {.name = "pull_dir",
               .type = OptionType::Path,
               .doc = "Where pulled answers are kept (<pull_dir>/<NNN>/, temp name, fsync, rename) until "
                      "carried, then in processed/. A date found here is never asked for again.",
               .default_value = "{spool}/{system}/pulled",
               .values = {}},
              {.name = "pull_token_file",
               .type = OptionType::Path,
               .doc = "File holding the bearer token the hub sends with each pull (Authorization header). "
                      "Unset: no Authorization header.",
               .default_value = std::nullopt,
               .values = {}},
              opt("pull_timeout_ms", OptionType::Int, "Deadline for one pull, the whole answer included.", "300000"),
              opt("pull_interval_ms", OptionType::Int,
                  "Wait before asking again after a not-ready answer (errors back off from "
                  "backoff_initial_ms to backoff_max_ms).",
                  "60000"),
              opt("max_pull_bytes", OptionType::Int, "Largest answer a pull accepts; a larger one is an error.",
                  "1073741824"),
          },
      // A receiving system needs somewhere to POST to; say so at validate, not at the
      // first record.
      .check = [](const SystemDef& s, const Catalogue& c) -> std::optional<std::string> {
        if (auto pull = s.adapter.settings.find("pull_url"); pull != s.adapter.settings.end()) {
          if (auto u = parse_http_url(expand_pull_url(pull->second, 1, s.id, "2000-01-01")); !u)
            return "option 'pull_url': " + u.error();
        }
        auto in = c.routes_delivered_by(s.id);
        auto url = s.adapter.settings.find("url");
        if (url == s.adapter.settings.end()) {
          if (in.empty()) return std::nullopt;
          std::string ids;
          for (const auto* r : in) ids += (ids.empty() ? "" : ", ") + std::to_string(r->id);
          return "option 'url' is required: the system receives on route" + std::string(in.size() > 1 ? "s " : " ") + ids;
        }
        if (auto u = parse_http_url(expand_url(url->second, 1, s.id)); !u) return "option 'url': " + u.error();
        return std::nullopt;
      },
  };
}

}  // namespace renkei::adapters
