#pragma once
// What the sinks that send a file batch in one go (http: one POST; kafka: its records and
// marker) share: the records held in memory until the end marker proves them complete,
// the ledger that spares the target a second copy after a restart, their numeric options.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/adapter.hpp"
#include "renkei/batch.hpp"

namespace renkei::adapters {

// The records of one batch, in order, up to `limit` bytes (the kind's max_batch_bytes).
class HeldRecords {
 public:
  HeldRecords(std::string batch_id, std::size_t limit) : batch_id_(std::move(batch_id)), limit_(limit) {}
  // bad-record once the batch outgrows the limit.
  AdapterResult<> append(std::string_view record);
  void clear();
  std::size_t size() const { return starts_.size(); }
  std::string_view record(std::size_t i) const;
  void replay(const std::function<void(std::string_view)>& on_record) const;
  // The records joined by '\n' (the file without its final newline).
  const std::string& joined() const { return body_; }
  // bad-record when count or checksum differ from the end marker's.
  AdapterResult<> check(const BatchEnd& end) const;

 private:
  std::string batch_id_;
  std::size_t limit_;
  std::string body_;
  std::vector<std::size_t> starts_;  // where each record begins in body_
};

// A SinkBatch of such a sink: commit checks the held records against the end marker and
// only then hands them to `deliver` (one attempt); nothing leaves before.
class HeldSinkBatch final : public SinkBatch {
 public:
  using Deliver = std::function<AdapterResult<>(const SinkBatchInfo&, const HeldRecords&, const BatchEnd&)>;
  HeldSinkBatch(SinkBatchInfo info, std::size_t limit, Deliver deliver)
      : info_(std::move(info)), held_(info_.batch_id, limit), deliver_(std::move(deliver)) {}
  AdapterResult<> append(std::string_view record) override { return held_.append(record); }
  AdapterResult<> commit(const BatchEnd& end) override {
    if (auto c = held_.check(end); !c) return c;
    return deliver_(info_, held_, end);
  }
  void abort() override { held_.clear(); }
  AdapterResult<> replay(const std::function<void(std::string_view)>& on_record) override {
    held_.replay(on_record);
    return {};
  }

 private:
  SinkBatchInfo info_;
  HeldRecords held_;
  Deliver deliver_;
};

// How long a ledger entry is kept: far longer than any route topic keeps a record that
// could be consumed again, so pruning never lets a batch be delivered twice.
inline constexpr std::chrono::hours kLedgerKeep{24 * 90};

// Removes entries older than kLedgerKeep below a ledger root (<state.dir>/delivered/<system>);
// done when a sink opens, so the ledger does not grow without end. Errors are ignored:
// an entry left is only a file more.
void prune_ledger(const std::string& root);

// <state.dir>/delivered/<system>/<NNN>/<batch id>: the batches the target has.
class DeliveryLedger {
 public:
  DeliveryLedger(const SystemDef& system, const Catalogue& catalogue);
  bool contains(int route_id, const std::string& batch_id) const;
  const std::string& root() const { return root_; }
  // Written atomically; an error is transient (the retry repeats the delivery, which the
  // target recognises).
  AdapterResult<> add(int route_id, const std::string& batch_id) const;

 private:
  std::string dir(int route_id) const;
  std::string root_;
};

// A sink that delivers file batches whole: held until their end marker checks out, then
// handed to deliver_batch (one attempt), then entered in the ledger.
class HeldBatchSink : public Sink {
 public:
  HeldBatchSink(const SystemDef& system, const Catalogue& catalogue);
  AdapterResult<bool> delivered(const SinkBatchInfo& b) override { return ledger_.contains(b.route_id, b.batch_id); }
  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo& b) override;

 protected:
  void prune_delivered() const { prune_ledger(ledger_.root()); }
  virtual AdapterResult<> deliver_batch(const SinkBatchInfo& b, const HeldRecords& records, const BatchEnd& end) = 0;

 private:
  DeliveryLedger ledger_;
  std::size_t max_batch_;
};

// A positive integer option, else `fallback`.
long long positive_setting(const SystemDef& s, const std::string& name, long long fallback);

// The router's back-off for this sink: options backoff_initial_ms and backoff_max_ms.
RetryPolicy backoff_setting(const SystemDef& s);

}  // namespace renkei::adapters
