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
          },
      // A receiving system needs somewhere to POST to; say so at validate, not at the
      // first record.
      .check = [](const SystemDef& s, const Catalogue& c) -> std::optional<std::string> {
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
