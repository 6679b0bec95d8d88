// What the kafka sink, its event source and its spec share about the peer cluster.
#include "kafka/kafka_adapter.hpp"
#include "renkei/text.hpp"

namespace renkei::adapters {

namespace {

// The TLS/SASL options the kind declares, passed to librdkafka under these names.
constexpr const char* kSecurityOptions[] = {
    "security.protocol",       "ssl.ca.location", "ssl.certificate.location", "ssl.key.location",
    "ssl.endpoint.identification.algorithm", "sasl.mechanism",  "sasl.username",
};

std::string setting(const SystemDef& s, const std::string& name) {
  auto it = s.adapter.settings.find(name);
  return it == s.adapter.settings.end() ? std::string() : it->second;
}

}  // namespace

std::string peer_topic(const SystemDef& system, int route_id) {
  std::string topic = setting(system, "topic");
  replace_all(topic, "{interface}", interface_label(route_id));
  replace_all(topic, "{system}", system.id);
  return topic;
}

ClientSettings peer_security(const SystemDef& system) {
  ClientSettings out;
  for (const char* name : kSecurityOptions)
    if (auto v = setting(system, name); !v.empty()) out.emplace_back(name, v);
  return out;
}

BusConfig peer_bus_config(const SystemDef& system, const Catalogue& catalogue) {
  const BusConfig& hub = catalogue.hub.bus;
  BusConfig peer;
  peer.brokers = setting(system, "brokers");
  peer.group_id = setting(system, "group_id");
  if (peer.group_id.empty()) peer.group_id = hub.group_id + ".peer." + system.id;
  peer.client_id = hub.client_id + "-" + system.id;
  if (!hub.instance_id.empty()) peer.instance_id = hub.instance_id + "-" + system.id;
  peer.security = peer_security(system);
  peer.sasl_password_file = setting(system, "sasl.password_file");
  return peer;
}

AdapterError peer_error(const BusError& e, const std::string& system_id) {
  return AdapterError{e.transient, e.transient ? "io" : "target-rejected", "kafka peer " + system_id + ": " + e.message};
}

}  // namespace renkei::adapters
