#include "kafka/kafka_spec.hpp"

#include <regex>

#include "kafka/kafka_adapter.hpp"

namespace renkei::adapters {

namespace {

OptionSpec opt(std::string name, OptionType type, std::string doc, std::optional<std::string> def = std::nullopt,
               std::vector<std::string> values = {}) {
  return OptionSpec{.name = std::move(name), .type = type, .doc = std::move(doc), .default_value = std::move(def),
                    .values = std::move(values)};
}

std::string route_list(const std::vector<const RouteDef*>& routes) {
  std::string ids;
  for (const auto* r : routes) ids += (ids.empty() ? "" : ", ") + std::to_string(r->id);
  return ids;
}

// What the option types cannot say: the peer's address, topics that are usable and do not
// collide with the hub's own, TLS/SASL settings librdkafka takes and that fit together.
std::optional<std::string> check_kafka(const SystemDef& s, const Catalogue& c) {
  auto setting = [&](const char* name) {
    auto it = s.adapter.settings.find(name);
    return it == s.adapter.settings.end() ? std::string() : it->second;
  };
  if (setting("brokers").empty())
    return "option 'brokers' is required: the peer cluster's bootstrap servers (host:port,…)";
  auto from = c.routes_collected_by(s.id);
  if (from.size() > 1 && setting("topic").find("{interface}") == std::string::npos)
    return "option 'topic' must contain {interface}: the system sends on routes " + route_list(from) +
           " and each route reads a peer topic of its own";
  static const std::regex legal("[A-Za-z0-9._-]{1,249}");
  static const std::regex hubs(R"(renkei\.if\.[0-9]{3}(\.dlq)?|renkei\.state)");
  auto routes = c.routes_delivered_by(s.id);
  routes.insert(routes.end(), from.begin(), from.end());
  for (const auto* r : routes) {
    const auto topic = peer_topic(s, r->id);
    if (!std::regex_match(topic, legal))
      return "option 'topic': '" + topic + "' (route " + std::to_string(r->id) +
             ") is not a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)";
    if (std::regex_match(topic, hubs))
      return "option 'topic': '" + topic + "' is one of the hub's own topics; the peer needs topics of its own";
  }
  auto security = peer_security(s);
  if (auto ok = check_client_settings(security, "TLS/SASL"); !ok) return ok.error().message;
  const std::string protocol = setting("security.protocol");
  const bool sasl = protocol.starts_with("sasl_");
  if (!sasl && (!setting("sasl.mechanism").empty() || !setting("sasl.username").empty() ||
                !setting("sasl.password_file").empty()))
    return "sasl.* options need security.protocol sasl_plaintext or sasl_ssl";
  if (sasl && setting("sasl.mechanism") != "GSSAPI" &&
      (setting("sasl.username").empty() || setting("sasl.password_file").empty()))
    return "security.protocol " + protocol + " needs sasl.username and sasl.password_file";
  return std::nullopt;
}

}  // namespace

AdapterKindSpec kafka_adapter_spec() {
  return AdapterKindSpec{
      .kind = "kafka",
      .doc = "Exchanges records with a peer that speaks Kafka on a cluster of its own: the hub "
             "consumes what the system publishes on its peer topic and produces what it receives "
             "to it (idempotent, acks=all), each record with a renkei-idempotency-key header.",
      .options =
          {
              opt("brokers", OptionType::String, "The peer cluster's bootstrap servers (host:port,…). Required."),
              opt("topic", OptionType::String,
                  "The peer topic of a route ({system} becomes the system id, {interface} the route number "
                  "NNN); the system publishes on it what it sends and finds on it what it receives. Needs "
                  "{interface} when the system sends on more than one route.",
                  "renkei.{system}.{interface}"),
              opt("group_id", OptionType::String,
                  "Consumer group the hub reads the peer topics with (offsets are committed there only after "
                  "the hub's own bus has each record). Unset: <bus.group_id>.peer.<system id>."),
              opt("delivery_timeout_ms", OptionType::Int,
                  "How long one delivery waits for the peer cluster's acknowledgement (acks=all); past it "
                  "the attempt counts as failed (transient) and is retried.",
                  "30000"),
              opt("max_message_bytes", OptionType::Int,
                  "Largest record produced to the peer (librdkafka message.max.bytes; the peer's topic must "
                  "take it too); a larger one goes to the DLQ as target-rejected.",
                  "1000000"),
              opt("max_batch_bytes", OptionType::Int,
                  "Largest file batch held in memory until its end marker proves it whole; a larger batch "
                  "is held into the DLQ.",
                  "67108864"),
              {.name = "in_flight",
               .type = OptionType::Int,
               .doc = "Realtime records produced to the peer at once, each waiting for its own acknowledgement; "
                      "records with the same key keep their order (one key waits for the ack of its previous "
                      "record). Read at start.",
               .default_value = "4",
               .values = {},
               .range = std::pair<long long, long long>{1, 64}},
              opt("backoff_initial_ms", OptionType::Int,
                  "First wait before retrying a failed delivery (peer away, no acknowledgement in time); "
                  "doubles each time.",
                  "500"),
              opt("backoff_max_ms", OptionType::Int, "Longest wait between retries.", "60000"),
              opt("security.protocol", OptionType::Enum, "TLS/SASL towards the peer cluster (librdkafka's setting).",
                  std::nullopt, {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}),
              opt("ssl.ca.location", OptionType::Path, "CA certificate(s) the peer's brokers are checked against."),
              opt("ssl.certificate.location", OptionType::Path, "Client certificate (mutual TLS)."),
              opt("ssl.key.location", OptionType::Path, "Client private key (mutual TLS; not encrypted)."),
              opt("ssl.endpoint.identification.algorithm", OptionType::Enum,
                  "Whether the broker's host name is checked against its certificate.", std::nullopt,
                  {"https", "none"}),
              opt("sasl.mechanism", OptionType::Enum, "SASL mechanism.", std::nullopt,
                  {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI"}),
              opt("sasl.username", OptionType::String, "SASL user name."),
              opt("sasl.password_file", OptionType::Path,
                  "File whose first line is the SASL password (never written in systems.yaml; read when the "
                  "adapter opens, and again on reload)."),
          },
      .check = check_kafka,
  };
}

}  // namespace renkei::adapters
