#pragma once
// The scheduler's state on the compacted topic `renkei.state` (one partition): every
// renkeid of a cluster reads all of it, and writes go through the producer (acks=all)
// and are waited for, so what a hub acts on is on the broker before it acts. Keys start
// with the hub cluster's consumer group ("renkei-hub/run/009/2026-11-25"): hub clusters
// sharing one Kafka cluster keep apart, as their groups already do.
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "renkei/bus.hpp"
#include "renkei/scheduler/job_run.hpp"

namespace renkei {

inline constexpr const char* kStateTopic = "renkei.state";

class StateStore {
 public:
  StateStore(Bus& bus, Producer& producer, const std::string& reader_group, std::string key_prefix);

  // Applies what was written since the last call (everything, the first time) to the
  // state. The caller holds whatever lock guards `state`, so that a local put() cannot
  // be overtaken by an older message read here.
  std::expected<void, BusError> refresh(JobState& state);
  bool loaded() const { return loaded_; }
  // Writes one key and waits until the broker has it.
  std::expected<void, BusError> write(const std::string& key, const std::string& value);
  // Writes every (key, value) at once and waits until the broker has them all (one round
  // trip, not one per key); the result per key, in order.
  std::vector<std::expected<void, BusError>> write_all(const std::vector<std::pair<std::string, std::string>>& kvs);
  // Writes one key without waiting; `done` is told once, from the producer's thread.
  void write_async(const std::string& key, const std::string& value,
                   std::function<void(const std::optional<BusError>&)> done);
  // Deletes one key (a tombstone: compaction drops the key); `done` as for write_async.
  void erase_async(const std::string& key, std::function<void(const std::optional<BusError>&)> done);

 private:
  void produce_async(OutMessage msg, std::function<void(const std::optional<BusError>&)> done);

  Producer& producer_;
  std::string prefix_;
  std::unique_ptr<TopicReader> reader_;
  int64_t next_ = 0;
  bool loaded_ = false;
};

}  // namespace renkei
