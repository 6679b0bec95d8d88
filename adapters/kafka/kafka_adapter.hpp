#pragma once
// The `kafka` adapter kind: a peer that speaks Kafka natively, on a cluster of its own.
// Outbound, the sink produces each record to the peer's topic (idempotent, acks=all) with
// headers that make a repeat recognisable. Inbound, the event source consumes the peer's
// topic for the daemon's event runner (src/daemon/event_runner), which puts each record
// on the route topic before the peer offset is committed. There is no file-unit source.
#include <memory>
#include <string>

#include "renkei/adapter.hpp"
#include "renkei/bus.hpp"

namespace renkei::adapters {

std::unique_ptr<Sink> make_kafka_sink(const SystemDef& system, const Catalogue& catalogue);
std::unique_ptr<EventSource> make_kafka_event_source(const SystemDef& system, const Catalogue& catalogue);

// Header of every record the sink produces: the same for every attempt and across
// restarts ("renkei-NNN-<event id>", "renkei-NNN-<batch id>-<seq>", "…-end").
inline constexpr const char* kIdempotencyHeader = "renkei-idempotency-key";

// The system's peer topic for route `route_id`: its `topic` option with {system} and
// {interface} (NNN) filled in.
std::string peer_topic(const SystemDef& system, int route_id);

// The TLS/SASL options of the system that are set, as librdkafka names them (without the
// password: sasl.password_file stays a file name).
ClientSettings peer_security(const SystemDef& system);

// The peer cluster as a bus configuration: its brokers, the system's consumer group
// (option group_id, else <bus.group_id>.peer.<system>) and client id, its TLS/SASL.
BusConfig peer_bus_config(const SystemDef& system, const Catalogue& catalogue);

// A peer's error as the runners take it: transient (peer away) or, permanent, with the
// DLQ reason target-rejected.
AdapterError peer_error(const BusError& e, const std::string& system_id);

}  // namespace renkei::adapters
