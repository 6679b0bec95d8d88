#pragma once
// The dead-letter topics for operators: what waits there, and replay — each dead letter
// goes back onto its route topic with its original bytes and headers, so a codemap fixed
// in the meantime gets a second chance. How far replay has come is kept as the committed
// offsets of a group of its own, so nothing is replayed twice.
#include <chrono>
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
  // One dead letter's bytes as they came, for an operator's audited look (the console's
  // 内容表示): the charset its batch named (if the catalogue knows it), else the route's
  // source system's.
  struct Record {
    int partition = 0;
    int64_t offset = 0;
    std::string bytes;
    std::string charset;
    std::string reason, detail;  // escaped for display
  };
  std::expected<Record, PageError> record(int id, int partition, int64_t offset);

  // Replay: every dead letter not replayed yet goes back on the route topic, in chunks
  // (read, produce, wait for Kafka's acks, commit), so memory holds one chunk whatever
  // the backlog. It replays up to the ends the partitions had when it began, and stops
  // starting chunks once `budget` is spent: the answer then says `complete: false` and
  // how many wait, and the next call goes on from there.
  struct ReplayLimits {
    std::size_t max_records = 500;
    std::size_t max_bytes = 4u << 20;
    std::chrono::milliseconds chunk_deadline{30'000};  // to read one chunk
    std::chrono::milliseconds budget{7'000};            // below the API's bus deadline
  };
  struct ReplayError {
    int status;  // 404 no such route, 503 the bus failed
    std::string message;
    nlohmann::json progress;  // what was replayed (and committed) before it stopped, or null
  };
  std::expected<nlohmann::json, ReplayError> replay(int id, ReplayLimits limits);
  std::expected<nlohmann::json, ReplayError> replay(int id) { return replay(id, ReplayLimits{}); }

 private:
  Bus& bus_;
  Producer& producer_;
  const RuntimeHolder& runtime_;
  std::string group_;
  std::mutex mu_;  // one replay at a time
};

}  // namespace renkei
