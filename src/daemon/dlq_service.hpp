#pragma once
// The dead-letter topics for operators: what waits there, and replay — each dead letter
// goes back onto its route topic with its original bytes and headers, so a codemap fixed
// in the meantime gets a second chance. How far replay has come is kept as the committed
// offsets of a group of its own, so nothing is replayed twice.
#include <expected>
#include <optional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "renkei/bus.hpp"
#include "runtime.hpp"

namespace renkei {

class DlqService {
 public:
  DlqService(Bus& bus, Producer& producer, const RuntimeHolder& runtime, std::string group);

  // One page of route `id`'s dead letters: at most `limit` entries of `partition` from
  // offset `from` on (positions, reason, detail, origin, batch id and sequence — never
  // the record's bytes), and `next`, the {partition, from} of the following page or
  // null at the end of the last partition. Only one page is ever held in memory.
  static constexpr std::size_t kDefaultPage = 100;
  static constexpr std::size_t kMaxPage = 1000;
  struct PageError {
    int status;  // 404 no such route, 400 no such partition, 503 the bus did not answer
    std::string message;
  };
  // `from` absent: the partition's dead letters still waiting, i.e. from where replay has
  // come (the replay group's committed offset); with `all`, from the partition's start.
  std::expected<nlohmann::json, PageError> page(int id, int partition, std::optional<int64_t> from, std::size_t limit,
                                                bool all = false);
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
