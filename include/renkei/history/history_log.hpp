#pragma once
// Writes 転送履歴 entries to the append-only topic renkei.history (one partition, so the
// history is one sequence; retention from hub.yaml history.retention_days, 7 years by
// default). Keyed "<hub cluster's group>/<interface>": hub clusters sharing one Kafka
// cluster keep their histories apart, as renkei.state's keys do.
#include <functional>
#include <optional>
#include <string>

#include "renkei/bus.hpp"
#include "renkei/history/history_entry.hpp"

namespace renkei {

inline constexpr const char* kHistoryTopic = "renkei.history";

class HistoryLog {
 public:
  using Done = std::function<void(const std::optional<BusError>&)>;
  // `on_failed` is told of every entry the broker refused (for the hub's counter).
  HistoryLog(Producer& producer, std::string cluster, std::function<void()> on_failed)
      : producer_(producer), prefix_(std::move(cluster) + "/"), on_failed_(std::move(on_failed)) {}

  // Never waits: `done` is told once, from the producer's thread.
  void append(const HistoryEntry& e, Done done);

 private:
  Producer& producer_;
  std::string prefix_;
  std::function<void()> on_failed_;
};

}  // namespace renkei
