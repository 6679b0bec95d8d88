#pragma once
// The dead-letter topics for operators: what waits there, and replay — each dead letter
// goes back onto its route topic with its original bytes and headers, so a codemap fixed
// in the meantime gets a second chance. How far replay has come is kept as the committed
// offsets of a group of its own, so nothing is replayed twice.
#include <expected>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "renkei/bus.hpp"
#include "runtime.hpp"

namespace renkei {

class DlqService {
 public:
  DlqService(Bus& bus, Producer& producer, const RuntimeHolder& runtime, std::string group);

  // Dead letters of route `id` not replayed yet (or all, with `all`): positions, reason
  // and detail, batch id and sequence — never the record's bytes.
  std::expected<nlohmann::json, std::string> list(int id, bool all);
  // Puts every dead letter not replayed yet back on the route topic; returns how many.
  std::expected<nlohmann::json, std::string> replay(int id);

 private:
  struct Read {
    RuntimePtr runtime;  // keeps `route` alive
    const RouteDef* route = nullptr;
    std::unique_ptr<TopicReader> reader;
    TopicReader::Batch batch;
  };
  // The route's dead letters from the replay position (or the start); caller holds mu_.
  std::expected<Read, std::string> read_dlq(int id, bool from_start);

  Bus& bus_;
  Producer& producer_;
  const RuntimeHolder& runtime_;
  std::string group_;
  std::mutex mu_;  // one replay at a time
};

}  // namespace renkei
