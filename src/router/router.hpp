#pragma once
// The consuming side: one consumer for all route topics, each partition's records in
// order through the conversion stage to the target's sink; commits only what is durable.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "hub_metrics.hpp"
#include "partition_offsets.hpp"
#include "renkei/bus.hpp"
#include "renkei/sha256.hpp"
#include "renkei/scheduler/job_run.hpp"
#include "renkei/stage.hpp"
#include "runtime.hpp"

namespace renkei {

// Where the router says what became of a batch of a scheduled route (the hub writes it to
// renkei.state, so the run that carried it decides on whichever hub it runs); `done` is
// told once the report is durable or failed.
using BatchOutcomeReport = std::function<void(int route, const std::string& batch_id, const BatchOutcome& outcome,
                                              std::function<void(const std::optional<BusError>&)> done)>;

class Router final : public RebalanceListener {
 public:
  Router(Bus& bus, Producer& dlq_producer, const RuntimeHolder& runtime, HubMetrics& metrics,
         BatchOutcomeReport report = {});
  ~Router() override;

  // The consumer loop; returns after stop() once in-flight work is drained and committed.
  void run();
  void stop() { stopping_ = true; }

  void on_assigned(const std::vector<TopicPartition>& parts) override;
  void on_revoked(const std::vector<TopicPartition>& parts) override;

 private:
  struct OpenBatch {
    std::string batch_id;
    int64_t first_offset = 0;
    uint64_t next_seq = 1;
    std::string source;    // from the batch's first record (or the route), for the stage and the DLQ
    std::string charset;
    bool skip = false;                 // delivered before: only read past it
    std::optional<StageError> held;   // a record failed: the batch goes to the DLQ whole
    std::unique_ptr<SinkBatch> out;
    // The end marker's checksum is over the source's bytes; the sink checks what it wrote
    // against the converted bytes. Both are summed as the file would hold them; the
    // output's own sum starts only at the first record the stage rewrote (until then it
    // equals the source's), so a `none` route hashes each record once here.
    Sha256 source_sum;
    std::optional<Sha256> output_sum;
    uint64_t count = 0;
    // For expiry: when a record of the batch was last seen, and where the latest stands.
    std::chrono::steady_clock::time_point last_seen;
    int64_t last_offset = 0;
  };
  struct Partition {
    std::shared_ptr<PartitionOffsets> offsets = std::make_shared<PartitionOffsets>();
    std::map<std::string, OpenBatch, std::less<>> batches;
    bool paused = false;
    std::chrono::steady_clock::time_point resume_at;
    std::chrono::milliseconds backoff{0};
    int64_t last_committed = -1;
  };
  using Key = std::pair<std::string, int32_t>;

  void handle(const BusMessage& msg);
  // A realtime record (no batch headers): converted and delivered on its own.
  void handle_event(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route);
  void handle_batch_record(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, OpenBatch& b);
  // `marker_dead_lettered`: the end marker itself was refused and is on the DLQ already.
  void finish_batch(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, OpenBatch& b,
                    bool marker_dead_lettered = false);
  // Sends one message to the route's DLQ; its offset stays held until the write is durable.
  void dead_letter(Partition& p, const BusMessage& msg, const RouteDef& route, const std::string& reason,
                   const std::string& detail, const OpenBatch* batch = nullptr);
  // A record of the batch failed: the batch is not delivered; its records go to the DLQ.
  // false when that failed transiently and the partition backed off (`b` is gone then).
  [[nodiscard]] bool hold_batch(const Key& key, Partition& p, const BusMessage& msg, const RouteDef& route, OpenBatch& b,
                  const StageError& why);
  // Reads the batch's records in [from, to) again from the topic (original bytes) and puts
  // each sequence number once on the DLQ with this reason; false when the read failed
  // and the partition backed off (`b` is gone then), resuming at `resume_at`.
  [[nodiscard]] bool dead_letter_from_topic(const Key& key, Partition& p, const RouteDef& route, OpenBatch& b,
                                            int64_t from, int64_t to, const std::string& reason,
                                            const std::string& detail, int64_t resume_at);
  // Tells the run of a scheduled route what became of its batch; `hold_at` stays
  // uncommitted until the report is durable (a restart settles the batch again).
  void report_outcome(Partition& p, const RouteDef& route, const std::string& batch_id, bool delivered,
                      const std::string& reason, int64_t hold_at);
  // A transient failure: abandon the partition's open batches, seek back, pause a while.
  void back_off(const Key& key, Partition& p, const std::string& why, int route_id, int64_t at_offset);
  void resume_due();
  // Open batches whose records stopped coming (bus.batch_timeout) go to the DLQ as
  // batch-incomplete, so that a lost end marker does not hold the partition's commits.
  void expire_batches();
  // false when the partition backed off instead (its batches are gone then).
  [[nodiscard]] bool expire(const Key& key, Partition& p, OpenBatch& b, const RouteDef& route);
  void replace_consumer(const std::string& why);
  void recount_paused();
  void commit_all(bool force);
  void update_lag();

  Bus& bus_;
  Producer& dlq_;
  const RuntimeHolder& runtime_;
  HubMetrics& metrics_;
  BatchOutcomeReport report_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<TopicReader> scanner_;  // re-reads a held batch's first records
  std::unique_ptr<Stage> stage_;
  RuntimePtr current_;
  std::map<Key, Partition> parts_;
  unsigned since_clock_ = 0;
  int paused_ = 0;  // partitions in back-off, so the common case skips the scan
  std::atomic<bool> stopping_{false};
};

}  // namespace renkei
